"""The personal agenda feed (iCal) and the reminder settings page."""

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from actions.models import ReminderSettings
from policies.models import Membership

from .factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def epe_officer():
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    hattem = MunicipalityFactory(name="Hattem", cbs_code="GM0244")
    shared = PlanFactory(title="Veluwe-Noord", municipalities=[epe, hattem])
    hattem_plan = PlanFactory(title="IVP Hattem", municipalities=[hattem])
    priority = PriorityFactory(plan=shared)
    ActionFactory(
        priority=priority, owners=[epe], title="Damocles", deadline=dt.date(2021, 4, 15)
    )
    ActionFactory(
        priority=priority,
        owners=[hattem],
        title="Lessons learned",
        deadline=dt.date(2021, 4, 15),
    )
    meeting = MeetingFactory(
        date=dt.date(2021, 6, 17), preparation_deadline=dt.date(2021, 6, 3)
    )
    meeting.plans.add(shared)
    secret = MeetingFactory(date=dt.date(2021, 7, 1))
    secret.plans.add(hattem_plan)
    user = UserFactory(username="oov.epe", is_staff=True)
    Membership.objects.create(user=user, organisation=epe, role="officer")
    return user


def _events(content):
    calendar = icalendar.Calendar.from_ical(content)
    return {str(e["summary"]): e["dtstart"].dt for e in calendar.walk("VEVENT")}


def test_feed_lists_own_deadlines_and_visible_meetings_only(epe_officer, client):
    prefs = ReminderSettings.objects.create(user=epe_officer)
    response = client.get(reverse("actions:agenda-feed", args=[prefs.feed_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = _events(response.content)
    assert events["Deadline: Damocles"] == dt.date(2021, 4, 15)
    assert "Deadline: Lessons learned" not in events  # Hattem's action
    assert dt.date(2021, 6, 17) in events.values()
    assert dt.date(2021, 6, 3) in events.values()  # the preparation deadline
    assert dt.date(2021, 7, 1) not in events.values()  # a meeting of Hattem's own plan


def test_unknown_feed_secret_is_404(client):
    assert (
        client.get(reverse("actions:agenda-feed", args=["geheim"])).status_code == 404
    )


def test_resetting_the_feed_retires_the_old_address(epe_officer, client):
    client.force_login(epe_officer)
    page = client.get(reverse("actions:reminder-settings"))
    assert page.status_code == 200
    old = ReminderSettings.objects.get(user=epe_officer).feed_token
    assert old in page.content.decode()
    assert client.post(reverse("actions:reset-feed")).status_code == 302
    new = ReminderSettings.objects.get(user=epe_officer).feed_token
    assert new != old
    assert client.get(reverse("actions:agenda-feed", args=[old])).status_code == 404
    assert client.get(reverse("actions:agenda-feed", args=[new])).status_code == 200


def test_user_chooses_the_reminder_frequency(epe_officer, client):
    client.force_login(epe_officer)
    page = client.get(reverse("actions:reminder-settings")).content.decode()
    assert "Hoe vaak wilt u deze mail ontvangen?" in page
    response = client.post(
        reverse("actions:reminder-settings"), {"frequency": "weekly"}
    )
    assert response.status_code == 302
    assert ReminderSettings.objects.get(user=epe_officer).frequency == "weekly"
    response = client.post(
        reverse("actions:reminder-settings"), {"frequency": "elk uur"}
    )
    assert response.status_code == 200
    assert ReminderSettings.objects.get(user=epe_officer).frequency == "weekly"


def test_settings_page_needs_login(client):
    response = client.get(reverse("actions:reminder-settings"))
    assert response.status_code == 302
