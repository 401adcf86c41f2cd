from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policies.models import Plan
from policies.opendata import OpenDataError, opendata_import


class Command(BaseCommand):
    help = (
        "Read indicator figures from a CBS StatLine (83648NED) or police (47013NED) CSV "
        "into a plan's indicators. Preview by default; --commit saves."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--plan", required=True, help="The plan's short name (slug)."
        )
        parser.add_argument(
            "--provisional-from",
            help="Mark this period and later as provisional (2021JJ00).",
        )
        parser.add_argument("--commit", action="store_true")

    def handle(self, *args, **options):
        try:
            plan = Plan.objects.get(slug=options["plan"])
            result = opendata_import(
                plan=plan,
                data=Path(options["file"]).read_bytes(),
                provisional_from=options["provisional_from"],
                commit=options["commit"],
            )
        except Plan.DoesNotExist:
            raise CommandError(
                f"No plan with short name {options['plan']!r}."
            ) from None
        except (OSError, OpenDataError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.created} nieuw, {result.updated} gewijzigd, {result.unchanged} "
            f"ongewijzigd; onderdrukt (niet als nul gelezen): {len(result.suppressed)}."
        )
        self.stdout.write(
            "Opgeslagen." if result.saved else "Voorbeeld: niets opgeslagen."
        )
