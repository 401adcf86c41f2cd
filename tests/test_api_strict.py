"""The API complete and strict: targets and results as resources under the one
permission rule, unknown query parameters refused by name on every list, every
validation error under its field and in Dutch, exact look-ups by slug, name and code."""

import pytest
from rest_framework.test import APIClient

from ivp.api_urls import router
from policies.models import Organisation, Result, Target

from .test_access import SEES, World

pytestmark = pytest.mark.django_db

# Who may change the targets and results of each plan (tests/test_access.py's world):
# an officer the plans of their own municipality only, not the shared one.
CHANGES = {
    "beheerder": {"shared", "epe", "hattem"},
    "oov.epe": {"epe"},
    "lezer.epe": set(),
    "raad.epe": set(),
    "lezer.politie": set(),
}
SCOPES = ("shared", "epe", "hattem")


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    world = World()
    for scope in SCOPES:
        objects = world.objects[scope]
        objects["target"] = Target.objects.create(
            indicator=objects["indicator"], kind="absolute", value=40, year=2024
        )
        objects["result"] = Result.objects.create(
            agreement=objects["agreement"], year=2021, text="Gehaald.", assessment=""
        )
    return world


def test_targets_and_results_are_in_the_schema_with_their_filters(client):
    schema = client.get("/api/schema/?format=json").json()
    for resource, name in [("targets", "indicator"), ("results", "agreement")]:
        operation = schema["paths"][f"/api/v1/{resource}/"]["get"]
        assert name in {p["name"] for p in operation["parameters"]}, resource
        item = schema["paths"][f"/api/v1/{resource}/{{id}}/"]
        assert {"get", "put", "patch", "delete"} <= set(item)


