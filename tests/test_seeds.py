"""The five source documents, loaded from fixtures/seeds, hold what the paper holds."""

import datetime as dt
from decimal import Decimal

import pytest

from actions.models import Action, Meeting, Status
from policies.models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Measurement,
    Organisation,
    Plan,
    Priority,
)
from policies.seeds import seeds_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds():
    seeds_load()


def _names(queryset):
    return sorted(o.name for o in queryset)


def test_loading_twice_changes_nothing(seeds):
    counts = {
        model: model.objects.count()
        for model in (
            Organisation,
            Plan,
            AgendaPriority,
            Priority,
            Agreement,
            Action,
            Meeting,
            Indicator,
            Measurement,
        )
    }
    seeds_load()
    assert {model: model.objects.count() for model in counts} == counts


def test_loading_again_keeps_recorded_progress(seeds):
    action = Action.objects.get(title="Het DOR nieuw leven inblazen.")
    action.progress_updates.create(
        date=dt.date(2021, 2, 1), status=Status.DONE, text="Klaar"
    )
    seeds_load()
    action.refresh_from_db()
    assert action.status == Status.DONE
    assert action.progress_updates.count() == 1


def test_kampen_steenwijkerland_zwartewaterland_staphorst_2017(seeds):
    plan = Plan.objects.get(
        slug="kampen-steenwijkerland-zwartewaterland-staphorst-2017"
    )
    assert _names(plan.municipalities.all()) == [
        "Kampen",
        "Staphorst",
        "Steenwijkerland",
        "Zwartewaterland",
    ]
    assert plan.priorities.filter(parent=None).count() == 3
    assert list(
        plan.priorities.filter(parent__code="1").values_list("code", flat=True)
    ) == ["1.1", "1.2", "1.3", "1.4"]
    agreements = Agreement.objects.filter(priority__plan=plan)
    assert agreements.count() == 11
    verwarde = agreements.get(priority__code="1.4")
    assert verwarde.planning == dt.date(2017, 3, 1)
    dor = agreements.get(text__contains="Digitaal Opkopers Register")
    assert dor.planning == dt.date(2017, 4, 1)
    stopgesprek = agreements.get(text__contains="stopgesprek")
    assert stopgesprek.planning == dt.date(2017, 6, 1)
    assert {"Openbaar Ministerie", "Politie", "Kampen"} <= set(
        stopgesprek.owners.values_list("name", flat=True)
    )


def test_veiligheidsnetwerk_oost_nederland_2016(seeds):
    plan = Plan.objects.get(kind=Plan.Kind.REGIONAL)
    assert (plan.start_year, plan.end_year) == (2015, 2018)
    assert "79 gemeenten" in plan.description
    woninginbraak = Indicator.objects.get(
        plan=plan, name="Aantal misdrijven woninginbraak"
    )
    values = {
        m.year: (m.value, m.provisional) for m in woninginbraak.measurements.all()
    }
    assert values == {
        2012: (Decimal("15642"), False),
        2013: (Decimal("14921"), False),
        2014: (Decimal("10914"), False),
        2015: (Decimal("9363"), False),
        2016: (Decimal("8701"), True),
    }
    target = woninginbraak.targets.get()
    assert (target.kind, target.value, target.year, target.reference_year) == (
        "relative",
        Decimal("-5"),
        2018,
        2013,
    )
    slachtofferschap = Indicator.objects.get(
        plan=plan, name__startswith="Kans op slachtofferschap"
    )
    assert slachtofferschap.baseline_value == Decimal("9")
    assert slachtofferschap.baseline_year is None
    assert slachtofferschap.targets.get().value == Decimal("8")
    jeugd = Indicator.objects.get(plan=plan, priority__title="Jeugd")
    assert jeugd.targets.get().value == Decimal("-20")
    themes = plan.priorities.all()
    assert themes.filter(title="Woninginbraak").get().attention_points
    assert themes.filter(title="Woninginbraak").get().results.get().year == 2016


