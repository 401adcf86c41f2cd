from django.core.management.base import BaseCommand

from actions.demo import demo_progress_load
from policies.demo import (
    demo_open_data_load,
    demo_publication_load,
    demo_results_load,
)


class Command(BaseCommand):
    help = (
        "Add illustrative (invented, clearly labelled) progress updates to the seed actions "
        "and results to the seed agreements. Safe to run twice."
    )

    def handle(self, *args, **options):
        created = demo_progress_load()
        results = demo_results_load()
        published = demo_publication_load()
        indicators = demo_open_data_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded illustrative demo progress: {created} progress updates and "
                f"{results} results of agreements "
                "(labelled [Illustratief]; not from the source documents); "
                f"{published} plan published on /openbaar/; {indicators} indicators "
                "of registered burglaries per municipality from open data."
            )
        )
