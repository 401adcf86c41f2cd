"""PDF reports off the request path: which kept report answers a request, and its making.

A request names a report (`Wanted`: kind, plan or meeting, period, the day whose state
it shows, whose view of it); with the data version of what it shows, that is the key of
a `KeptReport`. `kept(wanted)` finds the report or creates its row (race-safe: one row
per key, get_or_create) and hands the making to a task (reports/tasks.py). With Celery
eager (no REDIS_URL: `make run`, the SQLite tests) the task has run when `kept()`
returns, so the request gets the PDF at once; with workers the row says "bezig" until
one has made it. `make(report_id)` is the task's work: the generators of reports/pdf.py
make the bytes, the row keeps them, older versions of the same report go.

Who may ask for which report is the views' business (`visible_to(user)`); a report row
is only ever reached through the plan or meeting it belongs to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.agenda import Agenda
from actions.models import Meeting
from ivp.periods import Period
from policies.dataversion import data_version
from policies.models import Plan

from . import pdf
from .models import KeptReport
from .pdf import ReportError, ReportTooLarge

# A row still "bezig" this long after its making started lost its worker (a restart,
# a crash): the next request makes it again. Well above pdf.TIME_BUDGET_SECONDS.
STALE_AFTER = dt.timedelta(seconds=10 * pdf.TIME_BUDGET_SECONDS)

# What the report's layout is made of: a change to any of these (a deploy) gives every
# report a new version, so no PDF in an old layout is served.
_LAYOUT_SOURCES = (
    "reports/pdf.py",
    "reports/charts.py",
    "templates/reports/pdf",
    "reports/static/reports/pdf",
    "locale/nl/LC_MESSAGES/django.mo",
)


@cache
def layout_version() -> str:
    digest = hashlib.sha256()
    for source in _LAYOUT_SOURCES:
        path = Path(settings.BASE_DIR) / source
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(file.name.encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Wanted:
    """A report someone asks for: what it is of, for which period and view."""

    kind: str
    plan: Plan | None = None
    meeting: Meeting | None = None
    period: str = ""
    as_of: dt.date | None = None
    plan_ids: tuple[int, ...] = ()  # the plans whose content it shows
    audience: str = ""
    language: str = settings.LANGUAGE_CODE

    @property
    def subject(self) -> dict:
        if self.plan is not None:
            return {"plan": self.plan}
        return {"meeting": self.meeting}


def quarterly(plan: Plan, year: int, quarter: int, *, today=None) -> Wanted:
    """The quarterly report; year and quarter checked (pdf.parse_quarter) before."""
    period = Period(year, quarter)
    return Wanted(
        KeptReport.Kind.QUARTERLY,
        plan=plan,
        period=f"{year}-K{quarter}",
        as_of=period.state_day(today or timezone.localdate()),
        plan_ids=(plan.pk,),
    )


def annual(plan: Plan, year: int, *, today=None) -> Wanted:
    """The annual report; the year checked (pdf.check_year) before."""
    return Wanted(
        KeptReport.Kind.ANNUAL,
        plan=plan,
        period=str(year),
        as_of=Period(year).state_day(today or timezone.localdate()),
        plan_ids=(plan.pk,),
    )


def agenda(meeting: Meeting, *, user) -> Wanted:
    """The agenda of a meeting as `user` sees it: of the meeting's plans only those
    the user may see (actions.agenda.Agenda), so users who see the same plans share
    one report and no one is served another's."""
    plan_ids = tuple(sorted(plan.pk for plan in Agenda(meeting, user=user).plans))
    audience = hashlib.sha256(repr(plan_ids).encode()).hexdigest()[:24]
    return Wanted(
        KeptReport.Kind.AGENDA,
        meeting=meeting,
        as_of=meeting.date,
        plan_ids=plan_ids,
        audience=audience,
    )


def version(wanted: Wanted) -> str:
    """The version of everything the report shows: the data version of its plans
    (policies.dataversion: their content, their meetings, and the rows all plans share,
    such as the safety region's figures the region comparison averages) and of the
    report's layout."""
    return f"{data_version(wanted.plan_ids)}-{layout_version()}"


def _key(wanted: Wanted) -> dict:
    return {
        "kind": wanted.kind,
        **wanted.subject,
        "period": wanted.period,
        "as_of": wanted.as_of,
        "data_version": version(wanted),
        "language": wanted.language,
        "audience": wanted.audience,
    }


