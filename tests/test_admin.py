import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action, ReminderMail, ReminderSettings, Status
from policies.models import Membership

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
