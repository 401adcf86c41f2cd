"""The PDF reports as pure generators: a plan (or meeting) and a period in, PDF bytes out.

- `quarterly_report_pdf(plan, year=, quarter=)`: the driehoek's progress report.
- `annual_report_pdf(plan, year=)`: the council's annual report.
- `agenda_pdf(meeting, user=)`: the items to report on at one meeting.

Each is `html_to_pdf(<kind>_html(...))`: the `_html` functions gather the data with a fixed
number of queries and render a template from templates/reports/pdf/; `html_to_pdf` hands
the HTML to WeasyPrint with a fetcher that loads only our static files (reports/fetcher.py).
Who may see what is the caller's business (the views and the command check it).

What a report tells is the state of the plan as of a day, asked of the domain layer and
not worked out here: `actions.state.PlanState` (the plan in a period: counts per status,
late, the lists, the priority tree) and `actions.agenda.Agenda` (a meeting's items). The
dashboard and the meeting page ask the same, so a page and its PDF cannot disagree, and a
2021 report printed in 2026 still tells 2021.
"""

import base64
import datetime as dt
import time
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from actions.agenda import Agenda
from actions.annual import AnnualSummary
from actions.models import Action, Meeting, Status
from actions.state import LISTS, PlanState
from ivp.formats import date as dutch_date
from ivp.formats import number as dutch_number
from ivp.periods import Period
from policies.comparison import region_comparison
from policies.models import AgendaPriority, Indicator, Plan

from .charts import indicator_chart_svg, status_bar_svg
from .fetcher import CHART_DATA_PREFIX, STATIC_BASE, StaticOnlyFetcher

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
    """WeasyPrint alone: HTML to PDF, loading nothing but our own static files.

    The PDF is PDF/UA-1: tagged (headings, lists, tables with their header cells, figures
    with their text alternative), with the document's language and its title shown as the
    window title, as Dutch government documents must be accessible.
    """
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
    return document.write_pdf(pdf_variant="pdf/ua-1")


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
    """One action as a report shows it, with its state as of the report's day."""

    action: Action
    status: str
    percentage: int | None
    update_date: dt.date | None
    update_text: str
    late: bool
    owners: list[str]

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def owner_label(self) -> str:
        return ", ".join(self.owners) or self.action.owner_role or ""


def _rows(actions) -> list[ActionRow]:
    """Report rows from actions that come from as_of(day).with_latest_progress(on=day)."""
    return [
        ActionRow(
            action=action,
            status=action.status_on,
            percentage=action.percentage_as_of(
                action.latest_date, action.latest_percentage
            ),
            update_date=action.latest_date,
            update_text=action.latest_text or "",
            late=action.late_on,
            owners=[owner.name for owner in action.owners.all()],
        )
        for action in actions
    ]


def _state_rows(state: PlanState) -> tuple[list[ActionRow], dict[str, list[ActionRow]]]:
    """Every action of the plan's state as a report row, and the rows of each list."""
    actions = list(
        state.actions_with_lists()
        .select_related("priority__plan", "agreement")
        .prefetch_related("owners")
        .with_latest_progress(on=state.day)
        .order_by("priority__sort_key", "priority__position", "position", "id")
    )
    _check_size(actions, [a.description for a in actions])
    rows = _rows(actions)
    lists = {
        name: [
            row
            for row, action in zip(rows, actions, strict=True)
            if getattr(action, f"in_{name}")
        ]
        for name in LISTS
    }
    # Lists read by deadline, as on the dashboard.
    for name in lists:
        lists[name].sort(
            key=lambda r: (r.action.deadline or dt.date.max, r.action.priority.sort_key)
        )
    return rows, lists


def _indicators(plan: Plan, year: int):
    indicators = list(
        Indicator.objects.filter(plan__in=plan.covered_plans(year))
        .select_related("priority")
        .prefetch_related("targets", "measurements")
        .order_by("name")
    )
    regions = region_comparison(indicators)
    rows = []
    for indicator in indicators:
        # What was known in the report's year, judged as the dashboard judges it.
        measurements = indicator.measurements_until(year)
        this_year = indicator.yearly_measurement(year)
        latest = indicator.latest_measurement(until_year=year)
        region = regions.get(indicator.pk)
        chart = ""
        if measurements:
            chart = _figure(
                indicator_chart_svg(indicator, until_year=year, region=region)
            )
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
                "region_summary": region.summary(indicator, year) if region else "",
            }
        )
    return rows


