"""The PDF reports as pure generators: a plan (or meeting) and a period in, PDF bytes out.

- `quarterly_report_pdf(plan, year=, quarter=)`: the driehoek's progress report.
- `annual_report_pdf(plan, year=)`: the council's annual report.
- `agenda_pdf(meeting, plans=)`: the items to report on at one meeting.

Each is `html_to_pdf(<kind>_html(...))`: the `_html` functions gather the data with a fixed
number of queries and render a template from templates/reports/pdf/; `html_to_pdf` hands
the HTML to WeasyPrint with a fetcher that loads only our static files (reports/fetcher.py).
Who may see what is the caller's business (the views and the command check it).

Status "as of" a period: the status of an action at the end of a period is that of its
latest progress update on or before that day; an action without any update keeps the
status its source document gave it. So a 2021 report printed in 2026 still tells 2021.
Which actions a period holds is decided in SQL on the deadline and the current status
(actions due in the period's year, without a deadline, or due before it and still open
now): an action due before the year and closed only after it is left out of that year.
"""

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import CLOSED_STATUSES, Action, Meeting, ProgressUpdate, Status
from ivp.formats import date as dutch_date
from ivp.formats import number as dutch_number
from ivp.periods import Precision, format_period
from policies.models import Agreement, Indicator, Plan, Priority, Result

from .charts import STATUS_ORDER, indicator_chart_svg, status_bar_svg
from .fetcher import STATIC_BASE, StaticOnlyFetcher

# Limits: beyond these a report is refused with a message instead of tying up a worker.
# Measured (bench/reports.py, README "PDF-rapportages"): 300 actions with two updates
# each take 10-13 s and 38-53 pages on a 2-core machine, so 1,000 actions stay near
# 40 s, inside TIME_BUDGET_SECONDS. WeasyPrint cannot be interrupted inside its layout:
# the budget is checked after the data work and after the layout, before writing the PDF.
MAX_ACTIONS = 1000
MAX_TEXT_CHARS = 2_000_000
MAX_PAGES = 400
TIME_BUDGET_SECONDS = 60.0



class ReportError(Exception):
    """A report cannot be made; the message says why, in the user's language."""


class ReportTooLarge(ReportError):
    """A report would take too long or grow too big."""


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(
        days=1
    )
    return start, end


# --- input checks (shared by the views and the command) ---------------------------------


def check_year(plan: Plan, year: int) -> int:
    if not plan.start_year <= year <= plan.end_year:
        raise ReportError(
            _("The plan runs from %(start)s to %(end)s; choose a year in that period.")
            % {"start": plan.start_year, "end": plan.end_year}
        )
    return year


def parse_quarter(plan: Plan, year, quarter) -> tuple[int, int]:
    """Year and quarter from text (a query string or the command line), checked."""
    try:
        year_number = int(year)
        quarter_number = int(quarter)
    except (TypeError, ValueError):
        raise ReportError(
            _("Give a year and a quarter (1 to 4), e.g. year=2021 and quarter=2.")
        ) from None
    if not 1 <= quarter_number <= 4:
        raise ReportError(_("The quarter must be 1, 2, 3 or 4."))
    return check_year(plan, year_number), quarter_number


# --- rendering --------------------------------------------------------------------------


@dataclass
class Budget:
    """The time budget of one report, checked between the phases of its making."""

    started: float = field(default_factory=time.monotonic)
    seconds: float = field(default_factory=lambda: TIME_BUDGET_SECONDS)

    def check(self) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise ReportTooLarge(
                _(
                    "This report took longer than %(seconds)s seconds to make and was "
                    "stopped. Choose a shorter period or a smaller plan."
                )
                % {"seconds": int(self.seconds)}
            )


def html_to_pdf(html: str, *, budget: Budget | None = None) -> bytes:
    """WeasyPrint alone: HTML to PDF, loading nothing but our own static files."""
    from weasyprint import HTML  # importing WeasyPrint costs ~0.8 s: only when needed

    budget = budget or Budget()
    document = HTML(
        string=html, base_url=STATIC_BASE, url_fetcher=StaticOnlyFetcher()
    ).render()
    if len(document.pages) > MAX_PAGES:
        raise ReportTooLarge(
            _(
                "This report would have %(pages)s pages, more than the %(max)s a report "
                "may have. Choose a shorter period or a smaller plan."
            )
            % {"pages": len(document.pages), "max": MAX_PAGES}
        )
    budget.check()
    return document.write_pdf()


