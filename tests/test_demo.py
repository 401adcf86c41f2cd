"""Demo accounts and illustrative progress and results on top of the seeds."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from actions.demo import MARKER, demo_progress_load
from actions.models import Action, ProgressUpdate
from actions.reminders import collect
from policies.demo import demo_results_load, demo_users_load
from policies.models import Agreement, Plan, Result
from policies.seeds import seeds_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds():
    seeds_load()


def test_demo_users_one_officer_per_seed_municipality(seeds, capsys):
    call_command("load_demo_users", "--password", "demo-wachtwoord-2021")
    users = get_user_model().objects
    expected = {
        "beheerder",
        "lezer.veluwe-noord",
        "raad.stadskanaal",
        # The police and OM organisations that carry actions or agreements.
        "politie-basisteam-veluwe-noord",
        "politie",
        "openbaar-ministerie",
        *(
            f"oov.{name}"
            for name in [
                "kampen",
                "steenwijkerland",
                "zwartewaterland",
                "staphorst",
                "stadskanaal",
                "noordoostpolder",
                "hattem",
                "heerde",
                "oldebroek",
                "nunspeet",
                "epe",
                "elburg",
            ]
        ),
    }
    assert set(users.values_list("username", flat=True)) == expected
    assert users.get(username="beheerder").is_superuser
    epe = users.get(username="oov.epe")
    assert epe.check_password("demo-wachtwoord-2021")
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    actions = Action.objects.for_plan(programme)
    damocles = actions.get(title="Actualisatie en uitvoeren Damocles beleid")  # Epe
    lessons = actions.get(title__startswith="Implementeren lessons learned")  # Hattem
    assert epe.has_perm("actions.change_action", damocles)
    assert not epe.has_perm("actions.change_action", lessons)
    assert epe.has_perm("actions.view_action", lessons)
    hattem = users.get(username="oov.hattem")
    stadskanaal = Plan.objects.get(slug="stadskanaal-ivp-2020-2024")
    assert not Plan.objects.visible_to(hattem).filter(pk=stadskanaal.pk).exists()
    reader = users.get(username="lezer.veluwe-noord")
    assert set(Plan.objects.visible_to(reader).values_list("slug", flat=True)) == {
        "veluwe-noord-ivp-2020-2023",
        "veluwe-noord-uvp-2021",
    }
    assert reader.has_perm("actions.view_action", damocles)
    assert not reader.has_perm("actions.change_action", damocles)
    council = users.get(username="raad.stadskanaal")
    assert list(Plan.objects.visible_to(council)) == [stadskanaal]
    assert "demo-wachtwoord-2021" in capsys.readouterr().out


def test_demo_users_print_a_generated_password(seeds, capsys):
    call_command("load_demo_users")
    out = capsys.readouterr().out
    password = out.rsplit(": ", 1)[1].strip()
    assert len(password) >= 12
    assert get_user_model().objects.get(username="oov.hattem").check_password(password)


def test_demo_progress_is_labelled_deterministic_and_loaded_once(seeds):
    created = demo_progress_load()
    assert created > 0
    updates = ProgressUpdate.objects.select_related("action__priority__plan")
    assert all(u.text.startswith(MARKER) for u in updates)
    for update in updates:
        plan = update.action.priority.plan
        assert plan.start_year <= update.date.year <= plan.end_year + 1
    snapshot = sorted((u.action.title, u.date, u.status) for u in updates)
    assert demo_progress_load() == 0
    assert ProgressUpdate.objects.count() == created
    # Dashboards need variety: done, running and late work all occur.
    statuses = set(Action.objects.values_list("status", flat=True))
    assert {"done", "ongoing", "at_risk", "not_started"} <= statuses

    ProgressUpdate.objects.all().delete()
    demo_progress_load()
    assert sorted((u.action.title, u.date, u.status) for u in updates.all()) == snapshot


def test_police_officer_gets_reminders_for_the_actions_the_police_carries(seeds):
    demo_users_load(password="demo-wachtwoord-2021")
    police = get_user_model().objects.get(username="politie-basisteam-veluwe-noord")
    owned = Action.objects.filter(
        owners__name="Politie basisteam Veluwe-Noord", deadline__isnull=False
    ).open()
    action = owned.order_by("deadline", "pk").first()
    assert action is not None
    assert police.has_perm("actions.change_action", action)
    # A week before its deadline the police officer hears about it; the OM, which
    # carries no action in the seeds, hears nothing.
    digests = collect(action.deadline - dt.timedelta(days=7))
    assert action in {item.action for item in digests[police]}
    om = get_user_model().objects.get(username="openbaar-ministerie")
    assert om not in digests
    # The OM officer sees the plans the OM takes part in and changes none of them.
    assert Plan.objects.visible_to(om).count() == 5
    assert not Action.objects.changeable_by(om).exists()


def test_demo_results_are_labelled_deterministic_and_loaded_once(seeds):
    today = dt.date(2026, 1, 15)
    created = demo_results_load(today=today)
    # The seeds hold results of whole priorities; the demo adds agreements' results.
    results = Result.objects.filter(agreement__isnull=False).select_related(
        "agreement__priority__plan"
    )
    assert created == results.count() > 0
    assert all(r.text.startswith(MARKER) for r in results)
    # Every agreement of Stadskanaal and Kampen reports, within its plan's years.
    for slug in (
        "stadskanaal-ivp-2020-2024",
        "kampen-steenwijkerland-zwartewaterland-staphorst-2017",
    ):
        agreements = Agreement.objects.filter(priority__plan__slug=slug)
        assert agreements.exists()
        assert not agreements.filter(results__isnull=True).exists()
    for result in results:
        plan = result.agreement.priority.plan
        assert plan.start_year <= result.year <= plan.end_year
    # The council's pages need variety: every assessment occurs in 2021.
    assessments = set(
        results.filter(
            year=2021, agreement__priority__plan__slug="stadskanaal-ivp-2020-2024"
        ).values_list("assessment", flat=True)
    )
    assert assessments == {"achieved", "partly", "not_achieved"}
    snapshot = sorted((r.agreement.text, r.year, r.assessment, r.text) for r in results)
    assert demo_results_load(today=today) == 0
    results.delete()
    demo_results_load(today=today)
    assert (
        sorted((r.agreement.text, r.year, r.assessment, r.text) for r in results.all())
        == snapshot
    )
    # No result for a year that has not ended.
    results.delete()
    demo_results_load(today=dt.date(2022, 3, 1))
    assert set(results.values_list("year", flat=True)) == {2017, 2020, 2021}


def test_load_demo_progress_records_progress_and_results(seeds, capsys):
    call_command("load_demo_progress")
    out = capsys.readouterr().out
    assert ProgressUpdate.objects.exists() and Result.objects.exists()
    created = Result.objects.filter(agreement__isnull=False).count()
    assert f"{created} results of agreements" in out