def _figure(svg: str) -> str:
    """A chart as the PDF holds it: an SVG image with the chart's own text alternative.

    WeasyPrint tags an inline <svg> as a Figure but takes its alternative from the svg's
    <title>, which for an indicator chart is only its name (a tooltip); an <img> brings
    its alt into the structure tree. The alt is the chart's aria-label, the numbers in
    words that a screen reader reads on the pages, so a page and its PDF say the same.
    The chart module escapes every text it draws (tests/test_pdf_safety.py puts markup
    into an indicator's name), so the markup parses as XML.
    """
    alt = ElementTree.fromstring(svg).get("aria-label")
    if not alt:
        raise ValueError("A chart without a text alternative cannot go into a PDF.")
    return format_html(
        '<img class="chart-image" src="{}{}" alt="{}">',
        CHART_DATA_PREFIX,
        base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        alt,
    )


def _status_overview(state: PlanState) -> dict:
    """The state's counts as both PDFs print them: every status, the total, the late."""
    return {
        "counts": [
            {"status": status.value, "label": status.label, "count": n}
            for status, n in state.status_counts
        ],
        "total": state.total,
        "late_count": state.late,
        "due_next_count": state.list_totals["due_next"],
        "next_period": str(state.upcoming),
        "statuses": Status.in_order(),
        "priority_rows": state.priority_rows,
        "status_chart": _figure(
            status_bar_svg(
                state.counts,
                title=_("Actions by status on %(date)s")
                % {"date": dutch_date(state.day)},
            )
        )
        if state.total
        else "",
    }


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
        "all_statuses": Status.in_order(),
    }


def _sections(state: PlanState, rows: list[ActionRow]) -> list[dict]:
    """Per priority of the plan's tree (PlanState.priority_rows), its own rows."""
    rows_by_priority: dict[int, list] = {}
    for row in rows:
        rows_by_priority.setdefault(row.action.priority_id, []).append(row)
    return [
        {
            "priority": item.priority,
            "depth": item.depth,
            # Headings follow the tree under the chapter's h2, so a screen reader's list
            # of headings nests sub-priorities under their priority (h6 is the deepest).
            "level": min(3 + item.depth, 5),
            "rows": rows_by_priority.get(item.priority.pk, []),
            "anchor": f"prio-{item.priority.pk}",
            "has_children": item.has_children,
        }
        for item in state.priority_rows
    ]


def _field_chapters(state: PlanState) -> list[dict]:
    """Per VNG safety field the plan uses (PlanState.field_rows): its priorities, each
    with its own actions per status, and the field's numbers, which are their sums."""
    tagged = set().union(*(row.priority_ids for row in state.field_rows if row.field))
    chapters = []
    for row in state.field_rows:
        if row.field:
            ids, name, anchor = row.priority_ids, row.field.name, row.field.code
        else:
            ids, name, anchor = None, _("No safety field"), "geen"
        chapters.append(
            {
                "name": name,
                "anchor": f"veld-{anchor}",
                "counts": row.status_counts,
                "total": row.total,
                "priorities": [
                    {
                        "priority": item.priority,
                        "counts": [
                            (status, item.own[status.value])
                            for status in Status.in_order()
                        ],
                        "total": sum(item.own.values()),
                    }
                    for item in state.priority_rows
                    if (
                        item.priority.pk in ids
                        if ids is not None
                        else item.priority.pk not in tagged
                    )
                ],
            }
        )
    return chapters


# --- the quarterly progress report ------------------------------------------------------