def _check_size(actions, texts=()) -> None:
    if len(actions) > MAX_ACTIONS:
        raise ReportTooLarge(
            _(
                "This report would hold %(count)s actions, more than the %(max)s a report "
                "can hold. Choose a shorter period or a smaller plan."
            )
            % {"count": len(actions), "max": MAX_ACTIONS}
        )
    total = sum(len(text or "") for text in texts)
    if total > MAX_TEXT_CHARS:
        raise ReportTooLarge(
            _("The texts in this report are too long to print (%(count)s characters).")
            % {"count": dutch_number(total)}
        )


def _render(template: str, context: dict, *, language: str) -> str:
    with translation.override(language):
        return render_to_string(template, context)


# --- data -------------------------------------------------------------------------------


@dataclass
class ActionRow:
    """One action as a report shows it, with its status and progress as of a day."""

    action: Action
    status: str
    percentage: int | None
    update: ProgressUpdate | None
    late: bool
    owners: list[str]

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def owner_label(self) -> str:
        return ", ".join(self.owners) or self.action.owner_role or ""


def _action_row(action: Action, on: dt.date) -> ActionRow:
    updates = action.updates_until  # prefetched: on or before `on`, newest first
    if updates:
        latest = updates[0]
        status, percentage = latest.status, latest.percentage
    elif action.had_updates_after:
        # All its progress came later: at `on` nothing had been reported yet.
        latest, status, percentage = None, Status.NOT_STARTED, None
    else:
        latest, status, percentage = None, action.status, action.percentage
    late = (
        action.deadline is not None
        and action.deadline < on
        and status not in CLOSED_STATUSES
    )
    owners = [owner.name for owner in action.owners.all()]
    return ActionRow(action, status, percentage, latest, late, owners)


def _actions(plan_or_plans, on: dt.date, extra: Q | None = None):
    """The actions of a plan (or of several plans), with what a report shows of them."""
    if isinstance(plan_or_plans, Plan):
        queryset = Action.objects.filter(priority__plan=plan_or_plans)
    else:
        queryset = Action.objects.filter(priority__plan__in=plan_or_plans)
    if extra is not None:
        queryset = queryset.filter(extra)
    queryset = queryset.select_related("priority__plan", "agreement").prefetch_related(
        "owners",
        Prefetch(
            "progress_updates",
            queryset=ProgressUpdate.objects.filter(date__lte=on).order_by(
                "-date", "-id"
            ),
            to_attr="updates_until",
        ),
    )
    later = set(
        ProgressUpdate.objects.filter(action__in=queryset.values("pk"), date__gt=on)
        .values_list("action_id", flat=True)
        .distinct()
    )
    actions = list(
        queryset.order_by("priority__sort_key", "priority__position", "position", "id")
    )
    for action in actions:
        action.had_updates_after = action.pk in later
    return actions


def _priorities(plan: Plan):
    return list(
        Priority.objects.filter(plan=plan)
        .select_related("parent")
        .order_by("sort_key", "position", "id")
    )


def _depth(priority: Priority, by_id: dict) -> int:
    depth = 0
    parent_id = priority.parent_id
    while parent_id is not None and depth < 10:
        depth += 1
        parent = by_id.get(parent_id)
        parent_id = parent.parent_id if parent else None
    return depth


def _indicators(plan: Plan, year: int):
    indicators = list(
        Indicator.objects.filter(plan=plan)
        .select_related("priority")
        .prefetch_related("targets", "measurements")
        .order_by("name")
    )
    rows = []
    for indicator in indicators:
        # What was known in the report's year, judged as the dashboard judges it.
        measurements = indicator.measurements_until(year)
        this_year = indicator.yearly_measurement(year)
        latest = indicator.latest_measurement(until_year=year)
        chart = ""
        if measurements:
            # The chart module escapes every text it draws (tests/test_pdf_safety.py
            # puts markup into an indicator's name).
            chart = mark_safe(indicator_chart_svg(indicator, until_year=year))
        rows.append(
            {
                "indicator": indicator,
                "baseline": dutch_number(indicator.baseline_value),
                "targets": [
                    {"target": target, "value": dutch_number(target.value)}
                    for target in indicator.targets.all()
                ],
                "this_year": this_year,
                "this_year_value": dutch_number(this_year.value) if this_year else "",
                "latest": latest,
                "latest_value": dutch_number(latest.value) if latest else "",
                "measurements": [
                    {"label": m.period_label, "value": dutch_number(m.value), "m": m}
                    for m in measurements
                ],
                "chart": chart,
                "assessment": indicator.assessment(until_year=year),
            }
        )
    return rows


