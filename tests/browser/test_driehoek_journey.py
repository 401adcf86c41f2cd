"""A driehoek member, in a real browser: logs in, opens the Veluwe-Noord plan, filters,
finds the agenda of 17 June 2021, clicks through to an action; axe finds no WCAG 2.1 AA
violation on any page, and everything here is reached by keyboard-focusable links."""

import re

import pytest
from playwright.sync_api import expect

from actions.demo import demo_progress_load
from policies.demo import demo_users_load
from policies.seeds import seeds_load

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded():
    seeds_load()
    demo_progress_load()
    demo_users_load(password=PASSWORD)


def log_in(page, live_server, username):
    """Through the real login form (django-axes and all)."""
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/$"))
    page.get_by_label(re.compile("Gebruikersnaam", re.IGNORECASE)).fill(username)
    page.get_by_label(re.compile("Wachtwoord", re.IGNORECASE)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Aanmelden", re.IGNORECASE)).click()
    expect(page).to_have_url(live_server.url + "/")


def test_driehoek_member_finds_the_agenda_of_17_june_2021(
    page, live_server, seeded, assert_accessible
):
    log_in(page, live_server, "lezer.veluwe-noord")

    # Start page: only the plans of the reader's municipalities.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn plannen")
    expect(
        page.get_by_role(
            "link", name="Uitvoeringsprogramma 2021 Integrale veiligheid Veluwe Noord"
        )
    ).to_be_visible()
    expect(page.get_by_text("Stadskanaal")).to_have_count(0)
    assert_accessible(page)

    # The skip link is the first thing the keyboard reaches, and it works.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Direct naar de inhoud")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page).to_have_url(re.compile("#inhoud$"))

    page.get_by_role(
        "link", name="Uitvoeringsprogramma 2021 Integrale veiligheid Veluwe Noord"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Uitvoeringsprogramma 2021 Integrale veiligheid Veluwe Noord"
    )
    expect(
        page.get_by_role("heading", name=re.compile("Te late acties"))
    ).to_be_visible()
    assert_accessible(page)

    # Choose the second quarter of 2021 with the period form.
    page.get_by_label("Periode", exact=True).select_option("kwartaal")
    page.get_by_label("Jaar", exact=True).select_option("2021")
    page.get_by_label(re.compile("^Kwartaal")).select_option("2")
    page.get_by_role("button", name="Tonen").click()
    expect(page).to_have_url(re.compile(r"periode=kwartaal&jaar=2021&kwartaal=2"))
    expect(
        page.get_by_role("heading", name="Stand van zaken, 2e kwartaal 2021")
    ).to_be_visible()

    # Filter the plan's actions: Epe's actions that are at risk; the state is in the URL.
    page.get_by_role("link", name="Alle acties van dit plan, met filters").click()
    assert_accessible(page)
    page.get_by_label("Trekker", exact=True).select_option(label="Epe")
    page.get_by_label("risico / vertraagd").check()
    page.get_by_role("button", name="Filteren", exact=True).click()
    expect(page).to_have_url(re.compile(r"owner=\d+.*status=at_risk"))
    expect(page.get_by_role("status")).to_contain_text("acties gevonden")
    rows = page.locator("tbody tr")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("Epe")
        expect(rows.nth(i)).to_contain_text("risico / vertraagd")
    assert_accessible(page)

    # Back to the plan, and to the meeting of 17 June 2021.
    page.get_by_role("navigation", name="Kruimelpad").get_by_role(
        "link", name=re.compile("Uitvoeringsprogramma 2021")
    ).click()
    page.get_by_role("link", name="Driehoek 17 juni 2021").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Agenda driehoek 17 juni 2021"
    )
    expect(page.get_by_role("heading", name="Wie rapporteert over wat")).to_be_visible()
    matrix = page.get_by_role("table").filter(has_text="Nunspeet").last
    expect(matrix.locator("tfoot")).to_contain_text("Totaal")
    assert_accessible(page)

    # Who reports what: click through to an action and see its timeline.
    first_action = page.locator("main tbody th a").first
    title = first_action.inner_text()
    first_action.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title.rstrip("…")[:40])
    expect(page.get_by_role("heading", name="Voortgang")).to_be_visible()
    expect(page.get_by_role("heading", name="Wijzigingen")).to_be_visible()
    assert_accessible(page)

    # And a municipality's page.
    page.get_by_role("link", name="Epe").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Epe")
    assert_accessible(page)


def test_login_page_and_a_foreign_plan(page, live_server, seeded, assert_accessible):
    """Someone of Stadskanaal does not get Veluwe-Noord's pages: they do not exist."""
    from policies.models import Plan

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    assert_accessible(page)
    log_in(page, live_server, "raad.stadskanaal")
    expect(page.get_by_text("Veluwe")).to_have_count(0)
    veluwe = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    response = page.goto(f"{live_server.url}/plannen/{veluwe.pk}/")
    assert response.status == 404
