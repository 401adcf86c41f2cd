"""Every dashboard page stays within the query budget (tests/queries.py), for an officer
and for a reader, and costs the same with 20 and with 500 actions."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import Action, ProgressUpdate, Status
from policies.models import Agreement, Membership

from .factories import UserFactory, dashboard_actions, dashboard_plan
from .queries import PAGE_MAX_QUERIES, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_users_and_action():
    """dashboard_plan() with an officer besides the reader, and one action with recorded
    changes (the action page reads its history) that the officer's municipality owns
    (so the officer's page asks whether they may change it)."""
    plan, reader = dashboard_plan()
    municipalities = list(plan.municipalities.order_by("pk"))
    officer = UserFactory()
    Membership.objects.create(
        user=officer, organisation=municipalities[0], role="officer"
    )
    priority = plan.priorities.get(code="1.1")
    action = Action.objects.create(
        priority=priority,
        title="Buurtpreventie uitbreiden",
        deadline=dt.date(2021, 6, 30),
    )
    action.owners.set([municipalities[0]])
    action.partners.set([plan.partners.get()])
    action.meetings.set(plan.meetings.order_by("date")[:1])
    action.agreement = Agreement.objects.create(
        priority=priority, text="Buurtpreventie"
    )
    action.deadline = dt.date(2021, 9, 30)
    action.save()
    action.owners.add(municipalities[1])
    ProgressUpdate.objects.create(
        action=action,
        date=dt.date(2021, 5, 1),
        status=Status.AT_RISK,
        text="Vrijwilligers ontbreken.",
    )
    return plan, {"officer": officer, "reader": reader}, action


def page_url(page, plan, action):
    meeting = plan.meetings.get(date=dt.date(2021, 6, 17))
    args = {
        "home": [],
        "plan": [plan.pk],
        "plan_actions": [plan.pk],
        "actions": [],
        "meeting": [meeting.pk],
        "organisation": [plan.municipalities.order_by("pk").first().pk],
        "action": [action.pk],
    }[page]
    return reverse(f"reports:{page}", args=args)


@pytest.mark.parametrize("role", ["officer", "reader"])
@pytest.mark.parametrize(
    "page",
    ["home", "plan", "plan_actions", "actions", "meeting", "organisation", "action"],
)
def test_page_stays_within_the_query_budget_with_20_and_500_actions(
    client, plan_users_and_action, page, role
):
    plan, users, action = plan_users_and_action
    client.force_login(users[role])
    url = page_url(page, plan, action)
    dashboard_actions(plan, 20)
    small, _ = count_queries(client, url)
    dashboard_actions(plan, 480)
    large, response = count_queries(client, url)
    assert small == large <= PAGE_MAX_QUERIES, (page, role, small, large)
    if page == "action":
        assert response.context["may_change"] == (role == "officer")
        assert response.context["history"]
