"""A deadline written as a meeting ("voor de driehoek van 9 september") is that
meeting, and moves with it."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.urls import reverse

from actions.forms import ActionForm
from actions.models import Action, Meeting
from policies.models import Plan
from policies.seeds import seeds_load

from .factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SEP_9 = dt.date(2021, 9, 9)


@pytest.fixture
def plan_with_driehoek():
    plan = PlanFactory(
        municipalities=[MunicipalityFactory()], start_year=2021, end_year=2021
    )
    driehoek = MeetingFactory(date=SEP_9)
    driehoek.plans.add(plan)
    priority = PriorityFactory(plan=plan)
    tied = ActionFactory(
        priority=priority, deadline=None, deadline_meeting=driehoek, title="Gekoppeld"
    )
    typed = ActionFactory(priority=priority, deadline=dt.date(2021, 9, 5), title="Los")
    return plan, driehoek, tied, typed


def test_the_deadline_is_the_meetings_day(plan_with_driehoek):
    _plan, _driehoek, tied, _typed = plan_with_driehoek
    tied.refresh_from_db()
    assert (tied.deadline, tied.deadline_precision) == (SEP_9, "day")


def test_moving_the_meeting_moves_the_deadline(plan_with_driehoek):
    _plan, driehoek, tied, typed = plan_with_driehoek
    version = Action.objects.get(pk=tied.pk).version
    driehoek.date = dt.date(2021, 9, 2)
    driehoek.save()
    tied.refresh_from_db()
    typed.refresh_from_db()
    assert tied.deadline == dt.date(2021, 9, 2)
    assert tied.version == version + 1  # someone editing the action is told
    assert tied.history.first().deadline == dt.date(2021, 9, 2)
    assert typed.deadline == dt.date(2021, 9, 5)  # a typed deadline stays


def test_meeting_and_deadlines_move_in_one_transaction(plan_with_driehoek):
    _plan, driehoek, tied, _typed = plan_with_driehoek
    driehoek.date = dt.date(2021, 9, 2)
    with (
        mock.patch.object(Action, "save", side_effect=RuntimeError("schijf vol")),
        pytest.raises(RuntimeError),
    ):
        driehoek.save()
    # Neither the meeting nor its action moved: nothing half-saved.
    assert Meeting.objects.get(pk=driehoek.pk).date == SEP_9
    assert Action.objects.get(pk=tied.pk).deadline == SEP_9


def test_deleting_the_meeting_keeps_the_day(plan_with_driehoek):
    _plan, driehoek, tied, _typed = plan_with_driehoek
    driehoek.delete()
    tied.refresh_from_db()
    assert (tied.deadline_meeting, tied.deadline) == (None, SEP_9)


def key_figures(html: str) -> dict[str, int]:
    return {
        key: int(n)
        for key, n in re.findall(
            r'data-key-figure="(\w+)"><dt>.*?</dt><dd>(\d+)</dd>', html, re.S
        )
    }


def test_due_before_the_next_driehoek_follows_the_meeting(client, plan_with_driehoek):
    plan, driehoek, tied, typed = plan_with_driehoek
    client.force_login(UserFactory(is_superuser=True))
    query = {"periode": "kwartaal", "jaar": 2021, "kwartaal": 2}  # state day 30 June

    def due_before():
        html = client.get(reverse("reports:plan", args=[plan.pk]), query)
        return key_figures(html.content.decode())["due_before_meeting"]

    assert due_before() == 2  # the tied one on 9 September, the typed one on the 5th
    driehoek.date = dt.date(2021, 9, 2)
    driehoek.save()
    # The tied action moved with the driehoek; the 5th is now after it.
    assert due_before() == 1


def test_officer_chooses_a_meeting_as_deadline(plan_with_driehoek):
    plan, driehoek, tied, _typed = plan_with_driehoek
    user = UserFactory(is_superuser=True)
    data = {
        "title": "Voor de driehoek",
        "priority": tied.priority_id,
        "deadline_meeting": driehoek.pk,
    }
    form = ActionForm(data, user=user, plan=plan)
    assert form.is_valid(), form.errors
    action = form.save()
    assert (action.deadline, action.deadline_meeting) == (SEP_9, driehoek)
    # Editing it shows the meeting, not a typed date.
    form = ActionForm(instance=action, user=user, plan=plan)
    assert not form.initial.get("deadline_typed")
    # A typed deadline and a meeting at once: which one? Refused, in Dutch.
    form = ActionForm({**data, "deadline_typed": "15-10-2021"}, user=user, plan=plan)
    assert not form.is_valid()
    assert form.errors["deadline_meeting"] == [
        "Typ een deadline of kies een overleg, niet allebei."
    ]


def test_seeds_link_a_deadline_naming_a_driehoek_to_it():
    seeds_load()
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    actions = Action.objects.filter(priority__plan=plan)
    linked = actions.get(deadline_text="9 september Oldebroek")
    assert linked.deadline_meeting.date == SEP_9
    assert linked.deadline_meeting.body == Meeting.Body.DRIEHOEK
    # "18 februari" was moved to the driehoek of 11 February: not the day it names.
    moved = actions.get(deadline_text="Hatterm 18 februari")
    assert moved.deadline_meeting is None
    assert actions.filter(deadline_meeting__isnull=False).count() >= 15


def test_api_ties_a_deadline_to_a_meeting_of_the_plan_only(client, plan_with_driehoek):
    plan, driehoek, _tied, typed = plan_with_driehoek
    elsewhere = MeetingFactory(date=dt.date(2021, 10, 7))
    elsewhere.plans.add(PlanFactory())
    client.force_login(UserFactory(is_superuser=True))

    def patch(meeting):
        version = Action.objects.get(pk=typed.pk).version
        return client.patch(
            f"/api/v1/actions/{typed.pk}/",
            {"deadline_meeting": meeting.pk, "version": version},
            content_type="application/json",
        )

    response = patch(elsewhere)
    assert response.status_code == 400
    assert response.json()["deadline_meeting"] == [
        "Kies een overleg van het plan van deze actie."
    ]
    assert Action.objects.get(pk=typed.pk).deadline == dt.date(2021, 9, 5)
    response = patch(driehoek)
    assert response.status_code == 200
    assert response.json()["deadline"] == "2021-09-09"
    assert response.json()["deadline_meeting"] == driehoek.pk
