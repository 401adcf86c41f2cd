import secrets

from django.core.management.base import BaseCommand

from policies.demo import demo_users_load


class Command(BaseCommand):
    help = (
        "Create the demo accounts: beheerder, oov.<gemeente> per seed municipality, "
        "lezer.veluwe-noord, raad.stadskanaal and an officer of each police and OM "
        "organisation that carries actions or agreements (e.g. openbaar-ministerie). "
        "Safe to run twice (resets passwords)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="Password for every demo account (default: generated)."
        )

    def handle(self, *args, **options):
        password = options["password"] or secrets.token_urlsafe(12)
        accounts = demo_users_load(password=password)
        self.stdout.write("Demo accounts (log in at /admin/):")
        for username, description in accounts:
            self.stdout.write(f"  {username:<32} {description}")
        self.stdout.write(
            self.style.SUCCESS(f"Password for all demo accounts: {password}")
        )
