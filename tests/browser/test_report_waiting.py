"""The page that says a PDF report is being made (issue 19), in a real browser: axe
finds no WCAG 2.1 AA violation while it waits nor once it is ready, and its script
says so in the status region and offers the download without moving the page."""

import re

import pytest
from playwright.sync_api import expect

from ivp.celery import app as celery_app
from policies.models import Membership
from reports.models import KeptReport
from reports.tasks import make_report
from tests.factories import (
    ActionFactory,
    MunicipalityFactory,
    PriorityFactory,
    UserFactory,
)

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued():
    """Tasks go to a queue that no worker reads, as with REDIS_URL before a worker
    takes them; the test plays the worker."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def plan():
    epe = MunicipalityFactory(name="Epe")
    priority = PriorityFactory(
        plan__title="UVP Veluwe-Noord",
        plan__start_year=2021,
        plan__end_year=2021,
        plan__municipalities=[epe],
    )
    ActionFactory(priority=priority, title="Bibob-beleid actualiseren")
    user = UserFactory(username="lezer.epe")
    user.is_staff = True  # the sign-in is the admin's login form, as for the demo users
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, organisation=epe, role=Membership.Role.READER)
    return priority.plan


def log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/?next=/")
    page.get_by_label(re.compile("Gebruikersnaam", re.IGNORECASE)).fill(username)
    page.get_by_label(re.compile("Wachtwoord", re.IGNORECASE)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Aanmelden", re.IGNORECASE)).click()
    expect(page).to_have_url(live_server.url + "/")


def test_the_waiting_page_says_when_the_report_is_ready(
    page, live_server, plan, queued, assert_accessible
):
    log_in(page, live_server, "lezer.epe")
    url = f"{live_server.url}/rapportages/plan/{plan.pk}/jaar/2021/"
    response = page.goto(url)
    assert response.status == 202
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Het rapport wordt gemaakt"
    )
    status = page.get_by_role("status")
    expect(status).to_contain_text("Het rapport wordt gemaakt.")
    expect(status.get_by_role("link", name="Opnieuw kijken")).to_be_visible()
    assert_accessible(page)

    report = KeptReport.objects.get()
    make_report.apply(args=[report.pk])  # what a worker does with the task

    # The page's script asks the status URL and says so; the page stays where it is.
    expect(status).to_contain_text("Het rapport is klaar.", timeout=15_000)
    download_link = status.get_by_role("link", name="Rapport downloaden")
    expect(download_link).to_be_visible()
    assert page.url == url
    assert_accessible(page)

    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == (f"jaarverslag-{plan.slug}-2021.pdf")
