from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from actions.imports import ImportError_, programme_import
from policies.models import Plan


class Command(BaseCommand):
    help = (
        "Import an implementation programme (XLSX or CSV) into a plan. Shows a preview; "
        "saves only with --commit and only when no row has a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--plan", required=True, help="The plan's short name (slug)."
        )
        parser.add_argument(
            "--commit", action="store_true", help="Save (default: preview)."
        )
        parser.add_argument(
            "--create-organisations",
            action="store_true",
            help="Create owners and partners whose names match no organisation.",
        )

    def handle(self, *args, **options):
        try:
            plan = Plan.objects.get(slug=options["plan"])
        except Plan.DoesNotExist:
            raise CommandError(
                f"No plan with short name {options['plan']!r}."
            ) from None
        path = Path(options["file"])
        try:
            preview = programme_import(
                plan=plan,
                data=path.read_bytes(),
                filename=path.name,
                create_organisations=options["create_organisations"],
                commit=options["commit"],
            )
        except (OSError, ImportError_) as exc:
            raise CommandError(str(exc)) from exc
        for problem in preview.problems:
            self.stderr.write(str(problem))
        for name, rows in preview.unmatched_names.items():
            self.stderr.write(
                f"Onbekende organisatie {name!r} in rij(en) {', '.join(map(str, rows))}"
            )
        self.stdout.write(
            f"{len(preview.creates)} nieuw, {len(preview.updates)} gewijzigd, "
            f"{preview.unchanged} ongewijzigd; nieuwe prioriteiten: {len(preview.new_priorities)}."
        )
        if preview.saved:
            self.stdout.write(self.style.SUCCESS("Opgeslagen."))
        elif options["commit"]:
            raise CommandError("Niets opgeslagen: los eerst de problemen hierboven op.")
        else:
            self.stdout.write(
                "Voorbeeld: niets opgeslagen (gebruik --commit om op te slaan)."
            )