def test_an_interim_and_a_final_target_are_entered_and_listed_per_indicator(world):
    client = _client(world.users["oov.epe"])
    indicator = world.objects["epe"]["indicator"]
    for year, final in [(2022, False), (2026, True)]:
        response = client.post(
            "/api/v1/targets/",
            {
                "indicator": indicator.pk,
                "kind": "absolute",
                "value": "25",
                "year": year,
                "is_final": final,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
    rows = client.get("/api/v1/targets/", {"indicator": indicator.pk}).json()
    assert [(r["year"], r["is_final"]) for r in rows["results"]] == [
        (2022, False),
        (2024, True),
        (2026, True),
    ]
    interim = client.get(
        "/api/v1/targets/", {"indicator": indicator.pk, "is_final": "false"}
    ).json()
    assert [r["year"] for r in interim["results"]] == [2022]


def test_results_are_listed_per_agreement(world):
    client = _client(world.users["beheerder"])
    agreement = world.objects["epe"]["agreement"]
    Result.objects.create(agreement=agreement, year=2022, text="Deels.")
    rows = client.get("/api/v1/results/", {"agreement": agreement.pk}).json()
    assert [r["year"] for r in rows["results"]] == [2021, 2022]
    assert {r["agreement"] for r in rows["results"]} == {agreement.pk}


@pytest.mark.parametrize("role", list(CHANGES))
@pytest.mark.parametrize("resource", ["target", "result"])
def test_permission_matrix_of_targets_and_results(world, role, resource):
    client = _client(world.users[role])
    model = {"target": Target, "result": Result}[resource]
    change = {"target": {"value": "12"}, "result": {"text": "Gewijzigd."}}[resource]
    listed = {
        row["id"] for row in client.get(f"/api/v1/{resource}s/").json()["results"]
    }
    for scope in SCOPES:
        obj = world.objects[scope][resource]
        url = f"/api/v1/{resource}s/{obj.pk}/"
        before = model.objects.filter(pk=obj.pk).values().get()
        sees = scope in SEES[role]
        assert (obj.pk in listed) == sees, scope
        assert client.get(url).status_code == (200 if sees else 404), scope
        answer = client.patch(url, change, format="json").status_code
        if scope in CHANGES[role]:
            assert answer == 200, scope
        else:
            assert answer == (403 if sees else 404), scope
            assert model.objects.filter(pk=obj.pk).values().get() == before


def test_an_officer_cannot_add_a_target_to_a_plan_it_does_not_manage(world):
    client = _client(world.users["oov.epe"])
    for scope in ("shared", "hattem"):
        response = client.post(
            "/api/v1/targets/",
            {
                "indicator": world.objects[scope]["indicator"].pk,
                "kind": "absolute",
                "value": "1",
                "year": 2024,
            },
            format="json",
        )
        assert response.status_code in (400, 403), scope
    assert Target.objects.count() == 3


def _list_routes():
    return [prefix for prefix, viewset, _ in router.registry]


def test_every_list_endpoint_is_enumerated():
    assert {"targets", "results", "organisations", "actions"} <= set(_list_routes())


@pytest.mark.parametrize("prefix", _list_routes())
def test_an_unknown_query_parameter_is_a_400_naming_it(world, prefix):
    client = _client(world.users["beheerder"])
    response = client.get(f"/api/v1/{prefix}/", {"nonsense": "1", "page_size": 5})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["nonsense"]
    assert body["nonsense"][0].startswith("Onbekende zoekparameter")
    # What the list does know still works, and the error names it.
    assert "page_size" in body["nonsense"][0]
    assert client.get(f"/api/v1/{prefix}/", {"page_size": 5}).status_code == 200


def test_known_parameters_of_every_kind_are_accepted(world):
    client = _client(world.users["beheerder"])
    params = {
        "format": "json",
        "page": 1,
        "page_size": 5,
        "ordering": "-id",
        "search": "x",
        "deadline_after": "2021-01-01",
        "deadline_before": "2021-12-31",
        "as_of": "2021-06-30",
    }
    assert client.get("/api/v1/actions/", params).status_code == 200


def test_a_relative_target_without_reference_year_is_refused_under_that_field(world):
    client = _client(world.users["beheerder"])
    response = client.post(
        "/api/v1/targets/",
        {
            "indicator": world.objects["epe"]["indicator"].pk,
            "kind": "relative",
            "value": "-10",
            "year": 2024,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "reference_year": ["Een relatieve streefwaarde heeft een referentiejaar nodig."]
    }


def test_a_second_result_for_the_same_year_is_refused_under_the_year(world):
    client = _client(world.users["beheerder"])
    agreement = world.objects["epe"]["agreement"]
    data = {"agreement": agreement.pk, "year": 2021, "text": "Nog eens."}
    response = client.post("/api/v1/results/", data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["year"], body
    assert "voor dit jaar" in body["year"][0]
    response = client.post(
        "/api/v1/results/", {"year": 2021, "text": "Van niets."}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["agreement"]


def test_a_wrong_date_is_refused_in_dutch_under_its_field(world):
    client = _client(world.users["beheerder"])
    plan = world.objects["epe"]["plan"]
    response = client.patch(
        f"/api/v1/plans/{plan.pk}/",
        {"adopted_on": "31-03-2024", "version": plan.version},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "adopted_on": [
            "Ongeldige datum: geef die als JJJJ-MM-DD, bijvoorbeeld 2024-03-31."
        ]
    }
    response = client.post(
        "/api/v1/targets/",
        {"indicator": 999999, "kind": "absolute", "value": "x", "year": 2024},
        format="json",
    )
    body = response.json()
    assert body["indicator"] == [
        "Onbekend id “999999”: dat bestaat niet, of u mag het niet zien."
    ]
    assert body["value"] == ["Geef een geldig getal."]


def test_a_municipality_is_created_by_its_common_name(world):
    client = _client(world.users["beheerder"])
    response = client.post(
        "/api/v1/organisations/",
        {"name": "Den Bosch", "kind": "municipality"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "'s-Hertogenbosch"
    assert body["cbs_code"] == "GM0796"
    assert body["safety_region"] == {"code": "VR21", "name": "Brabant-Noord"}
    # Twice is refused, under the name.
    again = client.post(
        "/api/v1/organisations/",
        {"name": "'s-Hertogenbosch", "kind": "municipality"},
        format="json",
    )
    assert again.status_code == 400
    assert list(again.json()) == ["name"]


def test_an_unknown_municipality_is_refused_under_its_name_with_close_matches(world):
    client = _client(world.users["beheerder"])
    response = client.post(
        "/api/v1/organisations/",
        {"name": "Stadskanal", "kind": "municipality", "cbs_code": "GM0037"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": [
            "“Stadskanal” is geen gemeente in de CBS-lijst. Bedoelt u: Stadskanaal?"
        ]
    }
    assert not Organisation.objects.filter(cbs_code="GM0037").exists()


def test_a_partner_organisation_has_no_code_or_region(world):
    client = _client(world.users["oov.epe"])
    response = client.post(
        "/api/v1/organisations/",
        {"name": "GGD Noord- en Oost-Gelderland", "kind": "ggd", "cbs_code": "GM0232"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["cbs_code"] is None
    assert response.json()["safety_region"] is None


def test_plans_organisations_and_priorities_are_found_by_exact_slug_name_or_code(
    world,
):
    client = _client(world.users["beheerder"])
    plan = world.objects["epe"]["plan"]
    by_slug = client.get("/api/v1/plans/", {"slug": plan.slug}).json()
    assert [row["id"] for row in by_slug["results"]] == [plan.pk]
    # Exact: a part of the slug finds nothing, rather than every row.
    assert client.get("/api/v1/plans/", {"slug": plan.slug[:-1]}).json()["count"] == 0
    by_title = client.get("/api/v1/plans/", {"name": plan.title}).json()
    assert [row["id"] for row in by_title["results"]] == [plan.pk]
    epe = client.get("/api/v1/organisations/", {"name": "Epe"}).json()
    assert [row["id"] for row in epe["results"]] == [world.epe.pk]
    by_code = client.get("/api/v1/organisations/", {"code": "GM0244"}).json()
    assert [row["id"] for row in by_code["results"]] == [world.hattem.pk]
    in_region = client.get("/api/v1/organisations/", {"safety_region": "VR06"}).json()
    assert {row["name"] for row in in_region["results"]} == {"Epe", "Hattem"}
    priority = world.objects["epe"]["priority"]
    by_priority_code = client.get(
        "/api/v1/priorities/", {"plan": plan.pk, "code": priority.code}
    ).json()
    assert [row["id"] for row in by_priority_code["results"]] == [priority.pk]


def test_an_unknown_ordering_is_a_400_not_the_default_order(world):
    client = _client(world.users["beheerder"])
    response = client.get("/api/v1/actions/", {"ordering": "-deadlne"})
    assert response.status_code == 400
    message = response.json()["ordering"][0]
    assert message.startswith("Op dit veld kan deze lijst niet sorteren.")
    assert "deadline" in message
    assert client.get("/api/v1/actions/", {"ordering": "-deadline,id"}).status_code == (
        200
    )
