"""API lists cost a fixed number of queries, whatever the page size (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from policies.models import Result, Target

from .factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MunicipalityFactory,
    PartnerFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Measured with token authentication, as a script calls the API: 1 query for the token
# and its user, 2 for the user's Django permissions, 1 for the user's memberships (all
# of ivp/access.py's checks share it), 2 savepoints (ATOMIC_REQUESTS), then the count,
# the page and one query per prefetched relation (the visibility rule is a subquery
# inside those, not a query of its own).
MAX_QUERIES = {
    "actions": 12,
    "agreements": 10,
    "plans": 10,
    "priorities": 10,  # + the agenda priorities each serves (one prefetch)
    "progress-updates": 8,
    "meetings": 10,
    "indicators": 8,
    "measurements": 8,
    "organisations": 8,
    "targets": 8,
    "results": 8,
}


def _rows(plan, epe, police, rows: int):
    for _ in range(rows):
        priority = PriorityFactory(plan=plan)
        action = ActionFactory(priority=priority, owners=[epe, police])
        action.partners.add(police)
        ProgressUpdateFactory(action=action, text="eerste")
        ProgressUpdateFactory(action=action, text="laatste", date=action.deadline)
        AgreementFactory(priority=priority).owners.add(epe)
        meeting = MeetingFactory()
        meeting.plans.add(plan)
        meeting.municipalities.add(epe)
        action.meetings.add(meeting)
        indicator = IndicatorFactory(plan=plan, priority=priority)
        MeasurementFactory(indicator=indicator)
        Target.objects.create(indicator=indicator, kind="absolute", value=1, year=2024)
        Result.objects.create(priority=priority, year=2021, text="Gehaald.")
        PartnerFactory()
        PlanFactory(municipalities=[epe]).partners.add(police)


def _counts(client, rows):
    counts = {}
    for resource in MAX_QUERIES:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/{resource}/", {"page_size": 500})
        assert response.status_code == 200, resource
        assert response.json()["count"] >= rows, resource
        assert len(response.json()["results"]) >= rows, resource
        counts[resource] = len(captured)
    return counts


def test_list_query_count_does_not_grow_with_rows():
    epe = MunicipalityFactory(name="Epe")
    police = PartnerFactory(name="Politie")
    plan = PlanFactory(municipalities=[epe])
    plan.partners.add(police)
    officer = UserFactory(username="oov.epe")
    officer.memberships.create(organisation=epe, role="officer")
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Token " + Token.objects.create(user=officer).key
    )

    _rows(plan, epe, police, 20)
    with_20 = _counts(client, 20)
    _rows(plan, epe, police, 180)
    with_200 = _counts(client, 200)

    assert with_20 == with_200
    for resource, limit in MAX_QUERIES.items():
        assert with_200[resource] <= limit, (resource, with_200[resource])
    rows = client.get("/api/v1/actions/", {"page_size": 500}).json()["results"]
    assert len(rows) == 200
    assert {row["latest_progress"]["text"] for row in rows} == {"laatste"}
    assert all(len(row["owner_organisations"]) == 2 for row in rows)
    assert {row["plan"]["title"] for row in rows} == {plan.title}
    print("queries per list (20 and 200 rows):", with_200)
