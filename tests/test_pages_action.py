"""The action page: details, owners, partners, deadline, the progress timeline and the
recorded changes (django-simple-history)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action, ProgressUpdate, Status
from policies.models import Organisation

from .factories import UserFactory, dashboard_actions, dashboard_plan
from .queries import PAGE_MAX_QUERIES

pytestmark = pytest.mark.django_db

MAX_QUERIES = PAGE_MAX_QUERIES


@pytest.fixture
def action_with_history():
    plan, reader = dashboard_plan()
    municipalities = list(plan.municipalities.order_by("pk"))
    action = Action.objects.create(
        priority=plan.priorities.get(code="1.1"),
        title="Buurtpreventie uitbreiden",
        deadline=dt.date(2021, 6, 30),
    )
    action.owners.set([municipalities[0]])
    action.partners.set([plan.partners.get()])
    action.meetings.set(plan.meetings.all()[:1])
    # Two changes: a new deadline, and a second owner.
    action.deadline = dt.date(2021, 9, 30)
    action.save()
    action.owners.add(municipalities[1])
    ProgressUpdate.objects.create(
        action=action,
        date=dt.date(2021, 3, 1),
        status=Status.ONGOING,
        text="Gestart in wijk A.",
    )
    ProgressUpdate.objects.create(
        action=action,
        date=dt.date(2021, 5, 1),
        status=Status.AT_RISK,
        text="Vrijwilligers ontbreken.",
    )
    return plan, reader, Action.objects.get(pk=action.pk)


def test_action_page_shows_details_progress_and_changes(client, action_with_history):
    plan, reader, action = action_with_history
    client.force_login(reader)
    response = client.get(reverse("reports:action", args=[action.pk]))
    html = response.content.decode()
    assert action.title in html
    assert "30 september 2021" in html  # the deadline as it now is
    assert "te laat" in html  # at risk and past its deadline
    for organisation in Organisation.objects.filter(owned_actions=action):
        assert organisation.name in html
    assert plan.partners.get().name in html
    # Progress, newest first.
    assert html.index("Vrijwilligers ontbreken.") < html.index("Gestart in wijk A.")
    # The changes, from the history, with what was and what became.
    changes = [c for entry in response.context["history"] for c in entry["changes"]]
    deadline = next(c for c in changes if c["field"] == "deadline")
    assert (deadline["old"], deadline["new"]) == ("30 juni 2021", "30 september 2021")
    assert any(
        c["field"] == Action._meta.get_field("owners").verbose_name for c in changes
    )
    assert "Wijzigingen" in html


def test_reader_gets_no_change_link_but_a_beheerder_does(client, action_with_history):
    _, reader, action = action_with_history
    url = reverse("reports:action", args=[action.pk])
    edit = reverse("entry:action-edit", args=[action.pk])
    client.force_login(reader)
    assert edit not in client.get(url).content.decode()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert edit in client.get(url).content.decode()


def test_action_of_another_plan_is_404(client, action_with_history):
    _, _, action = action_with_history
    client.force_login(UserFactory())
    assert client.get(reverse("reports:action", args=[action.pk])).status_code == 404


def test_action_page_query_count_is_the_same_for_20_and_500_actions(
    client, action_with_history
):
    plan, reader, action = action_with_history
    client.force_login(reader)
    url = reverse("reports:action", args=[action.pk])
    dashboard_actions(plan, 20)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    dashboard_actions(plan, 480)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large) <= MAX_QUERIES


def test_history_costs_the_same_queries_for_2_and_12_changes(
    client, action_with_history
):
    _, reader, action = action_with_history
    client.force_login(reader)
    url = reverse("reports:action", args=[action.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        action.refresh_from_db()
        action.budget = 1000 + n
        action.owners.set(
            Organisation.objects.filter(owned_actions=action)[:1] if n % 2 else []
        )
        action.save()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["history"]) >= 12
    assert len(few) == len(many)


def test_action_written_without_history_shows_its_page(client, action_with_history):
    """An action bulk-inserted (as the national dataset is) has no recorded changes;
    its page said 500 instead of showing it."""
    _, reader, action = action_with_history
    action.history.all().delete()
    client.force_login(reader)
    response = client.get(reverse("reports:action", args=[action.pk]))
    assert response.status_code == 200
    assert action.title in response.content.decode()
    assert response.context["history"] == []