def test_veluwe_noord_2021(seeds):
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    assert programme.parent.slug == "veluwe-noord-ivp-2020-2023"
    assert (programme.parent.start_year, programme.parent.end_year) == (2020, 2023)
    assert _names(programme.municipalities.all()) == [
        "Elburg",
        "Epe",
        "Hattem",
        "Heerde",
        "Nunspeet",
        "Oldebroek",
    ]
    speerpunten = programme.priorities.filter(parent=None).exclude(code="")
    assert list(speerpunten.values_list("code", flat=True)) == ["1", "2", "3"]
    assert programme.priorities.filter(parent__in=speerpunten).count() == 9
    actions = Action.objects.for_plan(programme)
    assert actions.filter(unplanned=False).count() == 30
    assert actions.filter(unplanned=False, priority__title="Diversen").count() == 2
    assert actions.filter(unplanned=True).count() == 2
    meetings = Meeting.objects.filter(plans=programme, body=Meeting.Body.DRIEHOEK)
    assert [(m.date, m.preparation_deadline) for m in meetings] == [
        (dt.date(2021, 2, 11), dt.date(2021, 1, 28)),
        (dt.date(2021, 4, 15), dt.date(2021, 4, 1)),
        (dt.date(2021, 6, 17), dt.date(2021, 6, 3)),
        (dt.date(2021, 9, 9), dt.date(2021, 8, 26)),
        (dt.date(2021, 11, 4), dt.date(2021, 10, 21)),
        (dt.date(2021, 12, 16), dt.date(2021, 12, 2)),
    ]
    woninginbraak = actions.get(title__startswith="Pva woninginbraken")
    assert _names(woninginbraak.owners.all()) == [
        "Epe",
        "Politie basisteam Veluwe-Noord",
    ]
    assert woninginbraak.deadline == dt.date(2021, 2, 18)
    wvggz = actions.get(deadline_text="Hatterm 18 februari")
    assert _names(wvggz.owners.all()) == ["Hattem"]
    assert [m.date for m in wvggz.meetings.all()] == [dt.date(2021, 2, 11)]
    assert "11-2-2021" in wvggz.note
    lachgas = actions.get(unplanned=True, owners__name="Oldebroek")
    assert lachgas.added_on == dt.date(2021, 2, 1)
    assert programme.priorities.get(code="1").results.get(year=2020).text


def test_noordoostpolder_uitvoeringsplan_2020_2021(seeds):
    programme = Plan.objects.get(slug="noordoostpolder-uvp-2020-2021")
    assert programme.parent.slug == "noordoostpolder-ivp-2018-2021"
    assert [m.cbs_code for m in programme.municipalities.all()] == ["GM0171"]
    priorities = programme.priorities.filter(kind=Priority.Kind.PRIORITY)
    assert list(priorities.values_list("code", flat=True)) == ["1", "2", "3", "4"]
    themes = programme.priorities.filter(kind=Priority.Kind.STRATEGIC_THEME)
    assert list(themes.values_list("code", flat=True)) == list("abcdefgh")
    assert all(p.objective for p in priorities)
    actions = Action.objects.for_plan(programme)
    assert actions.count() == 42
    pga = actions.get(item="Persoonsgerichte aanpak (PGA) complexe casuïstiek")
    assert pga.portfolio_holder == "Burgemeester Wethouder WMO"
    assert pga.deadline_display == "2020"
    assert pga.internal_parties.startswith("MO/RO")
    assert {"Politie", "Openbaar Ministerie", "GGD"} <= set(
        pga.partners.values_list("name", flat=True)
    )
    hennep = actions.filter(item="Hennep-aanpak")
    assert hennep.count() == 2
    traffic = Indicator.objects.filter(plan=programme)
    assert traffic.count() == 2
    assert {t.targets.get().value for t in traffic} == {Decimal("20"), Decimal("10")}


def test_stadskanaal_ivp_2020_2024(seeds):
    plan = Plan.objects.get(slug="stadskanaal-ivp-2020-2024")
    assert [m.cbs_code for m in plan.municipalities.all()] == ["GM0037"]
    assert (plan.kind, plan.start_year, plan.end_year) == ("ivp", 2020, 2024)
    priorities = plan.priorities.all()
    assert priorities.count() == 7
    assert all(p.objective for p in priorities)
    agreements = Agreement.objects.filter(priority__plan=plan)
    assert agreements.count() == 19
    assert not agreements.filter(expected_result="").exists()
    assert agreements.exclude(planning=None).count() == 11
    dor = agreements.get(text__startswith="Ontwikkelen en implementeren van het DOR")
    assert dor.planning_display == "2020"
    assert _names(dor.owners.all()) == ["Politie", "Stadskanaal"]
    escalatie = agreements.get(text__startswith="We ontwikkelen een escalatiemodel")
    assert (escalatie.planning, escalatie.planning_text) == (
        dt.date(2021, 12, 31),
        "2020/2021",
    )
    # Its lists of local (5), regional (4) and national (3 + 4 aandachtspunten)
    # priorities, and which of its own priorities serve them.
    agenda = plan.agenda_priorities.all()
    assert [a.level for a in agenda] == ["local"] * 5 + ["regional"] * 4 + [
        "national"
    ] * 7
    assert agenda.filter(kind="attention_point").count() == 4
    assert agenda.get(level="local", title__startswith="Ondernijning").issuer.name == (
        "Stadskanaal"
    )
    ondermijning = priorities.get(code="6")
    assert sorted(
        (a.level, a.agenda) for a in ondermijning.agenda_priorities.all()
    ) == [
        ("local", "Prioriteiten gemeente Stadskanaal"),
        ("national", "Landelijke Veiligheidsagenda 2019-2022"),
        ("regional", "Regionaal Beleidsplan (RBP) 2020"),
    ]
    assert [a.title for a in priorities.get(code="3").agenda_priorities.all()] == [
        "Personen met verward gedrag"
    ]
    assert {"Veilig Thuis", "Halt", "Openbaar Ministerie", "GGD"} <= set(
        plan.partners.values_list("name", flat=True)
    )