def quarterly_report_html(
    plan: Plan, *, year: int, quarter: int, today: dt.date | None = None, language="nl"
) -> str:
    budget = Budget()
    period = Period(year, quarter)
    state = PlanState(plan, period, today=today)
    rows, lists = _state_rows(state)
    with translation.override(language):
        # Titles are put together from pieces without placeholders: locale/fill.py cannot
        # clear a fuzzy flag that comes with "python-format", so such msgids stay English.
        # The gettext call stays outside the f-string: makemessages does not look inside
        # one, and the PDF's title (its metadata, read out first) would stay English.
        quarter_label = str(period)
        report = _("Progress report")
        title = f"{report} {plan.title}, {quarter_label}"
        context = _common(
            plan,
            kind=_("Quarterly progress report for the driehoek"),
            title=title,
            period=f"{quarter_label} ({dutch_date(period.start)} – {dutch_date(period.end)})",
            today=state.today,
            municipalities=plan.municipalities.order_by("name"),
        )
        context.update(
            {
                "year": year,
                "on_text": dutch_date(state.day),
                "shows_today": state.shows_today,
                **_status_overview(state),
                "sections": _sections(state, rows),
                "overdue": lists["late"],
                "upcoming": lists["due_next"],
                "unplanned": lists["unplanned"],
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
    # The summary and the agreements with their results are the council page's too.
    summary = AnnualSummary(plan, year, today=today)
    state = summary.state
    rows, _lists = _state_rows(state)
    _check_size(
        [],
        [
            a.agreement.text + a.agreement.expected_result
            for row in summary.rows
            for a in row.results.agreements
        ],
    )
    with translation.override(language):
        sections = _sections(state, rows)
        for section in sections:
            results = summary.results.of(section["priority"])
            section["agreements"] = results.agreements
            section["result"] = results.result
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
        report = _("Annual report")  # outside the f-string, see quarterly_report_html
        title = f"{report} {year}: {plan.title}"
        context = _common(
            plan,
            kind=_("Annual report to the municipal council"),
            title=title,
            period=_("Reporting year %(year)s") % {"year": year},
            today=state.today,
            municipalities=plan.municipalities.order_by("name"),
        )
        context.update(
            {
                "year": year,
                "on_text": dutch_date(state.day),
                "shows_today": state.shows_today,
                **_status_overview(state),
                "sections": sections,
                "fields": _field_chapters(state),
                # Its own agendas: a programme's are copies of its IVP's.
                "agenda": AgendaPriority.objects.filter(plan=plan).served(),
                "summary": summary.rows,
                "totals": summary.totals,
                "results_sentence": summary.sentence,
                "has_agreements": summary.has_agreements,
                "has_actions": summary.has_actions,
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
    meeting: Meeting, *, user=None, today: dt.date | None = None, language="nl"
) -> str:
    """The agenda of a meeting (actions.agenda.Agenda, as the meeting page shows it),
    for the plans `user` may see (a meeting can serve plans of several municipalities)."""
    budget = Budget()
    today = today or timezone.localdate()
    agenda = Agenda(meeting, user=user)
    _check_size(agenda.items, [a.description for a in agenda.items])
    with translation.override(language):
        groups = [
            {
                "owner": group.names or _("No owner given"),
                "rows": _rows(group.actions),
                "anchor": f"group-{index}",
            }
            for index, group in enumerate(agenda.groups)
        ]
        label = meeting.title or meeting.get_body_display()
        label = label[:1].upper() + label[1:]
        title = _("Agenda %(meeting)s %(date)s") % {
            "meeting": label,
            "date": dutch_date(meeting.date),
        }
        plans = agenda.plans
        municipalities = list(meeting.municipalities.order_by("name")) or sorted(
            {m for p in plans for m in p.municipalities.all()}, key=lambda m: m.name
        )
        context = _common(
            plans[0] if len(plans) == 1 else None,
            kind=_("Agenda: progress on the actions"),
            title=title,
            period=_("Meeting of %(date)s") % {"date": dutch_date(meeting.date)},
            today=today,
            municipalities=municipalities,
        )
        context.update(
            {
                "meeting": meeting,
                "meeting_label": label,
                "plans": plans,
                "preparation_text": dutch_date(meeting.preparation_deadline),
                "groups": groups,
                "on_meeting_count": agenda.on_meeting_count,
                "overdue_count": agenda.late_count,
            }
        )
    budget.check()
    return _render("reports/pdf/agenda.html", context, language=language)


def agenda_pdf(meeting: Meeting, *, user=None, today=None, language="nl") -> bytes:
    budget = Budget()
    return html_to_pdf(
        agenda_html(meeting, user=user, today=today, language=language), budget=budget
    )
