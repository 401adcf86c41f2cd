"""The API's list of actions writes every field as DRF's own serializer machinery would.

The list reads its fields without DRF's per-field lookup (actions/api/serializers.py,
field_readers) and builds the plan, the organisations and the parts once per list: a
script must not see a byte of difference. Pinned twice: one action written out in full,
and every seed action (today and as of a past day) against DRF's own way of reading the
same serializer's fields.
"""

import datetime as dt
import json
import re
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.serializers import SerializerMethodField
from rest_framework.test import APIClient

from actions.api import serializers as action_serializers
from actions.demo import demo_progress_load
from actions.models import Action, Status
from policies.seeds import seeds_load

from .factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PartnerFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from .test_access import World

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _drf_readers(serializer, special):
    """Every field read DRF's way (Field.get_attribute, then to_representation), none
    built by the list; the method fields by their method, whose nested parts are then
    read DRF's way too."""
    return [
        (
            field.field_name,
            getattr(serializer, field.method_name)
            if isinstance(field, SerializerMethodField)
            else action_serializers._drf_reader(field),
        )
        for field in serializer._readable_fields
    ]


def _pages(client, **params):
    rows, page = [], 1
    while True:
        body = client.get("/api/v1/actions/", {**params, "page": page}).content
        data = json.loads(body)
        rows.extend(data["results"])
        if not data["next"]:
            return rows
        page += 1


@time_machine.travel(dt.datetime(2024, 3, 1, 10, 30, tzinfo=dt.UTC), tick=False)
def test_a_shared_action_is_written_out_field_by_field():
    epe = MunicipalityFactory(name="Epe")
    hattem = MunicipalityFactory(name="Hattem")
    police = PartnerFactory(name="Politie")
    plan = PlanFactory(municipalities=[epe, hattem], slug="ivp-epe-hattem")
    priority = PriorityFactory(plan=plan)
    action = ActionFactory(
        priority=priority,
        title="Keurmerk Veilig Ondernemen",
        owners=[hattem, epe],
        budget=Decimal("1234.5"),
        deadline=dt.date(2023, 12, 31),
        deadline_precision="quarter",
    )
    action.partners.add(police)
    meeting = MeetingFactory(date=dt.date(2023, 6, 1))
    meeting.plans.add(plan)
    action.meetings.add(meeting)
    epe_part = ProgressUpdateFactory(
        action=action,
        organisation=epe,
        date=dt.date(2023, 5, 2),
        status=Status.DONE,
        percentage=100,
        text="Epe klaar.",
    )
    action.refresh_from_progress()
    action.refresh_from_db()

    client = _client(UserFactory(username="beheerder", is_superuser=True))
    listed = client.get("/api/v1/actions/").json()["results"]
    detail = client.get(f"/api/v1/actions/{action.pk}/").json()

    expected = {
        "id": action.pk,
        "plan": {"id": plan.pk, "title": plan.title, "slug": "ivp-epe-hattem"},
        "priority": priority.pk,
        "agreement": None,
        "title": "Keurmerk Veilig Ondernemen",
        "description": "",
        "item": "",
        "owners": [epe.pk, hattem.pk],
        "owner_organisations": [
            {"id": epe.pk, "name": "Epe", "kind": "municipality"},
            {"id": hattem.pk, "name": "Hattem", "kind": "municipality"},
        ],
        "owner_role": "",
        "partners": [police.pk],
        "internal_parties": "",
        "parties_text": "",
        "portfolio_holder": "",
        "budget": "1234.50",
        "budget_text": "",
        "deadline": "2023-12-31",
        "deadline_precision": "quarter",
        "deadline_text": "",
        "deadline_display": action.deadline_display,
        "deadline_meeting": None,
        "meetings": [meeting.pk],
        "status": action.status,
        "percentage": action.percentage,
        "last_update_on": "2023-05-02",
        "latest_progress": {
            "id": epe_part.pk,
            "date": "2023-05-02",
            "status": "done",
            "percentage": 100,
            "text": "Epe klaar.",
        },
        "per_owner": [
            {
                "organisation": {"id": epe.pk, "name": "Epe", "kind": "municipality"},
                "status": "done",
                "percentage": 100,
                "date": "2023-05-02",
                "text": "Epe klaar.",
            },
            {
                # Hattem has not reported: no update, so no date and no text.
                "organisation": {
                    "id": hattem.pk,
                    "name": "Hattem",
                    "kind": "municipality",
                },
                "status": "not_started",
                "percentage": None,
                "date": None,
                "text": None,
            },
        ],
        "late": True,
        "in_plan_since": "2021-01-01",
        "unplanned": False,
        "added_on": None,
        "added_on_precision": "day",
        "note": "",
        "position": 0,
        "version": action.version,
        "created_at": "2024-03-01T11:30:00+01:00",
        "updated_at": "2024-03-01T11:30:00+01:00",
    }
    assert list(listed[0]) == list(expected)  # the order of the keys too
    assert listed == [expected]
    assert detail == expected


