"""The municipality page: everything one municipality carries across the plans it shares."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action

from .factories import (
    ActionFactory,
    PlanFactory,
    PriorityFactory,
    dashboard_actions,
    dashboard_plan,
)
from .queries import PAGE_MAX_QUERIES

pytestmark = pytest.mark.django_db

MAX_QUERIES = PAGE_MAX_QUERIES


def test_municipality_page_shows_its_plans_and_actions_but_not_invisible_ones(client):
    plan, reader = dashboard_plan()
    actions = dashboard_actions(plan, 10)
    municipality = plan.municipalities.order_by("pk").first()
    # The same municipality in a plan the reader may not see.
    hidden = PlanFactory(title="Geheim plan")
    ActionFactory(
        priority=PriorityFactory(plan=hidden),
        title="Verborgen actie",
        owners=[municipality],
    )
    client.force_login(reader)
    response = client.get(reverse("reports:organisation", args=[municipality.pk]))
    html = response.content.decode()
    assert municipality.name in html
    assert plan.title in html
    assert "Geheim plan" not in html and "Verborgen actie" not in html
    own = [a for i, a in enumerate(actions) if i % 2 == 0]
    assert {a.pk for a in response.context["actions"]["actions"]} == {a.pk for a in own}
    row = response.context["plan_rows"][0]
    assert row["total"] == len(own)
    assert row["overdue"] == sum(
        a.status != "done" for a in own
    )  # all deadlines in 2021
    assert {a.pk for a in response.context["overdue"]["actions"]} == {
        a.pk for a in own if a.status != "done"
    }
    # Each listed action shows its latest progress (May, not February).
    assert {
        (a.latest_date, a.latest_text) for a in response.context["actions"]["actions"]
    } == {(dt.date(2021, 5, 1), "Stand 5/2021")}
    assert "Stand 5/2021" in html and "Stand 2/2021" not in html


def test_municipality_page_query_count_is_the_same_for_20_and_500_actions(client):
    plan, reader = dashboard_plan()
    municipality = plan.municipalities.order_by("pk").first()
    client.force_login(reader)
    url = reverse("reports:organisation", args=[municipality.pk])
    dashboard_actions(plan, 20)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    dashboard_actions(plan, 480)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(small) == len(large) <= MAX_QUERIES
    assert response.context["actions"]["total"] == 250
    assert Action.objects.filter(deadline__gte=dt.date(2021, 1, 1)).count() == 500