def _status_counts(rows: list[ActionRow]) -> list[dict]:
    counts = Counter(row.status for row in rows)
    late = sum(1 for row in rows if row.late)
    result = [
        {
            "status": status,
            "label": Status(status).label,
            "count": counts.get(status, 0),
        }
        for status in STATUS_ORDER
    ]
    return result, late


def _status_chart(rows: list[ActionRow], title: str):
    if not rows:
        return ""
    counts = Counter(row.status for row in rows)
    ordered = {status: counts.get(status, 0) for status in STATUS_ORDER}
    return mark_safe(
        status_bar_svg(ordered, title=title)
    )  # escaped by the chart module


def _common(
    plan: Plan | None,
    *,
    kind: str,
    title: str,
    period: str,
    today: dt.date,
    municipalities,
):
    return {
        "kind": kind,
        "title": title,
        "plan": plan,
        "period": period,
        "today": today,
        "today_text": dutch_date(today),
        "municipalities": [m.name for m in municipalities],
        "static_base": STATIC_BASE,
    }


def _sections(priorities, rows_by_priority, by_id):
    parents = {p.parent_id for p in priorities if p.parent_id}
    sections = []
    for priority in priorities:
        sections.append(
            {
                "priority": priority,
                "depth": _depth(priority, by_id),
                "rows": rows_by_priority.get(priority.pk, []),
                "anchor": f"prio-{priority.pk}",
                "has_children": priority.pk in parents,
            }
        )
    return sections


# --- the quarterly progress report ------------------------------------------------------


def quarterly_report_html(
    plan: Plan, *, year: int, quarter: int, today: dt.date | None = None, language="nl"
) -> str:
    budget = Budget()
    today = today or timezone.localdate()
    start, end = quarter_bounds(year, quarter)
    on = min(end, today)
    next_start, next_end = quarter_bounds(year + (quarter == 4), quarter % 4 + 1)
    relevant = (
        Q(deadline__isnull=True)
        | Q(deadline__gte=dt.date(year, 1, 1))
        | ~Q(status__in=CLOSED_STATUSES)
    ) & (Q(added_on__isnull=True) | Q(added_on__lte=end))
    actions = _actions(plan, on, relevant)
    _check_size(actions, [a.description for a in actions])
    rows = [_action_row(action, on) for action in actions]
    priorities = _priorities(plan)
    by_id = {p.pk: p for p in priorities}
    rows_by_priority: dict[int, list] = {}
    for row in rows:
        rows_by_priority.setdefault(row.action.priority_id, []).append(row)
    with translation.override(language):
        counts, late_count = _status_counts(rows)
        # Titles are put together from pieces without placeholders: locale/fill.py cannot
        # clear a fuzzy flag that comes with "python-format", so such msgids stay English.
        quarter_label = format_period(end, Precision.QUARTER)
        title = f"{_('Progress report')} {plan.title}, {quarter_label}"
        context = _common(
            plan,
            kind=_("Quarterly progress report for the driehoek"),
            title=title,
            period=f"{quarter_label} ({dutch_date(start)} – {dutch_date(end)})",
            today=today,
            municipalities=plan.municipalities.order_by("name"),
        )
        context.update(
            {
                "year": year,
                "on_text": dutch_date(on),
                "counts": counts,
                "late_count": late_count,
                "total": len(rows),
                "status_chart": _status_chart(
                    rows, _("Actions by status on %(date)s") % {"date": dutch_date(on)}
                ),
                "sections": _sections(priorities, rows_by_priority, by_id),
                "overdue": [row for row in rows if row.late],
                "upcoming": [
                    row
                    for row in rows
                    if row.action.deadline
                    and next_start <= row.action.deadline <= next_end
                    and row.status not in CLOSED_STATUSES
                ],
                "next_period": format_period(next_end, Precision.QUARTER),
                "unplanned": [row for row in rows if row.action.unplanned],
                "indicators": _indicators(plan, year),
            }
        )
    budget.check()
    return _render("reports/pdf/quarterly.html", context, language=language)


