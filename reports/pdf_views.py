"""Thin views: find what the user may see, ask for its kept report, wrap the bytes.

The generators in reports/pdf.py make the reports and reports/queue.py keeps them (made
on the task queue); these views only check access (an object outside
`visible_to(user)` answers 404), read the period, name the file, and show the waiting
page while a worker makes the report.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from actions.models import Meeting
from policies.models import Plan

from . import pdf, queue
from .models import KeptReport
from .pdf import ReportError, ReportTooLarge


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A report holds the plan's content as of now: never serve a stale copy.
    response["Cache-Control"] = "private, no-store"
    return response


def _refusal(error: ReportError) -> HttpResponse:
    status = 413 if isinstance(error, ReportTooLarge) else 400
    return HttpResponse(
        str(error), status=status, content_type="text/plain; charset=utf-8"
    )


def _quarterly(request, plan_pk: int):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_pk)
    year, quarter = pdf.parse_quarter(
        plan, request.GET.get("year"), request.GET.get("quarter")
    )
    name = _("progress-report")
    filename = f"{name}-{slugify(plan.slug)}-{year}-K{quarter}.pdf"
    return queue.quarterly(plan, year, quarter), filename


def _annual(request, plan_pk: int, year: int):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_pk)
    pdf.check_year(plan, year)
    name = _("annual-report")
    return queue.annual(plan, year), f"{name}-{slugify(plan.slug)}-{year}.pdf"


def _agenda(request, meeting_pk: int):
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=meeting_pk)
    name = _("agenda")
    body = slugify(meeting.get_body_display())[:30]
    filename = f"{name}-{body}-{meeting.date:%Y-%m-%d}.pdf"
    return queue.agenda(meeting, user=request.user), filename


def _status_url(request) -> str:
    match = request.resolver_match
    url = reverse(f"{match.view_name}-status", kwargs=match.kwargs)
    query = request.META.get("QUERY_STRING")
    return f"{url}?{query}" if query else url


def _state(report: KeptReport | None) -> dict:
    """What the waiting page and its status answer say about a report."""
    if report is None:
        return {
            "message": _("The plan changed while the report was being made."),
            "link": _("Make the report with the latest data"),
        }
    if report.status == KeptReport.State.READY:
        return {"message": _("The report is ready."), "link": _("Download the report")}
    if report.status == KeptReport.State.FAILED:
        return {"message": report.error, "link": _("See what went wrong")}
    return {
        "message": _(
            "The report is being made. This can take a minute; you can leave this "
            "page and come back."
        ),
        "link": _("Look again"),
    }


def report_view(locate):
    """The PDF of a report: at once when it is kept; otherwise the page that says it is
    being made (202), or why it could not be (400, 413), with a button to try again
    (POST). Invalid periods are refused before anything is made."""

    @require_http_methods(["GET", "POST"])
    @login_required
    @wraps(locate)
    def view(request, **kwargs):
        try:
            wanted, filename = locate(request, **kwargs)
        except ReportError as error:
            return _refusal(error)
        if request.method == "POST":
            queue.retry(wanted, user=request.user)
            return redirect(request.get_full_path())
        report = queue.kept(wanted, user=request.user)
        if report.status == KeptReport.State.READY:
            return _pdf_response(bytes(report.content), filename)
        context = {
            "report": report,
            "plan": wanted.plan,
            "subject": wanted.plan or wanted.meeting,
            "state": _state(report),
            "status_url": _status_url(request),
        }
        status = 202
        if report.status == KeptReport.State.FAILED:
            status = report.error_status or 500
        response = render(request, "reports/pdf_waiting.html", context, status=status)
        response["Cache-Control"] = "private, no-store"
        return response

    return view


def status_view(locate):
    """How the making of a report stands, for the waiting page's script (JSON)."""

    @require_GET
    @login_required
    @wraps(locate)
    def view(request, **kwargs):
        try:
            wanted, _filename = locate(request, **kwargs)
        except ReportError as error:
            return JsonResponse(
                {"status": KeptReport.State.FAILED, "message": str(error)}, status=400
            )
        # Only asks: the waiting page's own request started the making. A report
        # not there (the data changed meanwhile) is "gone": the link asks anew.
        report = queue.current(wanted)
        if report is None:
            state = {"status": "weg", **_state(None)}
        else:
            state = {"status": report.status, **_state(report)}
        response = JsonResponse(state)
        response["Cache-Control"] = "private, no-store"
        return response

    return view


quarterly = report_view(_quarterly)
annual = report_view(_annual)
agenda = report_view(_agenda)
quarterly_status = status_view(_quarterly)
annual_status = status_view(_annual)
agenda_status = status_view(_agenda)
