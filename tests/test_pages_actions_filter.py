"""The actions of a plan, filtered with the shared ActionFilterSet; the filters live in
the URL so a selection can be shared."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Status
from policies.models import Membership, Priority

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
    dashboard_actions,
    dashboard_plan,
)
from .queries import PAGE_MAX_QUERIES

pytestmark = pytest.mark.django_db

MAX_QUERIES = PAGE_MAX_QUERIES


@pytest.fixture
def plan_and_reader():
    plan, reader = dashboard_plan()
    return plan, reader, dashboard_actions(plan, 30)


def listed(response):
    return {a.pk for a in response.context["page"].object_list}


def test_filters_by_status_owner_priority_deadline_unplanned_and_text(
    client, plan_and_reader
):
    plan, reader, actions = plan_and_reader
    client.force_login(reader)
    url = reverse("reports:plan_actions", args=[plan.pk])
    owner = plan.municipalities.order_by("pk").first()
    sub = plan.priorities.get(code="1.1")
    top = plan.priorities.get(code="1")

    response = client.get(url, {"status": [Status.DONE, Status.AT_RISK]})
    assert listed(response) == {
        a.pk for a in actions if a.status in ("done", "at_risk")
    }
    response = client.get(url, {"owner": owner.pk})
    assert listed(response) == {a.pk for i, a in enumerate(actions) if i % 2 == 0}
    # A priority includes its sub-priorities.
    response = client.get(url, {"priority": top.pk})
    assert listed(response) == {
        a.pk
        for a in actions
        if a.priority_id in {top.pk, sub.pk, plan.priorities.get(code="1.2").pk}
    }
    response = client.get(
        url, {"deadline_after": "2021-03-01", "deadline_before": "2021-05-31"}
    )
    assert listed(response) == {a.pk for a in actions if a.deadline.month in (3, 4, 5)}
    response = client.get(url, {"unplanned": "true"})
    assert listed(response) == {a.pk for a in actions if a.unplanned}
    response = client.get(url, {"q": actions[7].title})
    assert listed(response) == {actions[7].pk}


def test_filter_state_is_in_the_url_and_kept_by_the_form(client, plan_and_reader):
    plan, reader, _ = plan_and_reader
    client.force_login(reader)
    url = reverse("reports:plan_actions", args=[plan.pk])
    html = client.get(url, {"status": "done", "q": "Actie"}).content.decode()
    assert (
        'value="done" checked' in html
        or 'checked value="done"' in html
        or ('value="done"' in html and "checked" in html)
    )
    assert 'value="Actie"' in html
    assert "Het adres van deze pagina bewaart de filters" in html


def test_bad_filter_input_gets_a_dutch_message(client, plan_and_reader):
    plan, reader, _ = plan_and_reader
    client.force_login(reader)
    url = reverse("reports:plan_actions", args=[plan.pk])
    response = client.get(url, {"deadline_after": "gisteren", "status": "onzin"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sommige filters konden niet worden gebruikt" in html
    assert "Voer een geldige datum in." in html


def test_filter_choices_are_limited_to_the_plan(client, plan_and_reader):
    plan, reader, _ = plan_and_reader
    other_priority = PriorityFactory(
        plan=PlanFactory(), title="Prioriteit van een ander plan"
    )
    client.force_login(reader)
    html = client.get(reverse("reports:plan_actions", args=[plan.pk])).content.decode()
    assert other_priority.title not in html
    response = client.get(
        reverse("reports:plan_actions", args=[plan.pk]), {"priority": other_priority.pk}
    )
    assert listed(response) == set()
    assert response.context["form"].errors


def test_filter_choices_are_read_in_order_by_plain_queries(client, plan_and_reader):
    """The selects offer the plan's priorities and trekkers in the narrowed order, each
    list read by one plain query: not through QuerySet.iterator(), which on PostgreSQL
    (CI) is a server-side cursor of three round trips (DECLARE, FETCH, CLOSE)."""
    plan, reader, actions = plan_and_reader
    client.force_login(reader)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(
            reverse("reports:plan_actions", args=[plan.pk])
        ).content.decode()
    assert not [q for q in queries if q["sql"].lstrip().startswith("DECLARE")]

    def offered(name):
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
        return [int(v) for v in re.findall(r'<option value="(\d+)"', select[0])]

    assert offered("priority") == list(
        Priority.objects.filter(plan=plan)
        .order_by("sort_key", "position", "id")
        .values_list("pk", flat=True)
    )
    owners = {o.pk: o.name for a in actions for o in a.owners.all()}
    assert offered("owner") == sorted(owners, key=lambda pk: (owners[pk], pk))


def test_actions_page_query_count_is_the_same_for_20_and_500_actions(client):
    plan, reader = dashboard_plan()
    client.force_login(reader)
    url = reverse("reports:plan_actions", args=[plan.pk]) + "?status=ongoing"
    dashboard_actions(plan, 20)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    dashboard_actions(plan, 480)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(small) == len(large) <= MAX_QUERIES
    assert response.context["page"].paginator.count == 200


def test_all_actions_page_filters_across_plans_by_plan_and_municipality(client):
    plan, reader = dashboard_plan()
    actions = dashboard_actions(plan, 6)
    second = PlanFactory(
        title="Tweede plan", municipalities=[plan.municipalities.first()]
    )
    elsewhere = PriorityFactory(plan=second)
    other = ActionFactory(priority=elsewhere, title="Actie in het tweede plan")
    hidden = ActionFactory(title="Actie van een plan dat de lezer niet ziet")
    client.force_login(reader)
    url = reverse("reports:actions")
    everything = listed(client.get(url))
    assert everything == {a.pk for a in actions} | {other.pk}
    assert hidden.pk not in everything
    assert listed(client.get(url, {"plan": second.pk})) == {other.pk}
    municipality = plan.municipalities.order_by("pk").last()  # only in the first plan
    assert listed(client.get(url, {"plan_municipality": municipality.pk})) == {
        a.pk for a in actions
    }
    # A plan the reader may not see is not a choice: a Dutch error, no rows.
    response = client.get(url, {"plan": hidden.priority.plan.pk})
    assert listed(response) == set()
    assert "Selecteer een geldige keuze" in response.content.decode()


def test_all_actions_page_query_count_is_the_same_for_20_and_500_actions(client):
    plan, reader = dashboard_plan()
    client.force_login(reader)
    url = reverse("reports:actions") + "?status=done&status=at_risk"
    dashboard_actions(plan, 20)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    dashboard_actions(plan, 480)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(small) == len(large) <= MAX_QUERIES
    assert response.context["page"].paginator.count == 200


def shared_plan_of_epe_and_hattem():
    """Epe's own plan, and a plan Epe shares with Hattem in which each owns actions."""
    epe = MunicipalityFactory(name="Epe")
    hattem = MunicipalityFactory(name="Hattem")
    elsewhere = MunicipalityFactory(name="Ergens anders")
    shared = PlanFactory(title="Gedeeld plan", municipalities=[epe, hattem])
    own = PlanFactory(title="Eigen plan van Epe", municipalities=[epe])
    PlanFactory(title="Plan van elders", municipalities=[elsewhere])
    epe_in_shared = ActionFactory(
        priority=PriorityFactory(plan=shared), title="Epe trekt", owners=[epe]
    )
    hattem_in_shared = ActionFactory(
        priority=epe_in_shared.priority, title="Hattem trekt", owners=[hattem]
    )
    both = ActionFactory(
        priority=epe_in_shared.priority, title="Samen", owners=[epe, hattem]
    )
    epe_in_own = ActionFactory(
        priority=PriorityFactory(plan=own), title="Epe alleen", owners=[epe]
    )
    reader = UserFactory()
    Membership.objects.create(user=reader, organisation=epe, role="reader")
    actions = {
        "epe_in_shared": epe_in_shared,
        "hattem_in_shared": hattem_in_shared,
        "both": both,
        "epe_in_own": epe_in_own,
    }
    return {"epe": epe, "hattem": hattem, "elsewhere": elsewhere}, actions, reader