def quarterly_report_pdf(
    plan: Plan, *, year: int, quarter: int, today=None, language="nl"
) -> bytes:
    budget = Budget()
    html = quarterly_report_html(
        plan, year=year, quarter=quarter, today=today, language=language
    )
    return html_to_pdf(html, budget=budget)


# --- the annual report for the council --------------------------------------------------


def annual_report_html(
    plan: Plan, *, year: int, today: dt.date | None = None, language="nl"
) -> str:
    budget = Budget()
    today = today or timezone.localdate()
    end = dt.date(year, 12, 31)
    on = min(end, today)
    relevant = (
        Q(deadline__isnull=True)
        | Q(deadline__year=year)
        | (Q(deadline__lt=dt.date(year, 1, 1)) & ~Q(status__in=CLOSED_STATUSES))
    ) & (Q(added_on__isnull=True) | Q(added_on__lte=end))
    actions = _actions(plan, on, relevant)
    agreements = list(
        Agreement.objects.filter(priority__plan=plan)
        .prefetch_related(
            "owners",
            "partners",
            Prefetch(
                "results",
                queryset=Result.objects.filter(year=year),
                to_attr="results_of_year",
            ),
        )
        .order_by("priority__sort_key", "position", "id")
    )
    priority_results = {
        result.priority_id: result
        for result in Result.objects.filter(priority__plan=plan, year=year)
    }
    _check_size(
        actions,
        [a.description for a in actions]
        + [a.text + a.expected_result for a in agreements],
    )
    rows = [_action_row(action, on) for action in actions]
    priorities = _priorities(plan)
    by_id = {p.pk: p for p in priorities}
    rows_by_priority: dict[int, list] = {}
    for row in rows:
        rows_by_priority.setdefault(row.action.priority_id, []).append(row)
    agreements_by_priority: dict[int, list] = {}
    for agreement in agreements:
        result = agreement.results_of_year[0] if agreement.results_of_year else None
        agreements_by_priority.setdefault(agreement.priority_id, []).append(
            {
                "agreement": agreement,
                "result": result,
                "owners": ", ".join(o.name for o in agreement.owners.all()),
                "partners": ", ".join(o.name for o in agreement.partners.all()),
            }
        )
    with translation.override(language):
        sections = _sections(priorities, rows_by_priority, by_id)
        summary = []
        for section in sections:
            priority = section["priority"]
            section["agreements"] = agreements_by_priority.get(priority.pk, [])
            section["result"] = priority_results.get(priority.pk)
            section["done"] = [r for r in section["rows"] if r.status == Status.DONE]
            section["late"] = [r for r in section["rows"] if r.late]
            section["cancelled"] = [
                r for r in section["rows"] if r.status == Status.CANCELLED
            ]
            section["ongoing"] = [
                r
                for r in section["rows"]
                if not r.late and r.status not in (Status.DONE, Status.CANCELLED)
            ]
            assessments = Counter(
                a["result"].assessment for a in section["agreements"] if a["result"]
            )
            summary.append(
                {
                    "section": section,
                    "agreements": len(section["agreements"]),
                    "achieved": assessments.get(Result.Assessment.ACHIEVED, 0),
                    "partly": assessments.get(Result.Assessment.PARTLY, 0),
                    "not_achieved": assessments.get(Result.Assessment.NOT_ACHIEVED, 0),
                    "done": len(section["done"]),
                    "late": len(section["late"]),
                    "ongoing": len(section["ongoing"]),
                    "cancelled": len(section["cancelled"]),
                }
            )
        totals = {
            key: sum(item[key] for item in summary)
            for key in (
                "agreements",
                "achieved",
                "partly",
                "not_achieved",
                "done",
                "late",
                "ongoing",
                "cancelled",
            )
        }
        title = f"{_('Annual report')} {year}: {plan.title}"
        context = _common(
            plan,
            kind=_("Annual report to the municipal council"),
            title=title,
            period=_("Reporting year %(year)s") % {"year": year},
            today=today,
            municipalities=plan.municipalities.order_by("name"),
        )
        context.update(
            {
                "year": year,
                "on_text": dutch_date(on),
                "sections": sections,
                "summary": summary,
                "totals": totals,
                "has_agreements": bool(agreements),
                "has_actions": bool(rows),
                "status_chart": _status_chart(
                    rows, _("Actions by status on %(date)s") % {"date": dutch_date(on)}
                ),
                "indicators": _indicators(plan, year),
            }
        )
    budget.check()
    return _render("reports/pdf/annual.html", context, language=language)


