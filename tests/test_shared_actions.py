"""Shared actions: an action with several trekkers keeps a status and progress per
trekker, each officer reports their own part, and the action's status sums them up."""

import datetime as dt
import itertools
import zoneinfo

import pytest
import time_machine
from django.db.models import Count
from django.urls import reverse

from actions.demo import demo_progress_load
from actions.models import Action, ProgressUpdate, Status
from actions.models.status import combined_status
from actions.reminders import collect, round_open, round_status
from policies.demo import demo_users_load
from policies.models import Membership, Organisation
from policies.seeds import seeds_load

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
PVA = "Iedere gemeente heeft een lokaal pva ondermijning."


@pytest.fixture
def veluwe(client):
    seeds_load()
    demo_progress_load()
    demo_users_load(password="demo-wachtwoord-2021")
    return Action.objects.get(title=PVA)


def officer_of(name):
    return Membership.objects.get(organisation__name=name, role="officer").user


def parts_by_name(action):
    return {part.organisation.name: part.status for part in action.split().parts}


def test_epe_reports_the_shared_ondermijning_action_done_for_epe_only(veluwe, client):
    before = veluwe.status
    assert before == Status.AT_RISK  # the demo progress, for the action as a whole
    client.force_login(officer_of("Epe"))
    response = client.post(
        reverse("entry:progress", args=[veluwe.pk]),
        {"status": "done", "percentage": "100", "text": "Pva vastgesteld door B&W"},
    )
    assert response.status_code == 302
    veluwe.refresh_from_db()
    parts = parts_by_name(veluwe)
    assert parts["Epe"] == Status.DONE
    assert {parts[name] for name in parts if name != "Epe"} == {Status.AT_RISK}
    # Not done for all six: the action is still at risk, as the other five are.
    assert veluwe.status == Status.AT_RISK
    update = veluwe.progress_updates.latest()
    assert update.organisation.name == "Epe"

    page = client.get(response.url).content.decode()
    assert (
        "Voortgang opgeslagen voor “Iedere gemeente heeft een lokaal pva "
        "ondermijning.”, het deel van Epe: afgerond." in page
    )
    assert "1 van 6 trekkers afgerond" in page
    assert "Pva vastgesteld door B&amp;W" in page


def test_the_action_is_done_when_all_six_are(veluwe, client):
    for organisation in veluwe.owners.order_by("name"):
        assert veluwe.status != Status.DONE
        veluwe.record_progress(
            by=officer_of(organisation.name),
            organisation=organisation,
            status=Status.DONE,
            text="Vastgesteld",
        )
    veluwe.refresh_from_db()
    assert veluwe.status == Status.DONE
    assert veluwe.percentage == 100
    assert veluwe.split().done == 6


