import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action, ReminderMail, ReminderSettings, Status
from policies.models import AgendaPriority, Membership

from .factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MunicipalityFactory,
    PartnerFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from .forms import admin_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def one_of_everything():
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    police = PartnerFactory(name="Politie basisteam Veluwe-Noord")
    plan = PlanFactory(municipalities=[epe])
    priority = PriorityFactory(plan=plan)
    priority.agenda_priorities.add(
        AgendaPriority.objects.create(plan=plan, level="national", title="Ondermijning")
    )
    AgreementFactory(priority=priority)
    action = ActionFactory(priority=priority, owners=[epe, police])
    ProgressUpdateFactory(action=action)
    meeting = MeetingFactory()
    meeting.plans.add(plan)
    action.meetings.add(meeting)
    MeasurementFactory(indicator=IndicatorFactory(plan=plan, priority=priority))
    Group.objects.create(name="OOV")
    officer = UserFactory()
    Membership.objects.create(user=officer, organisation=epe, role="officer")
    ReminderSettings.objects.create(user=officer)
    ReminderMail.objects.create(user=officer, date=dt.date(2021, 6, 1))


def test_every_admin_page_loads_in_dutch(admin_client, one_of_everything):
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in {"policies", "actions", "auth"}:
            continue  # third-party admins (django-axes) are read-only by design
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, changelist
        assert 'lang="nl"' in response.content.decode()
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        expected = (
            403 if model is ReminderMail else 200
        )  # a log: nobody writes it by hand
        assert admin_client.get(add).status_code == expected, add
        obj = model.objects.first()
        change = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )
        assert admin_client.get(change).status_code == 200, change


def test_admin_index_speaks_dutch(admin_client):
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "Acties" in content
    assert "Voortgangsrapportages" in content
    assert "Plannen" in content


def test_overdue_action_is_marked_in_the_changelist(admin_client):
    ActionFactory(title="Te late actie", deadline=dt.date(2021, 2, 11))
    ActionFactory(
        title="Afgeronde actie", deadline=dt.date(2021, 2, 11), status=Status.DONE
    )
    content = admin_client.get(
        reverse("admin:actions_action_changelist")
    ).content.decode()
    assert content.count('class="ivp-overdue"') == 1
    overdue_only = admin_client.get(
        reverse("admin:actions_action_changelist") + "?overdue=yes"
    ).content.decode()
    assert "Te late actie" in overdue_only
    assert "Afgeronde actie" not in overdue_only


def _create_actions(count):
    municipalities = [MunicipalityFactory() for _ in range(3)]
    plan = PlanFactory(municipalities=municipalities)
    priorities = [PriorityFactory(plan=plan) for _ in range(5)]
    actions = Action.objects.bulk_create(
        Action(
            priority=priorities[i % 5],
            title=f"Actie {i}",
            deadline=dt.date(2021, 6, 17),
        )
        for i in range(count)
    )
    through = Action.owners.through
    through.objects.bulk_create(
        through(action=a, organisation=municipalities[i % 3])
        for i, a in enumerate(actions)
    )


def _changelist_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# The pinned baseline: session read and renewal (with savepoints), user, list filters,
# counts, the page of actions, the owners prefetch, the date hierarchy.
ACTION_CHANGELIST_QUERIES = 16


def test_action_changelist_query_count_does_not_grow_with_rows(admin_client):
    url = reverse("admin:actions_action_changelist") + "?all="
    _create_actions(20)
    with_20 = _changelist_queries(admin_client, url)
    _create_actions(480)
    assert Action.objects.count() == 500
    with_500 = _changelist_queries(admin_client, url)
    assert with_500 == with_20
    assert with_500 <= ACTION_CHANGELIST_QUERIES


