"""The state of actions as of a day (ActionQuerySet.as_of), deadlines that end their
period on every write path, and tables that add up.

Each test here failed before the domain layer answered these questions in one place.
"""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from actions.models import Action, Status
from ivp.periods import Period, Precision

from .factories import (
    ActionFactory,
    MeetingFactory,
    ProgressUpdateFactory,
    UserFactory,
    dashboard_actions,
    dashboard_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(username="beheerder", is_superuser=True))
    return client


# --- deadlines of a month, quarter or year (defect 1) -------------------------------


def test_api_month_deadline_is_stored_as_the_months_last_day_and_late_only_after(api):
    action = ActionFactory()
    response = api.post(
        "/api/v1/actions/",
        {
            "priority": action.priority_id,
            "title": "Maandactie",
            "deadline": "2021-03-01",
            "deadline_precision": "month",
            # Entered now, but part of the plan from its start.
            "in_plan_since": "2021-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Action.objects.get(pk=response.json()["id"])
    assert created.deadline == dt.date(2021, 3, 31)
    assert response.json()["deadline"] == "2021-03-31"
    assert not created.is_late(on=dt.date(2021, 3, 2))
    assert not Action.objects.late(on=dt.date(2021, 3, 31)).filter(pk=created.pk)
    assert Action.objects.late(on=dt.date(2021, 4, 1)).filter(pk=created.pk)


def test_api_reads_a_quarter_month_or_year_and_sets_the_precision(api):
    priority = ActionFactory().priority
    for given, day, precision in [
        ("2020-Q1", dt.date(2020, 3, 31), Precision.QUARTER),
        ("2021-02", dt.date(2021, 2, 28), Precision.MONTH),
        ("2022", dt.date(2022, 12, 31), Precision.YEAR),
        ("2021-06-17", dt.date(2021, 6, 17), Precision.DAY),
    ]:
        response = api.post(
            "/api/v1/actions/",
            {"priority": priority.pk, "title": given, "deadline": given},
            format="json",
        )
        assert response.status_code == 201, response.content
        action = Action.objects.get(pk=response.json()["id"])
        assert (action.deadline, action.deadline_precision) == (day, precision), given


def test_api_refuses_an_unreadable_deadline_in_dutch(api):
    priority = ActionFactory().priority
    response = api.post(
        "/api/v1/actions/",
        {"priority": priority.pk, "title": "x", "deadline": "maart"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 400
    assert response.json()["deadline"] == [
        "Geef een dag (2021-03-18), een maand (2021-03), een kwartaal (2021-Q1) of een "
        "jaar (2021)."
    ]


def test_quarter_deadline_saved_through_the_model_is_its_quarters_last_day():
    action = ActionFactory(
        deadline=dt.date(2020, 1, 15), deadline_precision=Precision.QUARTER
    )
    action.refresh_from_db()
    assert action.deadline == dt.date(2020, 3, 31)
    assert action.deadline_display == "1e kwartaal 2020"
    assert not action.is_late(on=dt.date(2020, 1, 16))


# --- a past period as it was (defect 2) -----------------------------------------------


def test_as_of_gives_the_status_reported_by_that_day_and_leaves_out_later_actions():
    action = ActionFactory(status=Status.NOT_STARTED, deadline=dt.date(2021, 5, 1))
    ProgressUpdateFactory(
        action=action, date=dt.date(2021, 3, 1), status=Status.ONGOING
    )
    ProgressUpdateFactory(action=action, date=dt.date(2021, 9, 1), status=Status.DONE)
    never_reported = ActionFactory(
        priority=action.priority, status=Status.CONTINUOUS, deadline=None
    )
    later = ActionFactory(priority=action.priority, in_plan_since=dt.date(2026, 11, 1))

    def state(day):
        found = {
            a.pk: (a.status_on, a.late_on)
            for a in Action.objects.as_of(day).filter(priority=action.priority)
        }
        # The same worked out once per row in a WITH clause, as the dashboard asks it.
        once = Action.objects.filter(priority=action.priority).as_of(day, once=True)
        assert {a.pk: (a.status_on, a.late_on) for a in once} == found, day
        return found

    assert state(dt.date(2021, 2, 1)) == {
        action.pk: (Status.NOT_STARTED, False),  # all its progress came later
        never_reported.pk: (Status.CONTINUOUS, False),  # as its document says
    }
    assert state(dt.date(2021, 6, 30)) == {
        action.pk: (Status.ONGOING, True),
        never_reported.pk: (Status.CONTINUOUS, False),
    }
    assert state(dt.date(2021, 12, 31))[action.pk] == (Status.DONE, False)
    assert later.pk in state(dt.date.today())


# --- tables add up (defect 6) ---------------------------------------------------------


def test_every_status_has_a_column_and_each_priority_row_adds_up(client):
    plan, reader = dashboard_plan()
    dashboard_actions(plan, 12)
    ActionFactory(priority=plan.priorities.get(code="2"), status=Status.CONTINUOUS)
    ActionFactory(priority=plan.priorities.get(code="2"), status=Status.CANCELLED)
    client.force_login(reader)
    response = client.get(reverse("reports:plan", args=[plan.pk]), {"periode": "jaar"})
    html = response.content.decode()
    for status in Status:
        assert f">{str(status.label).capitalize()}</th>" in html, status
    for row in response.context["priority_rows"]:
        assert sum(n for _, n in row.status_counts) == row.total
    second = next(
        r for r in response.context["priority_rows"] if r.priority.code == "2"
    )
    assert dict(second.status_counts)[Status.CONTINUOUS] == 1
    assert dict(second.status_counts)[Status.CANCELLED] == 1
    # A legend says in words what each colour is.
    assert "Kleuren in de balken" in html


def test_meeting_matrix_total_is_the_sum_of_its_meetings(client):
    plan, reader = dashboard_plan()
    actions = dashboard_actions(plan, 9)
    # An action that comes back at a second meeting.
    later = MeetingFactory(date=dt.date(2021, 12, 9))
    later.plans.add(plan)
    actions[0].meetings.add(later)
    client.force_login(reader)
    matrix = client.get(reverse("reports:meeting", args=[later.pk])).context[
        "matrices"
    ][0]
    assert matrix["grand_total"] == sum(matrix["column_totals"]) == 10
    for row in matrix["rows"]:
        assert row["total"] == sum(row["cells"])


def test_a_period_that_has_ended_shows_its_last_day_and_a_running_one_today():
    today = dt.date(2021, 5, 10)
    assert Period(2021, 1).state_day(today) == dt.date(2021, 3, 31)
    assert Period(2021, 2).state_day(today) == today
    assert Period(2021).state_day(today) == today
    assert Period.default_for(2017, 2018, dt.date(2026, 11, 30)) == Period(2018, 4)
