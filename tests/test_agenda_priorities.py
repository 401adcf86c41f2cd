"""The local, regional and national agenda priorities a plan cites, as lists its
priorities link to (issue 18, item 3): on the dashboard with the safety themes, in the
annual report ("aansluiting op de regionale en landelijke prioriteiten"), in the admin,
the API and the plan cycle."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from actions.cycle import next_programme
from policies.models import AgendaPriority, Membership, Plan, Priority, SafetyTheme
from reports.pdf import annual_report_html

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)
from .queries import count_queries

pytestmark = pytest.mark.django_db

Level = AgendaPriority.Level


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


def cite(plan, level, title, *, agenda="", kind=AgendaPriority.Kind.PRIORITY, at=0):
    return AgendaPriority.objects.create(
        plan=plan, level=level, title=title, agenda=agenda, kind=kind, position=at
    )


@pytest.fixture
def ivp():
    """An IVP of Epe whose two priorities serve the regional and national agendas."""
    epe = MunicipalityFactory(name="Epe")
    plan = PlanFactory(title="IVP Epe", municipalities=[epe])
    youth = PriorityFactory(plan=plan, code="1", title="Jeugd")
    crime = PriorityFactory(plan=plan, code="2", title="Ondermijning")
    rbp = cite(plan, Level.REGIONAL, "Ondermijning", agenda="RBP 2020", at=1)
    lva = cite(plan, Level.NATIONAL, "Ondermijning", agenda="LVA 2019-2022", at=2)
    cite(plan, Level.NATIONAL, "Mensenhandel", agenda="LVA 2019-2022", at=3)
    local = cite(plan, Level.LOCAL, "Jeugdoverlast", agenda="Raad 2019", at=0)
    crime.agenda_priorities.set([lva, rbp])
    youth.agenda_priorities.set([local])
    youth.safety_fields.set(["jeugd"])
    youth.safety_themes.set(SafetyTheme.objects.filter(code="jeugdoverlast"))
    ActionFactory(priority=youth, owners=[epe])
    officer = UserFactory(username="oov.epe", is_staff=True)
    Membership.objects.create(user=officer, organisation=epe, role="officer")
    plan.officer = officer
    return plan


def dashboard(client, plan, **query):
    client.force_login(plan.officer)
    url = reverse("reports:plan", args=[plan.pk]) + "?periode=jaar&jaar=2021"
    return count_queries(client, url)


def test_dashboard_names_per_priority_the_agenda_priorities_it_serves(client, ivp):
    _n, response = dashboard(client, ivp)
    html = response.content.decode()
    # Local before regional before national, whatever order they were linked in.
    assert (
        "Sluit aan op: Ondermijning (regionaal); Ondermijning (landelijk)</span>"
        in html
    )
    assert "Sluit aan op: Jeugdoverlast (lokaal)</span>" in html
    assert "Mensenhandel" not in html  # cited by the plan, served by no priority


def test_dashboard_per_safety_field_shows_the_themes_of_its_priorities(client, ivp):
    _n, response = dashboard(client, ivp)
    html = response.content.decode()
    row = html[html.index('data-field="jeugd"') :]
    assert "Thema's: Jeugdoverlast</span>" in row[: row.index("</tr>")]


def test_dashboard_asks_as_many_queries_for_1_or_20_linked_priorities(client, ivp):
    few, _response = dashboard(client, ivp)
    for n in range(20):
        priority = PriorityFactory(plan=ivp, code=f"3.{n}", title=f"Extra {n}")
        priority.agenda_priorities.add(cite(ivp, Level.LOCAL, f"Lokaal {n}", at=10 + n))
        priority.safety_fields.set(["jeugd"])
        priority.safety_themes.set(SafetyTheme.objects.filter(field="jeugd"))
        ActionFactory(priority=priority)
    many, response = dashboard(client, ivp)
    assert "Lokaal 19 (lokaal)" in response.content.decode()
    assert many == few


def test_annual_report_has_the_alignment_chapter(ivp):
    html = annual_report_html(ivp, year=2021)
    assert "Aansluiting op de regionale en landelijke prioriteiten" in html
    chapter = html[html.index('id="agenda"') :]
    chapter = chapter[: chapter.index("</section>")]
    rows = [row.split("</tr>")[0] for row in re.split(r"<tr[ >]", chapter)[2:]]
    assert len(rows) == 4
    assert "Lokaal: Raad 2019" in rows[0] and "1 Jeugd" in rows[0]
    assert "Regionaal: RBP 2020" in rows[1] and "2 Ondermijning" in rows[1]
    assert "Mensenhandel" in rows[3] and "–" in rows[3]  # served by none


def test_a_plan_without_agendas_has_no_alignment_chapter():
    plan = PlanFactory()
    PriorityFactory(plan=plan)
    assert 'id="agenda"' not in annual_report_html(plan, year=2021)


def test_next_programme_copies_the_agendas_and_the_links():
    epe = MunicipalityFactory()
    parent = PlanFactory(kind=Plan.Kind.IVP, start_year=2020, end_year=2023)
    programme = PlanFactory(
        slug="programma-2021",
        kind=Plan.Kind.PROGRAMME,
        parent=parent,
        start_year=2021,
        end_year=2021,
        municipalities=[epe],
    )
    priority = PriorityFactory(plan=programme, code="1", title="Jeugd")
    served = cite(programme, Level.REGIONAL, "Jeugdcriminaliteit", agenda="RBP")
    cite(programme, Level.NATIONAL, "Cybercrime")
    priority.agenda_priorities.add(served)
    priority.safety_themes.set(SafetyTheme.objects.filter(code="jeugdoverlast"))
    new = next_programme(programme).save()
    assert [(a.level, a.title) for a in new.agenda_priorities.all()] == [
        ("regional", "Jeugdcriminaliteit"),
        ("national", "Cybercrime"),
    ]
    copy = new.priorities.get(code="1")
    assert [a.plan_id for a in copy.agenda_priorities.all()] == [new.pk]
    assert [t.code for t in copy.safety_themes.all()] == ["jeugdoverlast"]
    # The old programme keeps its own.
    assert programme.agenda_priorities.count() == 2


def test_a_priority_serves_only_its_own_plans_agenda():
    plan, other = PlanFactory(), PlanFactory()
    theirs = cite(other, Level.REGIONAL, "Cyberveiligheid")
    with pytest.raises(Exception) as refused:
        Priority.check_agenda_priorities(plan.pk, [theirs])
    assert "agenda_priorities" in refused.value.message_dict
    Priority.check_agenda_priorities(other.pk, [theirs])  # its own: fine


# --- API --------------------------------------------------------------------------------


def test_api_lists_a_plans_agenda_priorities_with_the_priorities_serving_them(
    client, ivp
):
    client.force_login(ivp.officer)
    rows = client.get("/api/v1/agenda-priorities/", {"plan": ivp.pk}).json()
    rows = rows.get("results", rows)
    assert [(r["level"], r["title"]) for r in rows] == [
        ("local", "Jeugdoverlast"),
        ("regional", "Ondermijning"),
        ("national", "Ondermijning"),
        ("national", "Mensenhandel"),
    ]
    crime = ivp.priorities.get(code="2")
    assert rows[1]["priorities"] == [crime.pk]
    national = client.get(
        "/api/v1/agenda-priorities/", {"plan": ivp.pk, "level": "national"}
    ).json()
    assert len(national.get("results", national)) == 2


def test_api_agenda_priorities_are_read_only_scoped_and_strict(client, ivp):
    hidden = cite(PlanFactory(), Level.NATIONAL, "Elders")
    client.force_login(ivp.officer)
    assert client.get(f"/api/v1/agenda-priorities/{hidden.pk}/").status_code == 404
    listed = client.get("/api/v1/agenda-priorities/").json()
    assert "Elders" not in str(listed)
    assert client.get("/api/v1/agenda-priorities/", {"nivo": "x"}).status_code == 400
    mine = ivp.agenda_priorities.first()
    assert client.post("/api/v1/agenda-priorities/", {"title": "x"}).status_code == 405
    url = f"/api/v1/agenda-priorities/{mine.pk}/"
    assert client.delete(url).status_code == 405


def test_api_refuses_a_priority_serving_another_plans_agenda(client, ivp):
    other = PlanFactory(municipalities=list(ivp.municipalities.all()))
    theirs = cite(other, Level.REGIONAL, "Cyberveiligheid")
    priority = ivp.priorities.get(code="1")
    client.force_login(ivp.officer)
    response = client.patch(
        f"/api/v1/priorities/{priority.pk}/",
        {"agenda_priorities": [theirs.pk], "version": priority.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "agenda_priorities" in response.json()
    assert list(priority.agenda_priorities.all()) == list(
        ivp.agenda_priorities.filter(level="local")
    )


# --- admin ------------------------------------------------------------------------------


def test_admin_priority_form_offers_only_its_own_plans_agenda(client, ivp):
    other = PlanFactory(municipalities=list(ivp.municipalities.all()))
    cite(other, Level.REGIONAL, "Cyberveiligheid")
    priority = ivp.priorities.get(code="1")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get(
        reverse("admin:policies_priority_change", args=[priority.pk])
    ).content.decode()
    assert "Mensenhandel (LVA 2019-2022)" in html
    assert "Cyberveiligheid" not in html


def test_admin_lists_agenda_priorities_of_visible_plans_only(client, ivp):
    cite(PlanFactory(), Level.NATIONAL, "Elders")
    client.force_login(ivp.officer)
    html = client.get(
        reverse("admin:policies_agendapriority_changelist")
    ).content.decode()
    assert "Mensenhandel" in html and "Elders" not in html
