"""The REST API on the seed documents: the nine resources, filters, pagination, nested
reads, protected deletes and Dutch validation messages."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from actions.demo import demo_progress_load
from actions.models import Action, Meeting, ProgressUpdate, Status
from policies.models import (
    Indicator,
    Measurement,
    Membership,
    Organisation,
    Plan,
    Priority,
)
from policies.seeds import seeds_load

from .factories import UserFactory

pytestmark = pytest.mark.django_db

RESOURCES = [
    "organisations",
    "plans",
    "priorities",
    "agreements",
    "actions",
    "progress-updates",
    "meetings",
    "indicators",
    "measurements",
]


@pytest.fixture
def seeds():
    seeds_load()
    demo_progress_load()


@pytest.fixture
def api(seeds):
    client = APIClient()
    client.force_authenticate(UserFactory(username="beheerder", is_superuser=True))
    return client


def _all(client, url, params=None):
    """Every row of a paginated list, following `next`."""
    response = client.get(url, {**(params or {}), "page_size": 500})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == len(data["results"])
    return data["results"]


def test_schema_lists_the_nine_resources(client):
    response = client.get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for resource in RESOURCES:
        item = schema["paths"][f"/api/v1/{resource}/{{id}}/"]
        assert {"get", "put", "patch", "delete"} <= set(item), resource
        assert {"get", "post"} <= set(schema["paths"][f"/api/v1/{resource}/"]), resource
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/actions/"]["get"]["parameters"]
    }
    assert {
        "plan",
        "municipality",
        "owner",
        "priority",
        "status",
        "deadline_after",
        "deadline_before",
        "meeting",
        "unplanned",
        "search",
        "ordering",
        "page",
        "page_size",
    } <= parameters


def test_veluwe_noord_programme_lists_exactly_its_32_actions(api):
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    rows = _all(api, "/api/v1/actions/", {"plan": programme.pk})
    assert len(rows) == 32
    assert {row["id"] for row in rows} == set(
        Action.objects.for_plan(programme).values_list("pk", flat=True)
    )
    assert {row["plan"]["title"] for row in rows} == {programme.title}


def test_action_is_read_with_owners_plan_and_latest_progress(api):
    action = Action.objects.get(title__startswith="Pva woninginbraken")
    ProgressUpdate.objects.create(
        action=action, date=dt.date(2021, 1, 5), status=Status.ONGOING, text="Oud"
    )
    ProgressUpdate.objects.create(
        action=action,
        date=dt.date(2021, 3, 5),
        status=Status.AT_RISK,
        percentage=40,
        text="Vertraagd door capaciteit",
    )
    row = api.get(f"/api/v1/actions/{action.pk}/").json()
    assert sorted(o["name"] for o in row["owner_organisations"]) == [
        "Epe",
        "Politie basisteam Veluwe-Noord",
    ]
    assert row["plan"]["slug"] == "veluwe-noord-uvp-2021"
    assert row["latest_progress"]["text"] == "Vertraagd door capaciteit"
    assert row["latest_progress"]["status"] == "at_risk"
    assert row["status"] == "at_risk"
    assert row["deadline"] == "2021-02-18"
    assert row["version"] == Action.objects.get(pk=action.pk).version


def test_action_filters(api):
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    in_plan = Action.objects.for_plan(programme)
    hattem = Organisation.objects.get(name="Hattem")
    epe = Organisation.objects.get(name="Epe")

    def ids(**params):
        return {row["id"] for row in _all(api, "/api/v1/actions/", params)}

    def pks(queryset):
        return set(queryset.values_list("pk", flat=True))

    assert ids(plan=programme.pk, owner=hattem.pk) == pks(in_plan.filter(owners=hattem))
    assert ids(plan=programme.pk, unplanned="true") == pks(
        in_plan.filter(unplanned=True)
    )
    assert len(ids(plan=programme.pk, unplanned="true")) == 2
    assert ids(
        plan=programme.pk, deadline_after="2021-03-01", deadline_before="2021-06-30"
    ) == (
        pks(
            in_plan.filter(
                deadline__gte=dt.date(2021, 3, 1), deadline__lte=dt.date(2021, 6, 30)
            )
        )
    )
    first_meeting = Meeting.objects.filter(plans=programme).order_by("date").first()
    assert ids(meeting=first_meeting.pk) == pks(
        Action.objects.filter(meetings=first_meeting)
    )
    assert ids(meeting=first_meeting.pk)
    speerpunt = programme.priorities.get(code="1")
    assert ids(priority=speerpunt.pk) == pks(
        in_plan.filter(priority__in=[speerpunt, *speerpunt.children.all()])
    )
    assert ids(status=["done", "at_risk"]) == pks(
        Action.objects.filter(status__in=["done", "at_risk"])
    )
    # `municipality` is the trekker; `plan_municipality` every action of its plans.
    assert ids(municipality=epe.pk) == pks(Action.objects.filter(owners=epe))
    assert ids(plan_municipality=epe.pk) == pks(
        Action.objects.filter(priority__plan__municipalities=epe)
    )
    hattem_in_epe_plans = Action.objects.filter(
        priority__plan__municipalities=epe, owners=hattem
    ).exclude(owners=epe)
    assert hattem_in_epe_plans.exists()
    assert not ids(municipality=epe.pk) & pks(hattem_in_epe_plans)
    assert pks(hattem_in_epe_plans) <= ids(plan_municipality=epe.pk)
    assert ids(search="woninginbra") == pks(
        Action.objects.filter(title__icontains="woninginbra")
        | Action.objects.filter(description__icontains="woninginbra")
        | Action.objects.filter(item__icontains="woninginbra")
        | Action.objects.filter(owner_role__icontains="woninginbra")
        | Action.objects.filter(note__icontains="woninginbra")
    )
    assert ids(search="woninginbra")


def test_unknown_filter_value_is_a_dutch_400(api):
    response = api.get("/api/v1/actions/", {"plan": 999999, "status": "klaar"})
    assert response.status_code == 400
    body = response.json()
    assert "plan" in body and "status" in body
    assert "Selecteer een geldige keuze" in str(body)


def test_ordering_and_pagination(api):
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    response = api.get(
        "/api/v1/actions/",
        {"plan": programme.pk, "ordering": "-deadline", "page_size": 10, "page": 2},
    )
    data = response.json()
    assert data["count"] == 32
    assert len(data["results"]) == 10
    assert data["next"] and data["previous"]
    expected = list(
        Action.objects.for_plan(programme)
        .order_by("-deadline", "priority__plan", "priority__sort_key", "position", "id")
        .values_list("deadline", flat=True)[10:20]
    )
    assert [row["deadline"] for row in data["results"]] == [
        d.isoformat() if d else None for d in expected
    ]
    assert api.get("/api/v1/actions/", {"page": 99}).status_code == 404


def test_every_resource_lists_and_retrieves(api):
    for resource in RESOURCES:
        data = api.get(f"/api/v1/{resource}/").json()
        assert data["count"] > 0, resource
        first = data["results"][0]
        assert api.get(f"/api/v1/{resource}/{first['id']}/").json() == first, resource


def test_create_action_then_progress_moves_its_status(api):
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    priority = programme.priorities.get(code="1")
    epe = Organisation.objects.get(name="Epe")
    response = api.post(
        "/api/v1/actions/",
        {
            "priority": priority.pk,
            "title": "Voorlichting fietsendiefstal",
            "owners": [epe.pk],
            "deadline": "2021-12-31",
            "deadline_precision": "quarter",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    action = Action.objects.get(pk=response.json()["id"])
    assert list(action.owners.all()) == [epe]
    assert response.json()["deadline_display"] == action.deadline_display
    response = api.post(
        "/api/v1/progress-updates/",
        {
            "action": action.pk,
            "date": "2021-05-01",
            "status": "ongoing",
            "percentage": 30,
            "text": "Flyers verspreid",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    action.refresh_from_db()
    assert (action.status, action.percentage) == (Status.ONGOING, 30)
    update = ProgressUpdate.objects.get(pk=response.json()["id"])
    assert update.author.username == "beheerder"
    assert "author" not in response.json()


def test_status_is_not_written_directly(api):
    action = Action.objects.filter(status=Status.NOT_STARTED).first()
    response = api.patch(
        f"/api/v1/actions/{action.pk}/",
        {"status": "done", "version": action.version},
        format="json",
    )
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == Status.NOT_STARTED


def test_validation_errors_name_the_field_in_dutch(api):
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    other = Plan.objects.get(slug="stadskanaal-ivp-2020-2024")
    response = api.post(
        "/api/v1/priorities/",
        {"plan": programme.pk, "parent": other.priorities.first().pk, "title": "Nieuw"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "parent": ["De bovenliggende prioriteit moet bij hetzelfde plan horen."]
    }
    response = api.post("/api/v1/actions/", {"title": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["priority"] == ["Dit veld is vereist."]
    assert body["title"] == ["Dit veld mag niet leeg zijn."]
    response = api.post(
        "/api/v1/plans/",
        {
            "title": "Plan",
            "slug": "p",
            "kind": "ivp",
            "start_year": 2024,
            "end_year": 2020,
        },
        format="json",
    )
    assert response.status_code == 400
    # A constraint's message under the field it is about (policies/api/base.py).
    assert response.json() == {
        "end_year": ["Het eindjaar kan niet voor het startjaar liggen."]
    }


def test_deleting_what_progress_depends_on_is_a_dutch_409(api):
    update = ProgressUpdate.objects.select_related("action").first()
    action = update.action
    response = api.delete(f"/api/v1/actions/{action.pk}/")
    assert response.status_code == 409
    assert "Dit kan niet worden verwijderd" in response.json()["detail"]
    assert "voortgangsrapportages" in response.json()["detail"]
    assert Action.objects.filter(pk=action.pk).exists()
    indicator = Measurement.objects.first().indicator
    response = api.delete(f"/api/v1/indicators/{indicator.pk}/")
    assert response.status_code == 409
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_delete_where_nothing_depends_on_it(api):
    update = ProgressUpdate.objects.first()
    assert api.delete(f"/api/v1/progress-updates/{update.pk}/").status_code == 204
    assert not ProgressUpdate.objects.filter(pk=update.pk).exists()
    priority = Priority.objects.filter(actions=None, children=None).first()
    assert api.delete(f"/api/v1/priorities/{priority.pk}/").status_code == 204


def test_municipality_filters_offer_only_municipalities_of_visible_plans(seeds):
    epe = Organisation.objects.get(name="Epe")
    officer = UserFactory(username="oov.epe.api")
    Membership.objects.create(user=officer, organisation=epe, role="officer")
    client = APIClient()
    client.force_authenticate(officer)
    stadskanaal = Organisation.objects.get(name="Stadskanaal")  # not in Epe's plans
    for resource, name in (
        ("actions", "municipality"),
        ("actions", "plan_municipality"),
        ("meetings", "municipality"),
        ("plans", "municipality"),
    ):
        response = client.get(f"/api/v1/{resource}/", {name: stadskanaal.pk})
        assert response.status_code == 400, resource
        assert "Selecteer een geldige keuze" in str(response.json()[name])
    hattem = Organisation.objects.get(name="Hattem")  # shares a plan with Epe
    response = client.get("/api/v1/actions/", {"municipality": hattem.pk})
    assert response.status_code == 200
    assert response.json()["count"] == Action.objects.filter(owners=hattem).count()