def test_another_officer_cannot_report_for_epe(veluwe, client):
    epe = Organisation.objects.get(name="Epe")
    client.force_login(officer_of("Elburg"))
    count = ProgressUpdate.objects.count()
    # The page offers Elburg only; a posted Epe is not taken.
    response = client.post(
        reverse("entry:progress", args=[veluwe.pk]),
        {"organisation": epe.pk, "status": "done", "text": "Namens Epe"},
    )
    assert response.status_code == 302
    assert veluwe.progress_updates.latest().organisation.name == "Elburg"
    assert parts_by_name(Action.objects.get(pk=veluwe.pk))["Epe"] == Status.AT_RISK
    # Through the API: refused, nothing saved.
    response = client.post(
        "/api/v1/progress-updates/",
        {"action": veluwe.pk, "organisation": epe.pk, "status": "done", "text": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    # Nor for the action as a whole, which would report for all six.
    response = client.post(
        "/api/v1/progress-updates/",
        {"action": veluwe.pk, "status": "done", "text": "Voor iedereen"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert ProgressUpdate.objects.count() == count + 1


def test_a_trekker_that_is_not_a_trekker_is_refused(veluwe, client):
    beheerder = UserFactory(is_superuser=True)
    client.force_login(beheerder)
    police = Organisation.objects.get(name="Politie basisteam Veluwe-Noord")
    response = client.post(
        "/api/v1/progress-updates/",
        {"action": veluwe.pk, "organisation": police.pk, "status": "done", "text": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "trekkers" in response.json()["organisation"][0]


def test_api_shows_the_split(veluwe, client):
    epe = Organisation.objects.get(name="Epe")
    veluwe.record_progress(
        by=officer_of("Epe"), organisation=epe, status=Status.DONE, text="Klaar"
    )
    client.force_login(officer_of("Epe"))
    body = client.get(f"/api/v1/actions/{veluwe.pk}/").json()
    assert body["status"] == "at_risk"
    per_owner = {row["organisation"]["name"]: row for row in body["per_owner"]}
    assert len(per_owner) == 6
    assert per_owner["Epe"]["status"] == "done"
    assert per_owner["Epe"]["text"] == "Klaar"
    assert per_owner["Heerde"]["status"] == "at_risk"
    single = (
        Action.objects.annotate(n=Count("owners"))
        .filter(n=1, owners__name="Epe")
        .first()
    )
    assert client.get(f"/api/v1/actions/{single.pk}/").json()["per_owner"] == []


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["done", "done"], "done"),
        (["done", "at_risk", "ongoing"], "at_risk"),
        (["done", "not_started"], "ongoing"),
        (["not_started", "not_started"], "not_started"),
        (["done", "cancelled"], "done"),
        (["cancelled", "cancelled"], "cancelled"),
        (["done", "continuous"], "continuous"),
        (["ongoing", "continuous"], "ongoing"),
    ],
)
def test_combined_status_rule(statuses, expected):
    assert combined_status(statuses) == expected


@pytest.fixture
def three_trekkers():
    municipalities = MunicipalityFactory.create_batch(3)
    plan = PlanFactory(municipalities=municipalities)
    action = ActionFactory(
        priority=PriorityFactory(plan=plan), in_plan_since=dt.date(2021, 1, 1)
    )
    action.owners.set(municipalities)
    return action, municipalities


def test_as_of_a_past_day_follows_the_same_rule(three_trekkers):
    action, (a, b, c) = three_trekkers
    ProgressUpdateFactory(action=action, date=dt.date(2021, 2, 1), status="ongoing")
    ProgressUpdateFactory(
        action=action, organisation=a, date=dt.date(2021, 3, 1), status="done"
    )
    ProgressUpdateFactory(
        action=action, organisation=b, date=dt.date(2021, 4, 1), status="at_risk"
    )
    ProgressUpdateFactory(
        action=action, organisation=b, date=dt.date(2021, 5, 1), status="done"
    )
    ProgressUpdateFactory(
        action=action, organisation=c, date=dt.date(2021, 6, 1), status="done"
    )

    def on(day):
        status_on = Action.objects.as_of(day).get(pk=action.pk).status_on
        # Worked out once per row in a WITH clause (the dashboard's way): the same.
        once = Action.objects.filter(pk=action.pk).as_of(day, once=True).get()
        assert once.status_on == status_on, day
        return status_on

    assert on(dt.date(2021, 1, 15)) == "not_started"  # progress came later
    assert on(dt.date(2021, 2, 15)) == "ongoing"  # for the whole action
    assert on(dt.date(2021, 3, 15)) == "ongoing"  # a done, b and c ongoing
    assert on(dt.date(2021, 4, 15)) == "at_risk"  # b at risk
    assert on(dt.date(2021, 5, 15)) == "ongoing"  # c still ongoing
    assert on(dt.date(2021, 6, 15)) == "done"
    action.refresh_from_db()
    assert action.status == "done"


def test_sql_and_python_agree_on_every_pair_of_statuses(
    three_trekkers, django_assert_num_queries
):
    """as_of() in SQL (inline and once per row in a WITH clause) and
    refresh_from_progress in Python ask one rule; compare them for every combination
    of two parts, in one query each a day."""
    action, (a, b, c) = three_trekkers
    action.owners.set([a, b])
    day = dt.date(2021, 1, 1)
    for first, second in itertools.product(Status.values, repeat=2):
        day += dt.timedelta(days=1)
        ProgressUpdateFactory(action=action, organisation=a, date=day, status=first)
        ProgressUpdateFactory(action=action, organisation=b, date=day, status=second)
        with django_assert_num_queries(2):
            on = Action.objects.as_of(day).get(pk=action.pk).status_on
            once = (
                Action.objects.filter(pk=action.pk)
                .as_of(day, once=True)
                .get()
                .status_on
            )
        action.refresh_from_db()
        assert on == once == action.status == combined_status([first, second]), (
            first,
            second,
        )


def test_an_action_with_one_trekker_follows_its_latest_update():
    action = ActionFactory(in_plan_since=dt.date(2021, 1, 1))
    action.owners.set([MunicipalityFactory()])
    ProgressUpdateFactory(action=action, date=dt.date(2021, 2, 1), status="at_risk")
    ProgressUpdateFactory(
        action=action, date=dt.date(2021, 3, 1), status="ongoing", percentage=40
    )
    action.refresh_from_db()
    assert (action.status, action.percentage) == ("ongoing", 40)
    assert action.split() is None
    assert Action.objects.as_of(dt.date(2021, 2, 2)).get().status_on == "at_risk"


def test_mijn_acties_shows_the_officers_own_part(veluwe, client):
    june_1 = dt.datetime(2021, 6, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    client.force_login(officer_of("Epe"))
    with time_machine.travel(june_1, tick=False):
        page = client.get(reverse("actions:my-actions")).content.decode()
        assert PVA in page  # due 17 June
        assert "Gedeelde actie: 0 van 6 trekkers afgerond." in page
        assert "Uw deel (Epe): risico / vertraagd." in page
        response = client.post(
            reverse("actions:quick-update", args=[veluwe.pk]),
            {f"a{veluwe.pk}-status": "done", f"a{veluwe.pk}-text": "Vastgesteld"},
        )
        assert response.status_code == 302
        # Epe's part is done: nothing left for Epe, still for Elburg.
        page = client.get(reverse("actions:my-actions")).content.decode()
        assert f'id="actie-{veluwe.pk}"' not in page
        client.force_login(officer_of("Elburg"))
        page = client.get(reverse("actions:my-actions")).content.decode()
        assert "Gedeelde actie: 1 van 6 trekkers afgerond." in page
    assert veluwe.progress_updates.latest().organisation.name == "Epe"


@pytest.mark.parametrize("count", [3, 30])
def test_mijn_acties_asks_no_query_per_shared_action(
    client, count, django_assert_max_num_queries
):
    epe, heerde = MunicipalityFactory(name="Epe"), MunicipalityFactory(name="Heerde")
    plan = PlanFactory(municipalities=[epe, heerde])
    priority = PriorityFactory(plan=plan)
    for _ in range(count):
        action = ActionFactory(
            priority=priority, owners=[epe, heerde], deadline=dt.date(2021, 6, 10)
        )
        ProgressUpdateFactory(action=action, organisation=heerde, status="done")
    user = UserFactory()
    Membership.objects.create(user=user, organisation=epe, role="officer")
    client.force_login(user)
    june_1 = dt.datetime(2021, 6, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    with time_machine.travel(june_1, tick=False), django_assert_max_num_queries(10):
        response = client.get(reverse("actions:my-actions"))
    rows = response.context["rows"]
    assert len(rows) == count
    assert "Uw deel (Epe): niet gestart." in response.content.decode()
    assert all(row["split"].done == 1 for row in rows)


def test_progress_round_waits_for_every_trekkers_part(veluwe):
    meeting = veluwe.meetings.get(date=dt.date(2021, 6, 17))
    may_20 = dt.datetime(
        2021, 5, 20, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam")
    )
    with time_machine.travel(may_20, tick=False):
        progress_round, _sent = round_open(
            meeting=meeting, user=UserFactory(is_superuser=True)
        )
        veluwe.record_progress(
            by=officer_of("Epe"),
            organisation=Organisation.objects.get(name="Epe"),
            status=Status.DONE,
            text="Vastgesteld",
        )
        row = next(r for r in round_status(progress_round) if r.action == veluwe)
    assert not row.updated
    assert row.waiting == ("Elburg", "Hattem", "Heerde", "Nunspeet", "Oldebroek")


def test_reminders_skip_a_trekker_whose_part_is_done(veluwe):
    veluwe.record_progress(
        by=officer_of("Epe"),
        organisation=Organisation.objects.get(name="Epe"),
        status=Status.DONE,
        text="Vastgesteld",
        date=dt.date(2021, 5, 1),
    )
    # Fourteen days before the deadline of 17 June, the others are reminded.
    per_user = collect(dt.date(2021, 6, 3))

    def reminded(name):
        items = per_user.get(officer_of(name), [])
        return any(item.action.pk == veluwe.pk for item in items)

    assert not reminded("Epe")
    assert reminded("Elburg") and reminded("Oldebroek")


def test_a_new_trekker_holds_the_shared_action_back(client, three_trekkers):
    action, (a, b, c) = three_trekkers
    action.owners.set([a, b])
    for organisation in (a, b):
        ProgressUpdateFactory(action=action, organisation=organisation, status="done")
    action.refresh_from_db()
    assert action.status == "done"
    client.force_login(UserFactory(is_superuser=True))
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"owners": [a.pk, b.pk, c.pk], "version": action.version},
        content_type="application/json",
    )
    assert response.status_code == 200
    # c has not reported: done for two of three, in progress as a whole.
    assert response.json()["status"] == "ongoing"
    action.refresh_from_db()
    assert action.status == "ongoing"
    assert action.split().done == 2


def test_percentage_on_a_past_day_sums_up_the_parts_as_today(three_trekkers):
    """with_latest_progress(on=) in SQL and refresh_from_progress in Python agree on
    the percentage of a shared action, not the latest trekker's."""
    action, (a, b, c) = three_trekkers

    def on(day):
        row = Action.objects.with_latest_progress(on=day).get(pk=action.pk)
        return row.percentage_as_of(row.latest_date, row.latest_percentage)

    ProgressUpdateFactory(
        action=action, date=dt.date(2021, 1, 5), status="ongoing", percentage=20
    )
    assert on(dt.date(2021, 1, 6)) == 20  # one update for the whole action
    day = dt.date(2021, 2, 1)
    values = [("done", None), ("done", 100), ("ongoing", 25), ("ongoing", None)]
    values += [("cancelled", None), ("at_risk", 40), ("not_started", None)]
    for (s1, p1), (s2, p2) in itertools.product(values, repeat=2):
        day += dt.timedelta(days=1)
        ProgressUpdateFactory(
            action=action, organisation=a, date=day, status=s1, percentage=p1
        )
        ProgressUpdateFactory(
            action=action, organisation=b, date=day, status=s2, percentage=p2
        )
        action.refresh_from_db()
        assert on(day) == action.percentage, (s1, p1, s2, p2, on(day))
    # a and b done; c only has the update for the whole action (20%).
    ProgressUpdateFactory(action=action, organisation=a, date=day, status="done")
    ProgressUpdateFactory(action=action, organisation=b, date=day, status="done")
    action.refresh_from_db()
    assert on(day) == action.percentage == 73  # (100 + 100 + 20) / 3
    assert on(dt.date(2021, 1, 1)) is None  # all progress came later
