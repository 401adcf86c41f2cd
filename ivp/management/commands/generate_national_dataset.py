"""Fill the database with the national-scale dataset (see bench/national.py)."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.national import BASISTEAMS, DEFAULT_TODAY, MUNICIPALITIES, NationalDataset


class Command(BaseCommand):
    help = (
        "Maakt een landelijke dataset: 342 gemeenten in 168 basisteams, met plannen, "
        "ongeveer 100.000 acties, 500.000 voortgangsberichten en 50.000 metingen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--teams", type=int, default=BASISTEAMS, help="Aantal basisteams."
        )
        parser.add_argument(
            "--municipalities",
            type=int,
            default=MUNICIPALITIES,
            help="Aantal gemeenten.",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=DEFAULT_TODAY,
            help="De datum waarop de dataset 'vandaag' staat (JJJJ-MM-DD).",
        )
        parser.add_argument(
            "--password",
            help="Wachtwoord voor alle gemaakte gebruikers; zonder dit kan niemand inloggen.",
        )
        parser.add_argument(
            "--allow-sqlite",
            action="store_true",
            help="Ook op SQLite (voor kleine aantallen; de landelijke maat hoort op PostgreSQL).",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql" and not options["allow_sqlite"]:
            raise CommandError(
                "De landelijke dataset hoort op PostgreSQL: zet DATABASE_URL, "
                "of geef --allow-sqlite voor een kleine proef."
            )
        if options["teams"] < 1 or options["municipalities"] < options["teams"]:
            raise CommandError(
                "Geef minstens één basisteam en minstens één gemeente per team."
            )
        if NationalDataset.exists():
            raise CommandError(
                "Deze database heeft de landelijke dataset al; begin met een lege database."
            )
        started = time.perf_counter()
        dataset = NationalDataset(
            teams=options["teams"],
            municipalities=options["municipalities"],
            seed=options["seed"],
            today=options["today"],
            password=options["password"],
            progress=lambda message: self.stdout.write(
                f"  {time.perf_counter() - started:6.1f} s  {message}"
            ),
        )
        summary = dataset.run()
        self.stdout.write(f"Klaar in {time.perf_counter() - started:.1f} s. Gemaakt:")
        for kind, n in summary.counts.items():
            self.stdout.write(f"  {kind:<22} {n:>9,}".replace(",", "."))
