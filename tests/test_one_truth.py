"""One truth: every surface tells the same state of a seed plan as of a period's end.

For every seed plan and every quarter and year of its period, the figures are read back
from what a user gets — the dashboard's HTML, the quarterly or annual PDF through
pdftotext, the API's `?as_of=` list and the `?as_of=` CSV export — and compared: counts
per status, total, late, open with a deadline in the next period, and per priority.
For every seed meeting, the meeting page and the agenda PDF list the same items.

Until this test existed the dashboard of 2021-Q2 said 15 / 10 / 3 and its PDF 7 / 18 / 4.
"""

import csv
import datetime as dt
import io
import re
import shutil
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import translation

from actions.models import Action, Meeting, Status
from ivp.periods import Period
from policies.models import Plan, Priority
from reports import pdf

from .test_pdf_reports import pdf_pages

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="poppler-utils is not installed"
    ),
]


def periods(plan: Plan):
    for year in range(plan.start_year, plan.end_year + 1):
        for quarter in range(1, 5):
            yield Period(year, quarter)
        yield Period(year)


def dutch_labels() -> dict[str, str]:
    with translation.override("nl"):
        return {status.value: str(status.label) for status in Status}


def dashboard_figures(client, plan: Plan, period: Period) -> dict:
    html = client.get(reverse("reports:plan", args=[plan.pk]) + "?" + period.query())
    html = html.content.decode()
    if "geen acties om te tellen" in html:
        # A plan of agreements without actions in the period says so, not a table of
        # zeros (as its PDF prints no table).
        assert 'data-status="total"' not in html, (plan, period)
        figures = dict.fromkeys([*Status.values, "total", "late", "due_next"], 0)
        return {**figures, "per_priority": {}}
    figures = {}
    for key in [*Status.values, "total", "late", "due_next"]:
        match = re.search(
            # The number, a link to the list of those actions when it is not 0.
            rf'data-status="{key}">.*?<td class="utrecht-table__cell ivp-numeric">'
            r"(?:<a [^>]*>)?(\d+)(?:</a>)?</td>",
            html,
        )
        assert match, (plan, period, key)
        figures[key] = int(match.group(1))
    per_priority = {}
    for pk, cells in re.findall(
        r'<tr class="utrecht-table__row" data-priority="(\d+)">(.*?)</tr>', html, re.S
    ):
        numbers = re.findall(r'ivp-numeric">(\d+)</td>', cells)
        per_priority[int(pk)] = int(numbers[-1])  # the row's total
    figures["per_priority"] = per_priority
    return figures


def pdf_figures(plan: Plan, period: Period, labels: dict[str, str]) -> dict:
    if period.quarter:
        content = pdf.quarterly_report_pdf(
            plan, year=period.year, quarter=period.quarter
        )
    else:
        content = pdf.annual_report_pdf(plan, year=period.year)
    text = " ".join(pdf_pages(content))
    if "Acties per status" not in text:  # a plan without actions prints no table
        return {key: 0 for key in [*Status.values, "total", "late", "due_next"]}
    table = text[text.index("Acties per status") :]
    figures = {}
    for status, label in labels.items():
        match = re.search(rf"{re.escape(label.capitalize())} (\d+)", table)
        assert match, (plan, period, label)
        figures[status] = int(match.group(1))
    figures["total"] = int(re.search(r"Totaal (\d+)", table).group(1))
    figures["late"] = int(
        re.search(r"Te laat op \d{1,2} \w+ \d{4} (\d+)", table).group(1)
    )
    next_label = str(period.next())
    figures["due_next"] = int(
        re.search(
            rf"Open, met een deadline in {re.escape(next_label)} (\d+)", table
        ).group(1)
    )
    return figures


