"""Demo accounts and illustrative progress on top of the seeds."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from actions.demo import MARKER, demo_progress_load
from actions.models import Action, ProgressUpdate
from policies.models import Plan
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