def test_progress_update_in_admin_sets_author_and_status(admin_client):
    action = ActionFactory()
    url = reverse("admin:actions_progressupdate_add")
    response = admin_client.post(
        url,
        {
            "action": action.pk,
            "date": "1-3-2021",
            "status": "at_risk",
            "text": "Vertraagd",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action.refresh_from_db()
    assert action.status == Status.AT_RISK
    assert action.progress_updates.get().author.username == "beheerder"


def _fields(fieldsets):
    names = []
    for _name, options in fieldsets:
        for line in options["fields"]:
            names.extend(line if isinstance(line, (list, tuple)) else [line])
    return names


def test_add_action_form_leaves_out_import_leftovers_and_status_follows_progress(
    admin_client,
):
    response = admin_client.get(reverse("admin:actions_action_add"))
    adminform = response.context["adminform"]
    shown = _fields(adminform.fieldsets)
    for leftover in (
        "parties_text",
        "budget_text",
        "position",
        "added_on_precision",
        "deadline_text",
        "item",
    ):
        assert leftover not in shown, leftover
    assert {"status", "percentage"} <= set(adminform.readonly_fields)
    # Status comes last, beside the progress timeline (the inline that sets it).
    assert adminform.fieldsets[-1][1]["fields"] == [
        ("status", "percentage", "last_update_on")
    ]
    html = response.content.decode()
    assert "Status en percentage volgen de laatste voortgangsrapportage" in html
    assert 'name="status"' not in html  # only the progress rows' own status fields


def test_change_action_form_shows_import_leftovers_collapsed_and_read_only(
    admin_client,
):
    action = ActionFactory(parties_text="Gemeente, politie", budget_text="PM")
    response = admin_client.get(
        reverse("admin:actions_action_change", args=[action.pk])
    )
    source = [
        options
        for name, options in response.context["adminform"].fieldsets
        if "parties_text" in options["fields"]
    ]
    assert source and "collapse" in source[0]["classes"]
    html = response.content.decode()
    assert "Zoals in het brondocument" in html
    assert "Gemeente, politie" in html
    assert 'name="parties_text"' not in html
    assert 'name="budget_text"' not in html


def test_status_posted_on_the_action_form_is_ignored(admin_client):
    action = ActionFactory(status=Status.ONGOING)
    url = reverse("admin:actions_action_change", args=[action.pk])
    data = admin_post_data(admin_client.get(url), status=Status.DONE, title="Nieuw")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    action.refresh_from_db()
    assert action.title == "Nieuw"
    assert action.status == Status.ONGOING


@pytest.fixture
def shared_plan_officer(client):
    """An officer of Epe, in a plan Epe shares with Hattem, and one Epe cannot see."""
    epe, hattem = MunicipalityFactory(name="Epe"), MunicipalityFactory(name="Hattem")
    elsewhere = MunicipalityFactory(name="Ergens anders")
    shared = PlanFactory(municipalities=[epe, hattem])
    PlanFactory(municipalities=[elsewhere])
    priority = PriorityFactory(plan=shared)
    officer = UserFactory(username="oov.epe", is_staff=True)
    Membership.objects.create(user=officer, organisation=epe, role="officer")
    client.force_login(officer)
    return {
        "client": client,
        "epe": epe,
        "hattem": hattem,
        "elsewhere": elsewhere,
        "epes": ActionFactory(priority=priority, title="Van Epe", owners=[epe]),
        "hattems": ActionFactory(
            priority=priority, title="Van Hattem", owners=[hattem]
        ),
    }


def test_progress_update_form_offers_only_actions_the_officer_may_change(
    shared_plan_officer,
):
    world = shared_plan_officer
    client = world["client"]
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "actions",
            "model_name": "progressupdate",
            "field_name": "action",
            "term": "Van",
        },
    )
    assert response.status_code == 200
    offered = {int(row["id"]) for row in response.json()["results"]}
    assert offered == {world["epes"].pk}
    # Hattem's action, in a plan the officer sees, is not offered; a post naming it gets
    # the choice list's error rather than a refusal after it.
    response = client.post(
        reverse("admin:actions_progressupdate_add"),
        {
            "action": world["hattems"].pk,
            "date": "1-3-2021",
            "status": "at_risk",
            "text": "Vertraagd",
        },
    )
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not world["hattems"].progress_updates.exists()


def test_action_changelist_municipality_filters_mean_owned_by_and_in_plans_of(
    shared_plan_officer,
):
    world = shared_plan_officer
    client = world["client"]
    url = reverse("admin:actions_action_changelist")
    response = client.get(url)
    html = response.content.decode()
    assert "Op gemeente als trekker" in html
    assert "Op gemeente van het plan" in html
    assert "Ergens anders" not in html  # a municipality the officer sees no plan of
    listed = response.context["cl"].result_list
    assert set(listed) == {world["epes"], world["hattems"]}
    owned = client.get(url, {"municipality": world["epe"].pk}).context["cl"]
    assert list(owned.result_list) == [world["epes"]]
    in_plans = client.get(url, {"plan_municipality": world["epe"].pk}).context["cl"]
    assert set(in_plans.result_list) == {world["epes"], world["hattems"]}


def test_library_text_in_the_admin_is_dutch(admin_client):
    action = ActionFactory()
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Modelnaam" in index and "Model name" not in index
    history = admin_client.get(
        reverse("admin:actions_action_history", args=[action.pk])
    ).content.decode()
    assert "Gewijzigd door" in history and "Changed by" not in history
    assert "Kies hieronder een datum" in history
