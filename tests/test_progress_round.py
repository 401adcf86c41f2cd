"""A progress round per meeting: owners are asked once; the page shows who has reported."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from actions.models import Action, Meeting, ProgressRound
from policies.demo import demo_users_load
from policies.models import Membership, Plan
from policies.seeds import seeds_load

from .factories import UserFactory

pytestmark = pytest.mark.django_db
MAY_20 = dt.datetime(2021, 5, 20, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
def june_meeting():
    seeds_load()
    demo_users_load(password="demo-wachtwoord-2021")
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    return Meeting.objects.get(plans=plan, date=dt.date(2021, 6, 17))


def test_coordinator_opens_the_round_and_sees_who_reported(
    june_meeting, client, mailoutbox
):
    secretary = UserFactory(username="secretaris", email="secretaris@example.org")
    june_meeting.plans.get().coordinators.add(secretary)
    Membership.objects.create(
        user=secretary,
        organisation=june_meeting.plans.get().municipalities.first(),
        role="reader",
    )
    client.force_login(secretary)
    url = reverse("actions:progress-round", args=[june_meeting.pk])
    with time_machine.travel(MAY_20, tick=False):
        assert "Voortgangsronde openen" in client.get(url).content.decode()
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302  # a second click opens nothing new
    assert ProgressRound.objects.filter(meeting=june_meeting).count() == 1
    assert {m.to[0] for m in mailoutbox} == {
        f"oov.{m.name.lower()}@example.org"
        for m in june_meeting.plans.get().municipalities.all()
    }
    assert all("3 juni 2021" in m.body for m in mailoutbox)

    bibob = Action.objects.get(
        title__startswith="Actualisatie en uitvoeren Bibob beleid"
    )
    bibob.progress_updates.create(
        date=dt.date(2021, 5, 25), status="ongoing", text="Concept klaar"
    )
    with time_machine.travel(MAY_20 + dt.timedelta(days=6), tick=False):
        client.force_login(secretary)  # six days later the idle session has expired
        page = client.get(url)
    rows = {row.action.title: row.updated for row in page.context["rows"]}
    assert rows[bibob.title] is True
    assert sum(rows.values()) == 1 and len(rows) == june_meeting.actions.count()
    assert "1 van 5 punten zijn bijgewerkt" in page.content.decode()


def test_an_owner_cannot_open_the_round_of_a_shared_plan(
    june_meeting, client, mailoutbox
):
    epe = Membership.objects.get(organisation__name="Epe", role="officer").user
    client.force_login(epe)
    url = reverse("actions:progress-round", args=[june_meeting.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url)
    assert refused.status_code == 403
    assert (
        "Geen toegang" in refused.content.decode()
    )  # the Dutch page, not an empty one
    assert not ProgressRound.objects.exists()
    assert mailoutbox == []


def test_round_of_an_invisible_meeting_is_404(june_meeting, client):
    outsider = Membership.objects.get(
        organisation__name="Stadskanaal", role="officer"
    ).user
    client.force_login(outsider)
    assert (
        client.get(
            reverse("actions:progress-round", args=[june_meeting.pk])
        ).status_code
        == 404
    )
