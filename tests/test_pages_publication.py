"""Publishing a plan: /plannen/<pk>/publicatie/ (issue 18), and the public pages of
one plan built from factories: its query count, its parts, its cache."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from actions.models import Status
from policies.models import AgendaPriority, Membership, Plan

from .factories import (
    ActionFactory,
    AgreementFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from .queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def epe_plan():
    epe = MunicipalityFactory(name="Epe")
    plan = PlanFactory(title="IVP Epe", slug="ivp-epe", start_year=2020, end_year=2024)
    plan.municipalities.add(epe)
    return plan


def member(organisation, role=Membership.Role.OFFICER, name="oov"):
    user = UserFactory(username=name)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def form_data(**changes):
    data = {
        "published": "on",
        "licence": "cc0-1.0",
        "public_priorities": "on",
        "public_agreements": "on",
        "public_actions": "on",
        "public_indicators": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_officer_who_changes_the_plan_publishes_it_and_takes_it_off(client, epe_plan):
    client.force_login(member(epe_plan.municipalities.get()))
    url = reverse("reports:publication", args=[epe_plan.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(public_indicators=None))
    assert response.status_code == 302
    epe_plan.refresh_from_db()
    assert epe_plan.published and epe_plan.published_at is not None
    assert epe_plan.licence == "cc0-1.0" and not epe_plan.public_indicators
    assert client.get("/openbaar/epe/ivp-epe/").status_code == 200
    client.post(url, form_data(published=None, version=epe_plan.version))
    epe_plan.refresh_from_db()
    assert not epe_plan.published and epe_plan.published_at is None
    assert client.get("/openbaar/epe/ivp-epe/").status_code == 404


def test_a_form_without_licence_saves_nothing_and_says_so(client, epe_plan):
    client.force_login(member(epe_plan.municipalities.get()))
    url = reverse("reports:publication", args=[epe_plan.pk])
    response = client.post(url, form_data(licence=None))
    assert response.status_code == 400
    assert response.context["form"].errors["licence"]
    assert "Dit veld is vereist" in response.content.decode()
    epe_plan.refresh_from_db()
    assert not epe_plan.published


def test_council_member_may_not_publish(client, epe_plan):
    client.force_login(
        member(epe_plan.municipalities.get(), Membership.Role.COUNCIL, "raad")
    )
    url = reverse("reports:publication", args=[epe_plan.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403
    epe_plan.refresh_from_db()
    assert not epe_plan.published


def test_officer_of_one_of_two_municipalities_may_not_publish(client, epe_plan):
    epe_plan.municipalities.add(MunicipalityFactory(name="Hattem"))
    client.force_login(member(epe_plan.municipalities.get(name="Epe")))
    url = reverse("reports:publication", args=[epe_plan.pk])
    assert client.get(url).status_code == 403


def published(plan, **parts):
    plan.set_published(True)
    for name, value in parts.items():
        setattr(plan, name, value)
    plan.save()
    return plan


def test_public_plan_page_asks_as_many_queries_for_3_or_30_actions(client, epe_plan):
    published(epe_plan)
    priority = PriorityFactory(plan=epe_plan, code="1", title="Woninginbraak")
    AgreementFactory(priority=priority, text="Buurtpreventie in elke wijk")

    def queries():
        cache.clear()
        return count_queries(client, "/openbaar/epe/ivp-epe/")[0]

    for n in range(3):
        action = ActionFactory(priority=priority, title=f"Actie {n}")
        ProgressUpdateFactory(action=action, status=Status.ONGOING, is_public=True)
    few = queries()
    for n in range(27):
        action = ActionFactory(priority=priority, title=f"Meer {n}")
        ProgressUpdateFactory(action=action, status=Status.ONGOING)
    assert queries() == few
    assert few <= 16


def test_public_downloads_ask_as_many_queries_for_2_or_20_agenda_priorities(
    client, epe_plan
):
    """The agendas in the CSV and JSON are one query (AgendaPriority.objects.served()),
    however many the plan cites and however many of its priorities serve each."""
    published(epe_plan)
    youth = PriorityFactory(plan=epe_plan, code="1", title="Jeugd")
    crime = PriorityFactory(plan=epe_plan, code="2", title="Ondermijning")

    def cite(n):
        for i in range(AgendaPriority.objects.count(), n):
            agenda = AgendaPriority.objects.create(
                plan=epe_plan, level="national", agenda="LVA", title=f"Thema {i}"
            )
            agenda.priorities.set([youth, crime])

    def queries(format):
        cache.clear()
        n, response = count_queries(client, f"/openbaar/epe/ivp-epe.{format}")
        return n, response.content.decode()

    cite(2)
    few = {format: queries(format) for format in ("json", "csv")}
    cite(20)
    many = {format: queries(format) for format in ("json", "csv")}
    for format in ("json", "csv"):
        assert many[format][0] == few[format][0], format
        assert "Thema 19" in many[format][1] and "Thema 19" not in few[format][1]
    assert many["csv"][1].count("agenda_priority;2;Ondermijning;Thema ") == 20


def test_parts_not_chosen_are_not_shown(client, epe_plan):
    published(epe_plan, public_agreements=False, public_actions=False)
    priority = PriorityFactory(plan=epe_plan, code="1", title="Woninginbraak")
    AgreementFactory(priority=priority, text="Buurtpreventie in elke wijk")
    ActionFactory(priority=priority, title="Voorlichtingsavond inbraak")
    body = client.get("/openbaar/epe/ivp-epe/").content.decode()
    assert "Woninginbraak" in body
    assert "Buurtpreventie" not in body and "Voorlichtingsavond" not in body


def test_public_page_in_english_by_its_address(client, epe_plan):
    published(epe_plan)
    dutch = client.get("/openbaar/epe/ivp-epe/")
    english = client.get("/openbaar/epe/ivp-epe/?lang=en")
    assert english["Content-Language"] == "en" and dutch["Content-Language"] == "nl"
    assert 'lang="en"' in english.content.decode()
    assert english["ETag"] != dutch["ETag"]


def test_plan_is_unpublished_until_chosen(epe_plan):
    assert not Plan.objects.published().exists()


def test_dashboard_offers_publishing_only_to_who_may_publish(client, epe_plan):
    url = reverse("reports:plan", args=[epe_plan.pk])
    link = reverse("reports:publication", args=[epe_plan.pk])
    epe = epe_plan.municipalities.get()
    client.force_login(member(epe, Membership.Role.COUNCIL, "raad"))
    assert link not in client.get(url).content.decode()
    client.force_login(member(epe))
    assert link in client.get(url).content.decode()
