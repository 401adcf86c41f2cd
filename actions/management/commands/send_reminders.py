import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actions.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Send today's reminder digests (one mail per person per day). Run daily from cron; "
        "running it twice, or twice at once, sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Send as if it were this day (YYYY-MM-DD).")

    def handle(self, *args, **options):
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("Give --date as YYYY-MM-DD.") from None
        report = reminders_send(today=today or timezone.localdate())
        self.stdout.write(
            f"Sent {report.mails} reminder mails with {report.items} items"
            f" ({report.skipped_already_sent} already sent today)."
        )
