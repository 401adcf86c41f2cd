"""The permission rule through the API: roles x resources x verbs, as in the admin
(tests/test_access.py). Every refusal is also checked in the database: no change."""

import pytest
from rest_framework.test import APIClient

from actions.models import Action
from policies.models import Organisation, Plan

from .test_access import CASES, CHANGES, MODELS, SEES, World

pytestmark = pytest.mark.django_db

RESOURCE = {
    "plan": "plans",
    "priority": "priorities",
    "agreement": "agreements",
    "indicator": "indicators",
    "measurement": "measurements",
    "meeting": "meetings",
    "action": "actions",
    "progressupdate": "progress-updates",
}
# One harmless change per model.
CHANGE = {
    "plan": {"title": "gewijzigd"},
    "priority": {"title": "gewijzigd"},
    "agreement": {"text": "gewijzigd"},
    "indicator": {"name": "gewijzigd"},
    "measurement": {"note": "gewijzigd"},
    "meeting": {"title": "gewijzigd"},
    "action": {"title": "gewijzigd"},
    "progressupdate": {"text": "gewijzigd"},
}


@pytest.fixture
def world():
    return World()


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _snapshot(obj):
    fresh = type(obj)._base_manager.filter(pk=obj.pk).first()
    if fresh is None:
        return None
    return {f.attname: getattr(fresh, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize("role", list(SEES))
def test_role_matrix_read_change_delete(world, role):
    client = _client(world.users[role])
    for scope, model_name in CASES:
        obj = world.objects[scope][model_name]
        url = f"/api/v1/{RESOURCE[model_name]}/{obj.pk}/"
        label = f"{role} {model_name} in {scope}"
        sees, changes = scope in SEES[role], scope in CHANGES[role]
        listed = {
            row["id"]
            for row in client.get(
                f"/api/v1/{RESOURCE[model_name]}/", {"page_size": 500}
            ).json()["results"]
        }
        assert (obj.pk in listed) == sees, label

        response = client.get(url)
        assert response.status_code == (200 if sees else 404), label

        before = _snapshot(obj)
        # The version read: a change that names none is refused (428) before anything.
        version = {"version": before["version"]} if "version" in before else {}
        response = client.patch(url, {**CHANGE[model_name], **version}, format="json")
        if changes:
            assert response.status_code == 200, (label, response.content)
            assert _snapshot(obj) != before, label
        else:
            assert response.status_code == (403 if sees else 404), label
            assert _snapshot(obj) == before, label
            response = client.put(
                url, {**response.json(), **CHANGE[model_name]}, format="json"
            )
            assert response.status_code == (403 if sees else 404), label
            response = client.delete(url)
            assert response.status_code == (403 if sees else 404), label
            assert _snapshot(obj) == before, label


def test_refusal_is_explained_in_dutch(world):
    client = _client(world.users["oov.epe"])
    action = world.objects["shared-hattem"]["action"]
    response = client.patch(
        f"/api/v1/actions/{action.pk}/", {"title": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "andere organisatie" in response.json()["detail"]


def test_officer_deletes_in_its_own_plan(world):
    client = _client(world.users["oov.epe"])
    update = world.objects["epe"]["progressupdate"]
    assert client.delete(f"/api/v1/progress-updates/{update.pk}/").status_code == 204
    action = world.objects["epe"]["action"]
    assert client.delete(f"/api/v1/actions/{action.pk}/").status_code == 204
    assert not Action.objects.filter(pk=action.pk).exists()


def _new_action(priority, owners):
    return {
        "priority": priority.pk,
        "title": "Nieuwe actie",
        "owners": [o.pk for o in owners],
    }


def test_officer_adds_actions_only_where_the_admin_lets_them(world):
    client = _client(world.users["oov.epe"])
    shared = world.objects["shared"]["priority"]
    # Another municipality's plan: its priority does not exist for Epe.
    response = client.post(
        "/api/v1/actions/",
        _new_action(world.objects["hattem"]["priority"], [world.epe]),
        format="json",
    )
    assert response.status_code == 400
    assert "priority" in response.json()
    # The shared plan, for Hattem: refused.
    response = client.post(
        "/api/v1/actions/", _new_action(shared, [world.hattem]), format="json"
    )
    assert response.status_code == 403
    assert not Action.objects.filter(title="Nieuwe actie").exists()
    # The shared plan, for Epe itself; and anything in Epe's own plan.
    response = client.post(
        "/api/v1/actions/", _new_action(shared, [world.epe]), format="json"
    )
    assert response.status_code == 201
    response = client.post(
        "/api/v1/actions/",
        _new_action(world.objects["epe"]["priority"], []),
        format="json",
    )
    assert response.status_code == 201
    assert Action.objects.filter(title="Nieuwe actie").count() == 2


def test_officer_cannot_move_its_action_to_another_owner(world):
    client = _client(world.users["oov.epe"])
    action = world.objects["shared-epe"]["action"]
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"owners": [world.hattem.pk], "version": action.version},
        format="json",
    )
    assert response.status_code == 403
    assert list(action.owners.all()) == [world.epe]


def test_officer_records_progress_only_on_actions_it_may_change(world):
    client = _client(world.users["oov.epe"])
    payload = {"status": "ongoing", "text": "Bezig", "date": "2021-04-01"}
    mine = world.objects["shared-epe"]["action"]
    theirs = world.objects["shared-hattem"]["action"]
    response = client.post(
        "/api/v1/progress-updates/", {**payload, "action": theirs.pk}, format="json"
    )
    assert response.status_code == 403
    assert theirs.progress_updates.count() == 1
    response = client.post(
        "/api/v1/progress-updates/", {**payload, "action": mine.pk}, format="json"
    )
    assert response.status_code == 201
    assert mine.progress_updates.count() == 2


@pytest.mark.parametrize("role", ["lezer.epe", "raad.epe", "lezer.politie"])
def test_readers_add_nothing(world, role):
    client = _client(world.users[role])
    counts = {m: m.objects.count() for m in [*MODELS.values(), Organisation]}
    priority = world.objects["shared"]["priority"]
    for resource, payload in [
        ("actions", _new_action(priority, [world.epe])),
        (
            "plans",
            {
                "title": "P",
                "slug": "p",
                "kind": "ivp",
                "start_year": 2021,
                "end_year": 2021,
                "municipalities": [world.epe.pk],
            },
        ),
        ("organisations", {"name": "GGD", "kind": "ggd"}),
        ("priorities", {"plan": priority.plan_id, "title": "P"}),
    ]:
        assert (
            client.post(f"/api/v1/{resource}/", payload, format="json").status_code
            == 403
        )
    assert {m: m.objects.count() for m in counts} == counts


def test_organisations_officers_add_but_only_the_beheerder_changes(world):
    officer = _client(world.users["oov.epe"])
    response = officer.post(
        "/api/v1/organisations/", {"name": "GGD NOG", "kind": "ggd"}, format="json"
    )
    assert response.status_code == 201
    url = f"/api/v1/organisations/{world.hattem.pk}/"
    assert officer.patch(url, {"name": "Hatem"}, format="json").status_code == 403
    assert officer.delete(url).status_code == 403
    assert Organisation.objects.get(pk=world.hattem.pk).name == "Hattem"
    beheerder = _client(world.users["beheerder"])
    assert (
        beheerder.patch(url, {"name": "Hattem (Gld)"}, format="json").status_code == 200
    )


def test_officer_plans_only_for_its_own_municipalities(world):
    client = _client(world.users["oov.epe"])
    payload = {
        "title": "P",
        "slug": "p-epe",
        "kind": "ivp",
        "start_year": 2021,
        "end_year": 2022,
    }
    response = client.post(
        "/api/v1/plans/",
        {**payload, "municipalities": [world.epe.pk, world.hattem.pk]},
        format="json",
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/plans/", {**payload, "municipalities": [world.epe.pk]}, format="json"
    )
    assert response.status_code == 201
    assert list(Plan.objects.get(slug="p-epe").municipalities.all()) == [world.epe]
