"""Make a PDF report from the command line.

    python manage.py report quarterly veluwe-noord-uvp-2021 --year 2021 --quarter 2 -o k2.pdf
    python manage.py report annual stadskanaal-ivp-2020-2024 --year 2021 -o jaarverslag.pdf
    python manage.py report agenda --meeting 4 -o agenda.pdf

Whoever runs manage.py already holds the server and its database, so by default the
command sees everything, as a beheerder does. With --user it makes the report as that
user would get it on the site: a plan or meeting they may not see does not exist.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from actions.models import Meeting
from policies.models import Plan
from reports import pdf
from reports.pdf import ReportError


class Command(BaseCommand):
    help = (
        "Make a PDF report: quarterly progress report, annual report or meeting agenda."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["quarterly", "annual", "agenda"])
        parser.add_argument(
            "plan", nargs="?", help="The plan's short name (slug) or number."
        )
        parser.add_argument("--year", type=int)
        parser.add_argument("--quarter", type=int)
        parser.add_argument(
            "--meeting", type=int, help="The meeting's number (agenda)."
        )
        parser.add_argument("--user", help="Make the report as this user may see it.")
        parser.add_argument(
            "-o", "--output", required=True, help="The PDF file to write."
        )

    def handle(
        self, *args, kind, plan, year, quarter, meeting, user, output, **options
    ):
        plans = Plan.objects.all()
        meetings = Meeting.objects.all()
        account = None
        if user:
            account = (
                get_user_model().objects.filter(username=user, is_active=True).first()
            )
            if account is None:
                raise CommandError(
                    _("There is no active user %(name)s.") % {"name": user}
                )
            plans = Plan.objects.visible_to(account)
            meetings = Meeting.objects.visible_to(account)
        try:
            if kind == "agenda":
                if meeting is None:
                    raise CommandError(_("Give the meeting with --meeting NUMBER."))
                found = meetings.filter(pk=meeting).first()
                if found is None:
                    raise CommandError(
                        _("There is no meeting %(number)s that you may see.")
                        % {"number": meeting}
                    )
                content = pdf.agenda_pdf(found, user=account)
            else:
                found = self._plan(plans, plan)
                if year is None:
                    raise CommandError(_("Give the year with --year."))
                if kind == "quarterly":
                    year, quarter = pdf.parse_quarter(found, year, quarter)
                    content = pdf.quarterly_report_pdf(
                        found, year=year, quarter=quarter
                    )
                else:
                    content = pdf.annual_report_pdf(
                        found, year=pdf.check_year(found, year)
                    )
        except ReportError as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(content)
        self.stdout.write(
            _("Written %(file)s (%(size)s kB).")
            % {"file": output, "size": pdf.dutch_number(round(len(content) / 1024))}
        )

    @staticmethod
    def _plan(plans, key):
        if not key:
            raise CommandError(_("Give the plan by its short name or number."))
        found = plans.filter(slug=key).first()
        if found is None and key.isdigit():
            found = plans.filter(pk=int(key)).first()
        if found is None:
            raise CommandError(
                _("There is no plan %(plan)s that you may see.") % {"plan": key}
            )
        return found
