from django.core.management.base import BaseCommand, CommandError

from policies.seeds import SeedError, seeds_load


class Command(BaseCommand):
    help = "Load the five source documents (fixtures/seeds/*.json). Safe to run twice."

    def handle(self, *args, **options):
        try:
            counts = seeds_load()
        except SeedError as exc:
            raise CommandError(
                f"Seed file could not be loaded, nothing was saved: {exc}"
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(counts.files)} seed documents: {counts.plans} plans, "
                f"{counts.priorities} priorities, {counts.agreements} agreements, "
                f"{counts.actions} actions, {counts.meetings} meetings, "
                f"{counts.indicators} indicators, {counts.measurements} measurements."
            )
        )