def test_municipality_means_owned_by_and_plan_municipality_in_its_plans(client):
    towns, actions, reader = shared_plan_of_epe_and_hattem()
    epe, hattem = towns["epe"], towns["hattem"]
    client.force_login(reader)
    url = reverse("reports:actions")

    owned_by_epe = {actions[k].pk for k in ("epe_in_shared", "both", "epe_in_own")}
    assert listed(client.get(url, {"municipality": epe.pk})) == owned_by_epe
    assert listed(client.get(url, {"municipality": hattem.pk})) == {
        actions["hattem_in_shared"].pk,
        actions["both"].pk,
    }
    assert listed(client.get(url, {"plan_municipality": epe.pk})) == {
        a.pk for a in actions.values()
    }
    assert listed(client.get(url, {"plan_municipality": hattem.pk})) == {
        actions[k].pk for k in ("epe_in_shared", "hattem_in_shared", "both")
    }
    # The state on a day keeps the meaning.
    assert (
        listed(client.get(url, {"municipality": epe.pk, "as_of": "2099-12-31"}))
        == owned_by_epe
    )


def test_municipality_filters_are_labelled_and_offer_only_visible_municipalities(
    client,
):
    towns, actions, reader = shared_plan_of_epe_and_hattem()
    client.force_login(reader)
    response = client.get(reverse("reports:actions"))
    html = response.content.decode()
    assert "Trekker is gemeente" in html
    assert "In plannen van gemeente" in html
    for name in ("municipality", "plan_municipality"):
        offered = set(response.context["form"].fields[name].queryset)
        assert offered == {towns["epe"], towns["hattem"]}
    assert "Ergens anders" not in html
    response = client.get(
        reverse("reports:actions"), {"municipality": towns["elsewhere"].pk}
    )
    assert listed(response) == set()
    assert "Selecteer een geldige keuze" in response.content.decode()


def test_plan_page_filters_on_the_trekker_municipality_of_the_plan(client):
    towns, actions, reader = shared_plan_of_epe_and_hattem()
    client.force_login(reader)
    shared = actions["epe_in_shared"].priority.plan
    url = reverse("reports:plan_actions", args=[shared.pk])
    response = client.get(url, {"municipality": towns["hattem"].pk})
    assert listed(response) == {actions["hattem_in_shared"].pk, actions["both"].pk}
    assert "plan_municipality" not in response.context["form"].fields


def test_export_keeps_the_owned_by_selection(client):
    towns, actions, reader = shared_plan_of_epe_and_hattem()
    client.force_login(reader)
    response = client.get(
        reverse("reports:actions"),
        {"municipality": towns["hattem"].pk, "export": "csv"},
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    titles = {
        cell
        for row in list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
        for cell in row
    }
    assert "Hattem trekt" in titles and "Samen" in titles
    assert "Epe trekt" not in titles and "Epe alleen" not in titles
    response = client.get(
        reverse("reports:actions"),
        {"plan_municipality": towns["hattem"].pk, "export": "csv"},
    )
    text = response.content.decode("utf-8-sig")
    titles = {
        cell
        for row in list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
        for cell in row
    }
    assert "Epe trekt" in titles and "Epe alleen" not in titles
