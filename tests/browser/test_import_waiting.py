"""The page that says a large import is being read by a worker (issue 19), in a real
browser: axe finds no WCAG 2.1 AA violation while it waits nor on the preview it leads
to, and its script says in the status region when the file has been read, without
moving the page."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from actions.models import Action, ImportJob
from actions.tasks import run_import
from ivp.celery import app as celery_app
from policies.models import Plan
from policies.seeds import seeds_load
from tests.factories import PlanFactory, UserFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLE = (
    Path(django_settings.BASE_DIR) / "fixtures" / "import" / "veluwe-noord-2021.xlsx"
)


@pytest.fixture
def queued(settings):
    """Tasks go to a queue that no worker reads, as with REDIS_URL before a worker
    takes them; the test plays the worker. Every upload is large."""
    settings.IMPORT_QUEUE_BYTES = 1000
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def plan():
    seeds_load()
    seeded = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    plan = PlanFactory(
        title="Uitvoeringsprogramma 2022", start_year=2021, end_year=2021
    )
    plan.municipalities.set(seeded.municipalities.all())
    plan.partners.set(seeded.partners.all())
    return plan


def test_the_waiting_page_says_when_the_file_has_been_read(
    page, live_server, plan, queued, assert_accessible
):
    user = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.get_by_label(re.compile("Gebruikersnaam", re.IGNORECASE)).fill("beheerder")
    page.get_by_label(re.compile("Wachtwoord", re.IGNORECASE)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Aanmelden", re.IGNORECASE)).click()
    expect(page).to_have_url(live_server.url + "/admin/")

    page.goto(f"{live_server.url}/admin/policies/plan/{plan.pk}/import/")
    page.get_by_label("Bestand").set_input_files(str(EXAMPLE))
    page.get_by_role("button", name="Toon voorbeeld").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Het bestand wordt gelezen en gecontroleerd.")
    expect(status.get_by_role("link", name="Opnieuw kijken")).to_be_visible()
    waiting_url = page.url
    assert "?taak=" in waiting_url
    assert_accessible(page)

    job = ImportJob.objects.get()
    run_import.apply(args=[job.pk, user.pk])  # what a worker does with the task

    # The page's script asks the status URL and says so; the page stays where it is.
    expect(status).to_contain_text("Het bestand is gelezen.", timeout=15_000)
    result = status.get_by_role("link", name="Toon het resultaat")
    expect(result).to_be_visible()
    assert page.url == waiting_url

    result.click()
    expect(page.get_by_text("32 nieuwe acties")).to_be_visible()
    assert_accessible(page)
    assert not Action.objects.for_plan(plan).exists()
