"""Reminder digests: who gets what on which day, once, within the permission rule."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from actions.models import Action, Meeting, ReminderSettings
from actions.reminders import reminders_send
from policies.demo import demo_users_load
from policies.models import Membership, Plan
from policies.seeds import seeds_load

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def veluwe_noord():
    seeds_load()
    demo_users_load(password="demo-wachtwoord-2021")
    return Plan.objects.get(slug="veluwe-noord-uvp-2021")


def _titles(message):
    return message.body


def test_on_1_june_2021_each_owner_gets_the_17_june_agenda_once(
    veluwe_noord, mailoutbox
):
    with time_machine.travel(
        dt.datetime(2021, 6, 1, 7, 0, tzinfo=AMSTERDAM), tick=False
    ):
        call_command("send_reminders")
        call_command("send_reminders")  # cron ran twice: nothing is sent twice
    meeting = Meeting.objects.get(plans=veluwe_noord, date=dt.date(2021, 6, 17))
    by_recipient = {m.to[0]: m for m in mailoutbox}
    municipalities = veluwe_noord.municipalities.all()
    assert set(by_recipient) == {
        f"oov.{m.name.lower()}@example.org" for m in municipalities
    }
    for municipality in municipalities:
        message = by_recipient[f"oov.{municipality.name.lower()}@example.org"]
        expected = set(
            meeting.actions.filter(owners=municipality).values_list("title", flat=True)
        )
        mentioned = {a.title for a in Action.objects.all() if a.title in message.body}
        assert mentioned == expected, municipality.name
        assert "3 juni 2021" in message.body  # the preparation deadline
        html = message.alternatives[0][0]
        assert "<html lang=" in html and "<ul>" in html
    hattem = by_recipient["oov.hattem@example.org"]
    assert "3 acties vragen uw aandacht" in hattem.subject
    assert "Actualisatie en uitvoeren Bibob beleid" not in hattem.body  # Epe's action
    assert (
        "Actualisatie en uitvoeren Bibob beleid"
        in by_recipient["oov.epe@example.org"].body
    )


def test_opt_out_and_weekly_digest(veluwe_noord, mailoutbox):
    epe = Membership.objects.get(organisation__name="Epe", role="officer").user
    hattem = Membership.objects.get(organisation__name="Hattem", role="officer").user
    ReminderSettings.objects.create(user=epe, frequency="never")
    ReminderSettings.objects.create(user=hattem, frequency="weekly")
    reminders_send(today=dt.date(2021, 6, 1))  # a Tuesday
    recipients = {m.to[0] for m in mailoutbox}
    assert "oov.epe@example.org" not in recipients
    assert "oov.hattem@example.org" not in recipients
    assert "oov.heerde@example.org" in recipients


@pytest.fixture
def epe_world():
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    hattem = MunicipalityFactory(name="Hattem", cbs_code="GM0244")
    plan = PlanFactory(municipalities=[epe, hattem], start_year=2021, end_year=2021)
    officer = UserFactory(username="oov.epe", email="oov.epe@example.org")
    Membership.objects.create(user=officer, organisation=epe, role="officer")
    other = UserFactory(username="oov.hattem", email="oov.hattem@example.org")
    Membership.objects.create(user=other, organisation=hattem, role="officer")
    coordinator = UserFactory(username="secretaris", email="secretaris@example.org")
    Membership.objects.create(user=coordinator, organisation=epe, role="reader")
    plan.coordinators.add(coordinator)
    priority = PriorityFactory(plan=plan)
    action = ActionFactory(
        priority=priority, owners=[epe], deadline=dt.date(2021, 9, 9), title="Damocles"
    )
    return action, officer, other, coordinator


@pytest.mark.parametrize(
    ("today", "reason_text"),
    [
        (dt.date(2021, 8, 26), "Over 14 dagen af"),
        (dt.date(2021, 9, 2), "Over 7 dagen af"),
        (dt.date(2021, 9, 8), "Morgen af"),
        (dt.date(2021, 9, 10), "Te laat"),
        (dt.date(2021, 9, 17), "Te laat"),
    ],
)
def test_due_and_overdue_reminders_reach_only_the_owner(
    epe_world, mailoutbox, today, reason_text
):
    action, officer, other, coordinator = epe_world
    reminders_send(today=today)
    assert [m.to for m in mailoutbox] == [["oov.epe@example.org"]]
    assert reason_text in mailoutbox[0].body
    assert "Damocles" in mailoutbox[0].body


@pytest.mark.parametrize(
    "today", [dt.date(2021, 8, 27), dt.date(2021, 9, 11), dt.date(2021, 9, 9)]
)
def test_no_reminder_on_other_days(epe_world, mailoutbox, today):
    reminders_send(today=today)
    assert mailoutbox == []


def test_escalation_to_the_coordinator_when_the_owner_does_not_react(
    epe_world, mailoutbox
):
    action, officer, other, coordinator = epe_world
    reminders_send(today=dt.date(2021, 9, 23))
    escalation = [m for m in mailoutbox if m.to == ["secretaris@example.org"]]
    assert len(escalation) == 1
    assert "Damocles" in escalation[0].body
    assert "zonder reactie" in escalation[0].body


def test_no_escalation_when_the_owner_reported_progress(epe_world, mailoutbox):
    action, *_ = epe_world
    action.progress_updates.create(
        date=dt.date(2021, 9, 12), status="at_risk", text="Vertraagd"
    )
    reminders_send(today=dt.date(2021, 9, 23))
    assert not [m for m in mailoutbox if m.to == ["secretaris@example.org"]]


def test_done_actions_are_not_chased(epe_world, mailoutbox):
    action, *_ = epe_world
    action.progress_updates.create(
        date=dt.date(2021, 8, 1), status="done", text="Klaar"
    )
    reminders_send(today=dt.date(2021, 8, 26))
    assert mailoutbox == []


def test_stale_actions_are_reported(epe_world, mailoutbox, settings):
    action, *_ = epe_world
    settings.REMINDER_STALE_DAYS = 30
    action.deadline = None
    action.save()
    action.progress_updates.create(
        date=dt.date(2021, 3, 1), status="ongoing", text="Gestart"
    )
    reminders_send(today=dt.date(2021, 3, 31))
    assert len(mailoutbox) == 1
    assert "Lang niet bijgewerkt" in mailoutbox[0].body


def test_collecting_costs_the_same_queries_for_5_and_50_due_actions():
    """Permissions are asked once per officer, not once per officer and action."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actions.reminders import collect

    from .factories import dashboard_plan

    plan, _ = dashboard_plan()
    officers = []
    for municipality in plan.municipalities.all():
        officer = UserFactory()
        Membership.objects.create(
            user=officer, organisation=municipality, role="officer"
        )
        officers.append(officer)
    day = dt.date(2021, 6, 1)
    due = dt.date(2021, 6, 15)  # in 14 days

    def add(n):
        for i in range(n):
            action = ActionFactory(
                priority=plan.priorities.first(), deadline=due, title=f"Te doen {i}"
            )
            action.owners.set([plan.municipalities.all()[i % 2]])

    add(5)
    with CaptureQueriesContext(connection) as few:
        assert sum(len(items) for items in collect(day).values()) == 5
    add(45)
    with CaptureQueriesContext(connection) as many:
        per_user = collect(day)
    assert sum(len(items) for items in per_user.values()) == 50
    assert set(per_user) == set(officers)
    assert len(few) == len(many)


