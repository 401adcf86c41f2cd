"""Thin views: find what the user may see, call the generator, wrap the bytes.

The generators in reports/pdf.py do all the work; these views only check access (an
object outside `visible_to(user)` answers 404), read the period and name the file.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from actions.models import Meeting
from policies.models import Plan

from . import pdf
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


@require_GET
@login_required
def quarterly(request, plan_pk: int):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_pk)
    try:
        year, quarter = pdf.parse_quarter(
            plan, request.GET.get("year"), request.GET.get("quarter")
        )
        content = pdf.quarterly_report_pdf(plan, year=year, quarter=quarter)
    except ReportError as error:
        return _refusal(error)
    name = _("progress-report")
    return _pdf_response(content, f"{name}-{slugify(plan.slug)}-{year}-K{quarter}.pdf")


@require_GET
@login_required
def annual(request, plan_pk: int, year: int):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_pk)
    try:
        pdf.check_year(plan, year)
        content = pdf.annual_report_pdf(plan, year=year)
    except ReportError as error:
        return _refusal(error)
    name = _("annual-report")
    return _pdf_response(content, f"{name}-{slugify(plan.slug)}-{year}.pdf")


@require_GET
@login_required
def agenda(request, meeting_pk: int):
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=meeting_pk)
    try:
        content = pdf.agenda_pdf(meeting, user=request.user)
    except ReportError as error:
        return _refusal(error)
    name = _("agenda")
    body = slugify(meeting.get_body_display())[:30]
    return _pdf_response(content, f"{name}-{body}-{meeting.date:%Y-%m-%d}.pdf")
