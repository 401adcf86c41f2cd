from django.core.management.base import BaseCommand

from actions.demo import demo_progress_load


class Command(BaseCommand):
    help = (
        "Add illustrative (invented, clearly labelled) progress updates to the seed actions. "
        "Safe to run twice."
    )

    def handle(self, *args, **options):
        created = demo_progress_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded illustrative demo progress: {created} progress updates "
                "(labelled [Illustratief]; not from the source documents)."
            )
        )
