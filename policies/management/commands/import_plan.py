from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policies.workbook import import_plan


class Command(BaseCommand):
    help = (
        "Read a plan's workbook (as export_plan writes it) into a new plan, in one "
        "transaction: nothing is saved when any row has a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx workbook.")
        parser.add_argument(
            "--preview",
            action="store_true",
            help="Check the workbook and say what would be created; save nothing.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        result = import_plan(data, filename=path.name, commit=not options["preview"])
        for problem in result.problems:
            self.stderr.write(str(problem))
        if result.problems:
            raise CommandError("Niets opgeslagen: los eerst de problemen hierboven op.")
        counts = ", ".join(f"{sheet}: {n}" for sheet, n in result.counts.items())
        self.stdout.write(f"{result.plan.title} ({result.plan.slug}) — {counts}.")
        if result.created_organisations:
            self.stdout.write(
                "Nieuwe organisaties: " + ", ".join(result.created_organisations)
            )
        if result.saved:
            self.stdout.write(self.style.SUCCESS("Opgeslagen."))
