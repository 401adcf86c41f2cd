"""The meeting page: the agenda (actions grouped by who carries them, with their latest
progress) and the plan's organisations × meetings matrix with row and column totals."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import CLOSED_STATUSES, Action, Meeting

from .factories import (
    ActionFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
    dashboard_actions,
    dashboard_plan,
)
from .queries import PAGE_MAX_QUERIES

pytestmark = pytest.mark.django_db

MAX_QUERIES = PAGE_MAX_QUERIES


@pytest.fixture
def june():
    plan, reader = dashboard_plan()
    meeting = Meeting.objects.get(plans=plan, date=dt.date(2021, 6, 17))
    return plan, reader, meeting


def test_agenda_groups_actions_by_owner_with_latest_progress(client, june):
    plan, reader, meeting = june
    actions = dashboard_actions(plan, 15)
    client.force_login(reader)
    response = client.get(reverse("reports:meeting", args=[meeting.pk]))
    html = response.content.decode()
    assert "Agenda driehoek 17 juni 2021" in html
    # Put on the meeting, and in the plan by its day.
    on_agenda = [
        a
        for i, a in enumerate(actions)
        if i % 3 == 1 and a.in_plan_since <= meeting.date
    ]
    # The agenda also holds the other open actions that are late on the meeting's day.
    late = [
        a
        for a in actions
        if a.deadline < meeting.date
        and a.in_plan_since <= meeting.date
        and a.status not in CLOSED_STATUSES
    ]
    groups = response.context["groups"]
    assert sorted(a.pk for g in groups for a in g.actions) == sorted(
        {a.pk for a in on_agenda + late}
    )
    # Each action sits in exactly one group: its owners together.
    first = groups[0]
    assert len(first.owners) == 1 and first.owners[0].kind == "municipality"
    assert "Stand 5/2021" in html  # the latest of the two updates
    assert "Stand 2/2021" not in html
    assert reverse("pdf:agenda", args=[meeting.pk]) in html


def test_matrix_counts_items_per_organisation_and_meeting_with_totals(client, june):
    plan, reader, meeting = june
    dashboard_actions(plan, 30)
    client.force_login(reader)
    matrix = client.get(reverse("reports:meeting", args=[meeting.pk])).context[
        "matrices"
    ][0]
    assert [m.date for m in matrix["meetings"]] == [
        dt.date(2021, 2, 11),
        dt.date(2021, 6, 17),
        dt.date(2021, 11, 4),
    ]
    names = [row["organisation"].name for row in matrix["rows"]]
    municipalities = sorted(m.name for m in plan.municipalities.all())
    assert names[:2] == municipalities  # municipalities first, then the police
    assert names[2] == plan.partners.get().name
    for row in matrix["rows"]:
        organisation = row["organisation"]
        for meeting_, n in zip(matrix["meetings"], row["cells"], strict=True):
            assert (
                n
                == Action.objects.filter(owners=organisation, meetings=meeting_).count()
            )
        assert row["total"] == sum(row["cells"])
    assert matrix["column_totals"] == [10, 10, 10]
    assert matrix["grand_total"] == 30


def test_meeting_of_another_plan_is_404(client, june):
    _, _, meeting = june
    client.force_login(UserFactory())
    assert client.get(reverse("reports:meeting", args=[meeting.pk])).status_code == 404


def test_meeting_page_query_count_is_the_same_for_20_and_500_actions(client, june):
    plan, reader, meeting = june
    client.force_login(reader)
    url = reverse("reports:meeting", args=[meeting.pk])
    dashboard_actions(plan, 20)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    dashboard_actions(plan, 480)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(small) == len(large) <= MAX_QUERIES
    assert response.context["matrices"][0]["grand_total"] == 500


def test_meeting_of_three_plans_costs_the_same_queries_as_of_one(client, june):
    plan, reader, meeting = june
    dashboard_actions(plan, 20)
    client.force_login(reader)
    url = reverse("reports:meeting", args=[meeting.pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    # Two more plans of the reader's municipality at the same meeting, with items.
    municipality = plan.municipalities.order_by("pk").first()
    for title in ("Tweede plan", "Derde plan"):
        other = PlanFactory(title=title, municipalities=[municipality])
        meeting.plans.add(other)
        ActionFactory(
            priority=PriorityFactory(plan=other), owners=[municipality]
        ).meetings.add(meeting)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(response.context["matrices"]) == 3
    # By title: Derde plan, the dashboard plan (20 items over its meetings), Tweede plan.
    assert [m["grand_total"] for m in response.context["matrices"]] == [1, 20, 1]
    assert len(one) == len(three) <= MAX_QUERIES
