"""Concurrent edits through the API: a write from a stale version is refused (409)."""

import pytest
from rest_framework.test import APIClient

from actions.models import Action

from .factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_and_action():
    epe = MunicipalityFactory(name="Epe")
    plan = PlanFactory(municipalities=[epe])
    action = ActionFactory(priority=PriorityFactory(plan=plan), title="Cameratoezicht")
    user = UserFactory(username="oov.epe")
    user.memberships.create(organisation=epe, role="officer")
    client = APIClient()
    client.force_authenticate(user)
    return client, action


def test_stale_version_is_a_dutch_409_and_changes_nothing(officer_and_action):
    client, action = officer_and_action
    url = f"/api/v1/actions/{action.pk}/"
    started_from = client.get(url).json()["version"]
    first = client.patch(
        url, {"title": "Camera's", "version": started_from}, format="json"
    )
    assert first.status_code == 200
    assert first.json()["version"] == started_from + 1

    second = client.patch(
        url, {"title": "Cameratoezicht centrum", "version": started_from}, format="json"
    )
    assert second.status_code == 409
    detail = second.json()["detail"]
    assert "nadat u begon" in detail
    assert "Camera's" in detail  # what the other person changed
    assert "Er is niets opgeslagen" in detail
    assert "formulier" not in detail
    action.refresh_from_db()
    assert action.title == "Camera's"

    # Starting from the version the message names, the change goes through.
    third = client.patch(
        url,
        {"title": "Cameratoezicht centrum", "version": action.version},
        format="json",
    )
    assert third.status_code == 200
    assert Action.objects.get(pk=action.pk).title == "Cameratoezicht centrum"


def test_full_update_with_stale_version_is_409(officer_and_action):
    client, action = officer_and_action
    url = f"/api/v1/actions/{action.pk}/"
    body = client.get(url).json()
    client.patch(url, {"note": "tussendoor", "version": body["version"]}, format="json")
    response = client.put(url, {**body, "title": "Nieuw"}, format="json")
    assert response.status_code == 409
    assert Action.objects.get(pk=action.pk).title == "Cameratoezicht"


def test_agreements_and_priorities_are_versioned_too(officer_and_action):
    client, action = officer_and_action
    agreement = AgreementFactory(priority=action.priority, text="Afspraak")
    for url, field in [
        (f"/api/v1/agreements/{agreement.pk}/", "text"),
        (f"/api/v1/priorities/{action.priority.pk}/", "title"),
    ]:
        version = client.get(url).json()["version"]
        assert (
            client.patch(
                url, {field: "een", "version": version}, format="json"
            ).status_code
            == 200
        )
        response = client.patch(url, {field: "twee", "version": version}, format="json")
        assert response.status_code == 409, url
        assert client.get(url).json()[field] == "een"


def test_progress_bumps_the_action_version(officer_and_action):
    client, action = officer_and_action
    url = f"/api/v1/actions/{action.pk}/"
    version = client.get(url).json()["version"]
    response = client.post(
        "/api/v1/progress-updates/",
        {"action": action.pk, "status": "done", "text": "Klaar", "date": "2021-05-01"},
        format="json",
    )
    assert response.status_code == 201
    response = client.patch(
        url, {"title": "Oud beeld", "version": version}, format="json"
    )
    assert response.status_code == 409


def test_etag_and_if_match(officer_and_action):
    client, action = officer_and_action
    url = f"/api/v1/actions/{action.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == f'"{action.version}"'
    response = client.patch(url, {"title": "Een"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] == f'"{action.version + 1}"'
    response = client.patch(url, {"title": "Twee"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert "nadat u begon" in response.json()["detail"]
    response = client.patch(
        url, {"title": "Twee"}, format="json", HTTP_IF_MATCH="gisteren"
    )
    assert response.status_code == 412
    assert "If-Match moet de versie" in response.json()["detail"]
    assert Action.objects.get(pk=action.pk).title == "Een"


def test_a_change_that_names_no_version_is_refused_with_428(officer_and_action):
    client, action = officer_and_action
    url = f"/api/v1/actions/{action.pk}/"
    body = client.get(url).json()
    for response in [
        client.patch(url, {"title": "Zonder versie"}, format="json"),
        client.put(
            url, {**body, "version": None, "title": "Zonder versie"}, format="json"
        ),
        client.patch(url, {"title": "Zonder versie"}, format="json", HTTP_IF_MATCH="*"),
    ]:
        assert response.status_code == 428
        assert "Er is niets opgeslagen" in response.json()["detail"]
        assert "If-Match" in response.json()["detail"]
    assert Action.objects.get(pk=action.pk).title == "Cameratoezicht"
    # Not visible stays 404, not allowed stays 403: the version is asked for last.
    other = ActionFactory(title="Elders")
    assert (
        client.patch(f"/api/v1/actions/{other.pk}/", {}, format="json").status_code
        == 404
    )


@pytest.mark.parametrize(
    "resource", ["plans", "meetings", "indicators", "progress-updates"]
)
def test_plans_meetings_indicators_and_progress_carry_a_version(
    officer_and_action, resource
):
    client, action = officer_and_action
    plan = action.priority.plan
    meeting = MeetingFactory()
    meeting.plans.add(plan)
    obj, field = {
        "plans": (plan, "description"),
        "meetings": (meeting, "notes"),
        "indicators": (IndicatorFactory(plan=plan), "description"),
        "progress-updates": (ProgressUpdateFactory(action=action), "text"),
    }[resource]
    url = f"/api/v1/{resource}/{obj.pk}/"
    response = client.get(url)
    version = response.json()["version"]
    assert response["ETag"] == f'"{version}"'

    assert client.patch(url, {field: "een"}, format="json").status_code == 428
    response = client.patch(url, {field: "een", "version": version}, format="json")
    assert response.status_code == 200, response.content
    response = client.patch(url, {field: "twee", "version": version}, format="json")
    assert response.status_code == 409
    assert "oov.epe heeft deze" in response.json()["detail"]
    response = client.patch(
        url, {field: "twee"}, format="json", HTTP_IF_MATCH=f'"{version}"'
    )
    assert response.status_code == 412
    assert client.get(url).json()[field] == "een"