def annual_report_pdf(plan: Plan, *, year: int, today=None, language="nl") -> bytes:
    budget = Budget()
    html = annual_report_html(plan, year=year, today=today, language=language)
    return html_to_pdf(html, budget=budget)


# --- the meeting agenda -----------------------------------------------------------------


def agenda_html(
    meeting: Meeting, *, plans=None, today: dt.date | None = None, language="nl"
) -> str:
    """The items to report on at a meeting: the actions put on it, and open actions of its
    plans that are overdue on the day, grouped per owner. `plans` limits it to the plans
    the reader may see (a meeting can serve plans of several municipalities)."""
    budget = Budget()
    today = today or timezone.localdate()
    meeting_plans = meeting.plans.all()
    if plans is not None:
        meeting_plans = meeting_plans.filter(pk__in=plans.values("pk"))
    meeting_plans = list(meeting_plans.order_by("title"))
    on = meeting.date
    actions = _actions(
        meeting_plans,
        on,
        Q(meetings=meeting) | (Q(deadline__lt=on) & ~Q(status__in=CLOSED_STATUSES)),
    )
    # An action put on the meeting AND overdue would come twice through the join.
    actions = list({a.pk: a for a in actions}.values())
    _check_size(actions, [a.description for a in actions])
    on_meeting = set(meeting.actions.values_list("pk", flat=True))
    rows = [_action_row(action, on) for action in actions]
    rows = [r for r in rows if r.action.pk in on_meeting or r.late]
    with translation.override(language):
        groups: dict[str, list] = {}
        for row in rows:
            key = (
                " / ".join(sorted(row.owners))
                or row.action.owner_role
                or _("No owner given")
            )
            groups.setdefault(key, []).append(row)
        grouped = [
            {
                "owner": owner,
                "rows": sorted(
                    items,
                    key=lambda r: (
                        r.action.deadline or dt.date.max,
                        r.action.priority.sort_key,
                    ),
                ),
                "anchor": f"group-{index}",
            }
            for index, (owner, items) in enumerate(
                sorted(groups.items(), key=lambda i: i[0].lower())
            )
        ]
        label = meeting.title or meeting.get_body_display()
        label = label[:1].upper() + label[1:]
        title = _("Agenda %(meeting)s %(date)s") % {
            "meeting": label,
            "date": dutch_date(meeting.date),
        }
        context = _common(
            meeting_plans[0] if len(meeting_plans) == 1 else None,
            kind=_("Agenda: progress on the actions"),
            title=title,
            period=_("Meeting of %(date)s") % {"date": dutch_date(meeting.date)},
            today=today,
            municipalities=meeting.municipalities.order_by("name")
            if meeting.municipalities.exists()
            else {m for p in meeting_plans for m in p.municipalities.all()},
        )
        context["municipalities"] = sorted(set(context["municipalities"]))
        context.update(
            {
                "meeting": meeting,
                "meeting_label": label,
                "plans": meeting_plans,
                "preparation_text": dutch_date(meeting.preparation_deadline),
                "groups": grouped,
                "on_meeting_count": sum(1 for r in rows if r.action.pk in on_meeting),
                "overdue_count": sum(
                    1 for r in rows if r.late and r.action.pk not in on_meeting
                ),
                "on_meeting": on_meeting,
            }
        )
    budget.check()
    return _render("reports/pdf/agenda.html", context, language=language)


def agenda_pdf(meeting: Meeting, *, plans=None, today=None, language="nl") -> bytes:
    budget = Budget()
    return html_to_pdf(
        agenda_html(meeting, plans=plans, today=today, language=language), budget=budget
    )


REPORT_KINDS = {
    "quarterly": gettext_lazy("quarterly progress report"),
    "annual": gettext_lazy("annual report"),
    "agenda": gettext_lazy("meeting agenda"),
}
