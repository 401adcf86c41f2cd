"""The plan dashboard: period, counts per status, progress per priority, late and due
actions, meetings and indicators, for someone who may see the plan; 404 for others."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from actions.models import Action, Status

from .factories import UserFactory, dashboard_actions, dashboard_plan
from .queries import PAGE_MAX_QUERIES, count_queries

pytestmark = pytest.mark.django_db

MAX_QUERIES = PAGE_MAX_QUERIES


@pytest.fixture
def plan_and_reader():
    return dashboard_plan()


def test_plan_dashboard_query_count_is_the_same_for_20_and_500_actions(
    client, plan_and_reader
):
    plan, reader = plan_and_reader
    client.force_login(reader)
    url = (
        reverse("reports:plan", args=[plan.pk])
        + "?periode=kwartaal&jaar=2021&kwartaal=2"
    )
    dashboard_actions(plan, 20)
    small, _ = count_queries(client, url)
    dashboard_actions(plan, 480)
    large, response = count_queries(client, url)
    assert small == large <= MAX_QUERIES
    assert Action.objects.count() == 500
    # The state at the end of Q2 holds the actions in the plan by then.
    in_plan = Action.objects.filter(in_plan_since__lte="2021-06-30").count()
    assert response.context["state"].total == in_plan
    assert f">{in_plan}<" in response.content.decode()


def test_plan_dashboard_shows_counts_late_due_and_unplanned_for_the_quarter(
    client, plan_and_reader
):
    plan, reader = plan_and_reader
    actions = dashboard_actions(plan, 24)
    client.force_login(reader)
    response = client.get(
        reverse("reports:plan", args=[plan.pk]),
        {"periode": "kwartaal", "jaar": 2021, "kwartaal": 2},
    )
    html = response.content.decode()
    assert "Stand van zaken, 2e kwartaal 2021" in html
    # Q2: deadlines 15 April-15 June; late = open with a deadline before 1 July 2021.
    due_q2 = [a for a in actions if a.deadline.month in (4, 5, 6)]
    late = [a for a in actions if a.deadline.month <= 6 and a.status != Status.DONE]
    assert response.context["due_now"]["actions"] == sorted(
        due_q2, key=lambda a: (a.deadline, a.priority.sort_key, a.id)
    )
    assert {a.pk for a in response.context["late"]["actions"]} == {a.pk for a in late}
    # Due next: what is still open on the state day (the end of the quarter).
    assert {a.pk for a in response.context["due_next"]["actions"]} == {
        a.pk
        for a in actions
        if a.deadline.month in (7, 8, 9) and a.status != Status.DONE
    }
    assert {a.pk for a in response.context["unplanned"]["actions"]} == {
        a.pk for a in actions if a.unplanned and a.added_on.month in (4, 5, 6)
    }
    # The status table counts what the database holds.
    counts = dict(response.context["state"].status_counts)
    in_plan = [a for a in actions if a.in_plan_since <= dt.date(2021, 6, 30)]
    assert counts[Status.DONE] == sum(a.status == Status.DONE for a in in_plan)
    assert "Te laat" in html
    # Download links to the PDF reports of the same period.
    quarterly = reverse("pdf:quarterly", args=[plan.pk]) + "?year=2021&amp;quarter=2"
    assert quarterly in html
    assert reverse("pdf:annual", args=[plan.pk, 2021]) in html


def test_priority_progress_adds_sub_priorities_to_their_parent(client, plan_and_reader):
    plan, reader = plan_and_reader
    dashboard_actions(plan, 40)
    client.force_login(reader)
    rows = client.get(reverse("reports:plan", args=[plan.pk])).context["priority_rows"]
    by_code = {row.priority.code: row for row in rows}
    assert by_code["1"].total == by_code["1.1"].total + by_code["1.2"].total + (
        Action.objects.filter(priority=by_code["1"].priority).count()
    )
    assert sum(by_code[c].total for c in ("1", "2")) == 40
    assert [row.depth for row in rows] == [0, 1, 1, 0]
    assert 'role="img"' in rows[0].bar


def test_year_view_and_default_period(client, plan_and_reader):
    plan, reader = plan_and_reader
    dashboard_actions(plan, 12)
    client.force_login(reader)
    url = reverse("reports:plan", args=[plan.pk])
    year = client.get(url, {"periode": "jaar", "jaar": 2021})
    assert len(year.context["due_now"]["actions"]) == 12
    assert str(year.context["period"]) == "2021"
    # The plan ran in 2021; today is later: its last quarter is shown.
    assert str(client.get(url).context["period"]) == "4e kwartaal 2021"


def test_bad_period_is_refused_with_a_dutch_message_and_default_shown(
    client, plan_and_reader
):
    plan, reader = plan_and_reader
    client.force_login(reader)
    response = client.get(reverse("reports:plan", args=[plan.pk]), {"jaar": "twintig"})
    assert response.status_code == 200
    assert "De periode is niet begrepen" in response.content.decode()
    assert str(response.context["period"]) == "4e kwartaal 2021"


def test_plan_dashboard_shows_indicator_on_track_with_chart_and_table(
    client, plan_and_reader
):
    plan, reader = plan_and_reader
    client.force_login(reader)
    html = client.get(reverse("reports:plan", args=[plan.pk])).content.decode()
    assert "Woninginbraken" in html
    assert "ivp-indicator-chart" in html
    # 100 (2019) to 80 (2021): 88 in 2021 is not yet at the target.
    assert "Niet op koers" in html
    assert '<th scope="row" class="utrecht-table__header-cell">2021</th>' in html


def test_plan_of_another_municipality_is_404(client, plan_and_reader):
    plan, _ = plan_and_reader
    client.force_login(UserFactory())
    assert client.get(reverse("reports:plan", args=[plan.pk])).status_code == 404


def test_anonymous_user_is_sent_to_the_login(client, plan_and_reader):
    plan, _ = plan_and_reader
    response = client.get(reverse("reports:plan", args=[plan.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_long_lists_are_cut_with_a_link_to_all_of_them(client, plan_and_reader):
    plan, reader = plan_and_reader
    dashboard_actions(plan, 100)
    client.force_login(reader)
    response = client.get(
        reverse("reports:plan", args=[plan.pk]), {"periode": "jaar", "jaar": 2021}
    )
    due = response.context["due_now"]
    assert (len(due["actions"]), due["total"]) == (25, 100)
    html = response.content.decode()
    assert "25 / 100 getoond." in html
    link = reverse("reports:plan_actions", args=[plan.pk]) + "?" + due["query"]
    assert link.replace("&", "&amp;") in html
    # The link shows all 100 on the actions page (50 per page).
    listed = client.get(link).context["page"]
    assert listed.paginator.count == 100
    assert len(listed.object_list) == 50
    assert "Volgende pagina" in client.get(link).content.decode()


def key_figures(html: str) -> dict[str, int]:
    return {
        key: int(n)
        for key, n in re.findall(
            r'data-key-figure="(\w+)"><dt>.*?</dt><dd>(\d+)</dd>', html, re.S
        )
    }


def test_key_figures_at_the_top_are_the_plan_states_and_name_the_next_driehoek(
    client, plan_and_reader
):
    plan, reader = plan_and_reader
    actions = dashboard_actions(plan, 24)
    client.force_login(reader)
    response = client.get(
        reverse("reports:plan", args=[plan.pk]),
        {"periode": "kwartaal", "jaar": 2021, "kwartaal": 2},
    )
    html = response.content.decode()
    state = response.context["state"]
    figures = key_figures(html)
    # The first driehoek after the state day (30 June 2021) is the one of 4 November.
    assert "Open, deadline vóór de driehoek van 4 november 2021" in html
    open_before = [
        a
        for a in actions
        if dt.date(2021, 6, 30) <= a.deadline <= dt.date(2021, 11, 4)
        and a.status != Status.DONE
    ]
    assert open_before and state.late  # the figures below are not all zero
    assert figures == {
        "late": state.late,
        "due_before_meeting": len(open_before),
        "done": state.counts[Status.DONE],
        "at_risk": state.counts[Status.AT_RISK],
    }
    # Figures before the tables: the summary is read first.
    assert html.index('data-key-figure="late"') < html.index('id="per-prioriteit"')
    # Colours are explained in words next to the bars.
    assert "Kleuren in de balken" in html


def test_without_a_coming_driehoek_the_key_figure_is_the_next_period(
    client, plan_and_reader
):
    plan, reader = plan_and_reader
    dashboard_actions(plan, 12)
    client.force_login(reader)
    response = client.get(
        reverse("reports:plan", args=[plan.pk]),
        {"periode": "kwartaal", "jaar": 2021, "kwartaal": 4},
    )
    figures = key_figures(response.content.decode())
    assert "due_before_meeting" not in figures
    assert figures["due_next"] == response.context["state"].list_totals["due_next"]