def current(wanted: Wanted) -> KeptReport | None:
    """The report of the data as it is now, if it was asked for before."""
    return KeptReport.objects.filter(**_key(wanted)).first()


def kept(wanted: Wanted, *, user=None) -> KeptReport:
    """The report of the data as it is now: ready, failed, or being made (then its
    making is under way, and has finished already where tasks run eagerly). One whose
    worker was lost (still "bezig" long after it started) is made again."""
    report, created = KeptReport.objects.get_or_create(**_key(wanted))
    if created or report.is_stale(STALE_AFTER):
        _start(report, user, reset=not created)
    return report


def retry(wanted: Wanted, *, user=None) -> KeptReport | None:
    """Make a failed report of the data as it is now once more (nothing else)."""
    report = current(wanted)
    if report is not None and (
        report.status == KeptReport.State.FAILED or report.is_stale(STALE_AFTER)
    ):
        _start(report, user, reset=True)
    return report


def _start(report: KeptReport, user, *, reset: bool) -> None:
    from .tasks import make_report

    if reset:
        KeptReport.objects.filter(pk=report.pk).update(
            status=KeptReport.State.BUSY,
            error="",
            error_status=None,
            started_at=timezone.now(),
        )
    user_id = (
        user.pk if user is not None and report.kind == report.Kind.AGENDA else None
    )
    if make_report.app.conf.task_always_eager:
        make_report.delay(report.pk, user_id)  # runs here and now
        report.refresh_from_db()
    else:
        # The worker must find the row: hand it over once the request's transaction
        # (ATOMIC_REQUESTS) has written it.
        transaction.on_commit(lambda: make_report.delay(report.pk, user_id))
        if reset:
            report.refresh_from_db()


# --- the making (the task's work) ------------------------------------------------------


def make(report_id: int, user_id: int | None = None) -> None:
    """Make the PDF of a kept report and keep it, or keep why it could not be made."""
    report = (
        KeptReport.objects.filter(pk=report_id, status=KeptReport.State.BUSY)
        .select_related("plan", "meeting")
        .defer("content")
        .first()
    )
    if report is None:
        return  # made or pruned meanwhile
    try:
        content = _generate(report, user_id)
    except ReportError as error:
        status = 413 if isinstance(error, ReportTooLarge) else 400
        _finish(report, status=KeptReport.State.FAILED, error=str(error), code=status)
        return
    except Exception:
        _finish(
            report,
            status=KeptReport.State.FAILED,
            error=_("Something went wrong while making this report. Try again."),
            code=500,
        )
        raise
    _finish(report, status=KeptReport.State.READY, content=content)
    # Older versions of this report (earlier data, an earlier day) are no longer served.
    KeptReport.objects.same_report(report).exclude(pk=report.pk).exclude(
        status=KeptReport.State.BUSY, started_at__gt=timezone.now() - STALE_AFTER
    ).delete()


def _finish(report, *, status, content=None, error="", code=None) -> None:
    KeptReport.objects.filter(pk=report.pk).update(
        status=status,
        content=content,
        error=error,
        error_status=code,
        finished_at=timezone.now(),
    )


def _generate(report: KeptReport, user_id: int | None) -> bytes:
    language = report.language
    if report.kind == KeptReport.Kind.AGENDA:
        user = get_user_model().objects.filter(pk=user_id).first()
        if user is None:
            raise ReportError(_("This agenda can no longer be made. Ask for it again."))
        return pdf.agenda_pdf(report.meeting, user=user, language=language)
    year, _sep, quarter = report.period.partition("-K")
    period = Period(int(year), int(quarter) if quarter else None)
    # The day whose state the row promises: today's state while the period runs
    # (unless the day turned since it was asked for), its end's state once it ended.
    today = timezone.localdate()
    if period.state_day(today) != report.as_of:
        today = report.as_of
    if report.kind == KeptReport.Kind.QUARTERLY:
        return pdf.quarterly_report_pdf(
            report.plan,
            year=period.year,
            quarter=period.quarter,
            today=today,
            language=language,
        )
    return pdf.annual_report_pdf(
        report.plan, year=period.year, today=today, language=language
    )
