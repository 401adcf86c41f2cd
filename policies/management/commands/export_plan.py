from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policies.models import Plan
from policies.workbook import export_plan


class Command(BaseCommand):
    help = (
        "Write a plan and everything in it (priorities, agreements and results, actions "
        "and progress, meetings, indicators with targets and measurements) to one XLSX "
        "workbook that import_plan reads back."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The plan's short name.")
        parser.add_argument("file", help="The .xlsx file to write.")

    def handle(self, *args, **options):
        try:
            plan = Plan.objects.get(slug=options["slug"])
        except Plan.DoesNotExist:
            raise CommandError(
                f"Er is geen plan met de korte naam {options['slug']!r}."
            ) from None
        path = Path(options["file"])
        try:
            path.write_bytes(export_plan(plan))
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{plan.title} geschreven naar {path}."))