def test_a_days_selection_costs_the_same_queries_for_2_or_8_municipalities():
    """The day's reminders are chosen in SQL, with who may change what asked for all
    officers at once: more actions, recipients, shared actions, escalations and stale
    actions cost no more queries (bench/reminders.py: a national day)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actions.reminders import collect

    day = dt.date(2021, 9, 23)
    shared = PlanFactory(start_year=2021, end_year=2021)

    def add_municipalities(n):
        for _ in range(n):
            municipality = MunicipalityFactory()
            shared.municipalities.add(municipality)
            plan = PlanFactory(
                start_year=2021, end_year=2021, municipalities=[municipality]
            )
            officer = UserFactory()
            Membership.objects.create(
                user=officer, organisation=municipality, role="officer"
            )
            coordinator = UserFactory()
            Membership.objects.create(
                user=coordinator, organisation=municipality, role="reader"
            )
            plan.coordinators.add(coordinator)
            priority = PriorityFactory(plan=plan)
            for deadline in (
                day + dt.timedelta(days=1),  # due tomorrow
                day - dt.timedelta(days=8),  # overdue, a week on
                day - dt.timedelta(days=14),  # escalation: no update since
            ):
                ActionFactory(
                    priority=priority, deadline=deadline, owners=[municipality]
                )
            part = ActionFactory(  # shared: both this and the first municipality
                priority=PriorityFactory(plan=shared),
                deadline=day + dt.timedelta(days=7),
                owners=[municipality, shared.municipalities.order_by("pk")[0]],
            )
            part.progress_updates.create(
                date=dt.date(2021, 1, 1), status="ongoing", text="Gestart"
            )

    def counted():
        with CaptureQueriesContext(connection) as queries:
            per_user = collect(day)
        return len(queries), sum(len(items) for items in per_user.values())

    add_municipalities(2)
    few_queries, few_items = counted()
    add_municipalities(6)
    many_queries, many_items = counted()
    assert many_items > 3 * few_items
    assert many_queries == few_queries <= 12