@pytest.fixture
def seeded():
    seeds_load()
    demo_progress_load()
    # Shared actions among them: one whose progress was reported for the action as a
    # whole, one where one trekker has reported its part and the other not.
    action = Action.objects.filter(owners__isnull=False).order_by("pk").first()
    other = MunicipalityFactory(name="Tweede trekker")
    action.owners.add(other)
    shared = ActionFactory(
        priority=action.priority, owners=[*action.owners.all()], position=99
    )
    ProgressUpdateFactory(action=shared, organisation=other, text="Mijn deel.")
    shared.refresh_from_progress()
    return _client(UserFactory(username="beheerder", is_superuser=True))


@pytest.mark.parametrize("params", [{}, {"as_of": "2022-06-30"}])
def test_every_seed_action_reads_as_drf_writes_it(seeded, params):
    fast = _pages(seeded, page_size=40, **params)
    cache.clear()  # the page cache would answer the same URLs with the same bytes
    with mock.patch.object(action_serializers, "field_readers", _drf_readers):
        drf = _pages(seeded, page_size=40, **params)
    assert len(fast) > 80  # three pages
    assert any(row["per_owner"] for row in fast)
    assert any(part["date"] is None for row in fast for part in row["per_owner"])
    assert json.dumps(fast) == json.dumps(drf)


def test_the_browsable_form_offers_only_what_the_officer_sees(client):
    """The choices of the related fields are narrowed when asked (the form), not when
    the serializer is made: the form must still offer only the officer's own."""
    world = World()
    client.force_login(world.users["oov.epe"])
    html = client.get("/api/v1/actions/", HTTP_ACCEPT="text/html").content.decode()
    options = {
        name: set(re.findall(r'<option value="(\d+)"', body))
        for name, body in re.findall(
            r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', html, re.S
        )
    }
    priorities = {str(world.objects[s]["priority"].pk) for s in ("shared", "epe")}
    assert options["priority"] == priorities
    assert str(world.epe.pk) in options["owners"]
    meetings = {str(world.objects[s]["meeting"].pk) for s in ("shared", "epe")}
    assert options["meetings"] == meetings


def test_a_change_answers_with_the_relations_it_made():
    """A PATCH answers with the owners, partners and meetings it has just set, not
    those read before (the list's plain lists are for reading only)."""
    epe, hattem = MunicipalityFactory(name="Epe"), MunicipalityFactory(name="Hattem")
    police = PartnerFactory(name="Politie")
    plan = PlanFactory(municipalities=[epe, hattem])
    action = ActionFactory(priority=PriorityFactory(plan=plan), owners=[epe])
    meeting = MeetingFactory()
    meeting.plans.add(plan)
    client = _client(UserFactory(username="beheerder", is_superuser=True))
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {
            "owners": [epe.pk, hattem.pk],
            "partners": [police.pk],
            "meetings": [meeting.pk],
            "version": action.version,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["owners"] == [epe.pk, hattem.pk]
    assert [o["name"] for o in data["owner_organisations"]] == ["Epe", "Hattem"]
    assert [p["organisation"]["name"] for p in data["per_owner"]] == ["Epe", "Hattem"]
    assert data["partners"] == [police.pk]
    assert data["meetings"] == [meeting.pk]
    assert client.get(f"/api/v1/actions/{action.pk}/").json() == data