def api_figures(client, plan: Plan, day: dt.date) -> dict:
    response = client.get(
        "/api/v1/actions/",
        {"plan": plan.pk, "as_of": day.isoformat(), "page_size": 500},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    rows = body["results"]
    counts = Counter(row["status"] for row in rows)
    figures = {status: counts.get(status, 0) for status in Status.values}
    figures["total"] = len(rows)
    figures["late"] = sum(row["late"] for row in rows)
    priorities = {p.pk: p for p in Priority.objects.filter(plan=plan)}
    per_priority = Counter()
    for row in rows:
        priority = priorities[row["priority"]]
        while priority is not None:  # a priority's total includes its sub-priorities
            per_priority[priority.pk] += 1
            priority = priorities.get(priority.parent_id)
    figures["per_priority"] = per_priority
    return figures


def summed(figures: list[dict]) -> dict:
    """The figures of several plans added up (per_priority: the union, as no priority
    lies in two plans)."""
    total = {}
    for one in figures:
        for key, value in one.items():
            if key == "per_priority":
                total.setdefault(key, Counter()).update(value)
            else:
                total[key] = total.get(key, 0) + value
    return total


def export_figures(client, plan: Plan, day: dt.date, year: int) -> dict:
    # The list of the plan's actions of that year (an IVP's holds its programmes').
    response = client.get(
        reverse("reports:plan_actions", args=[plan.pk]),
        {"as_of": day.isoformat(), "jaar": year, "export": "csv"},
    )
    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    )
    counts = Counter(Status.from_word(row["Status"]) for row in rows)
    figures = {status: counts.get(status, 0) for status in Status.values}
    figures["total"] = len(rows)
    return figures


def test_dashboard_pdf_api_and_export_agree_for_every_seed_plan_and_period(
    beheerder_on_seeds,
):
    client = beheerder_on_seeds
    labels = dutch_labels()
    compared = 0
    for plan in Plan.objects.order_by("pk"):
        for period in periods(plan):
            day = period.state_day(dt.date.today())
            where = f"{plan.title}, {period}"
            page = dashboard_figures(client, plan, period)
            printed = pdf_figures(plan, period, labels)
            # An IVP's figures of a year are its own and its programmes' of that year
            # (Plan.covered_plans): the API, asked per plan, adds up; the export is
            # the plan's list of that year (?jaar=), which holds them as the page does.
            covered = Plan.objects.filter(pk__in=plan.covered_plans(period.year))
            api = summed([api_figures(client, p, day) for p in covered])
            export = export_figures(client, plan, day, period.year)
            for key in [*Status.values, "total", "late", "due_next"]:
                assert page[key] == printed[key], (where, key, page, printed)
            for key in [*Status.values, "total", "late"]:
                assert page[key] == api[key], (where, key, page, api)
            for key in [*Status.values, "total"]:
                assert page[key] == export[key], (where, key, page, export)
            for pk, total in page["per_priority"].items():
                assert total == api["per_priority"].get(pk, 0), (where, pk)
            compared += 1
    # Five seed plans, 2016-2024: the walk must not quietly shrink.
    assert compared >= 40


def test_a_past_quarter_leaves_out_actions_entered_later(beheerder_on_seeds):
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    period = Period(2021, 2)
    before = dashboard_figures(beheerder_on_seeds, plan, period)["total"]
    priority = plan.priorities.order_by("sort_key").first()
    created = beheerder_on_seeds.post(
        "/api/v1/actions/",
        {"priority": priority.pk, "title": "Later ingevoerd", "deadline": "2021-05"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert dashboard_figures(beheerder_on_seeds, plan, period)["total"] == before
    text = " ".join(pdf_pages(pdf.quarterly_report_pdf(plan, year=2021, quarter=2)))
    assert "Later ingevoerd" not in text
    # Today's state holds it.
    today = Period.containing(dt.date.today())
    assert (
        Action.objects.as_of(today.state_day(dt.date.today()))
        .filter(title="Later ingevoerd")
        .exists()
    )


def test_meeting_page_and_agenda_pdf_list_the_same_items_for_every_seed_meeting(
    beheerder_on_seeds,
):
    compared = 0
    for meeting in Meeting.objects.order_by("date", "pk"):
        page = beheerder_on_seeds.get(reverse("reports:meeting", args=[meeting.pk]))
        agenda = page.context["agenda"]
        html = page.content.decode()
        text = " ".join(pdf_pages(pdf.agenda_pdf(meeting)))
        on_meeting = f"Acties op de agenda van dit overleg: {agenda.on_meeting_count}."
        assert on_meeting in html and on_meeting in text, meeting
        if agenda.late_count:
            late = (
                "Andere openstaande acties die op de dag van het overleg te laat zijn: "
                f"{agenda.late_count}."
            )
            assert late in html and late in text, meeting
        # The same groups of trekkers, in the same order, on both.
        names = [group.names or "Geen trekker opgegeven" for group in agenda.groups]
        for surface in (html, text):
            position = 0
            for name in names:
                position = surface.find(name, position)
                assert position >= 0, (meeting, name)
                position += len(name)
        compared += 1
    assert compared >= 5
