"""A council member of Stadskanaal, in a real browser: from the start page to the plan's
agreements and results, a year chosen, the dashboard of a plan of agreements; axe finds
no WCAG 2.1 AA violation, nothing offers to enter data, and a screenshot at 1,280 px goes
to test-artifacts/council-view.png."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from policies.demo import demo_results_load

from .test_driehoek_journey import log_in, seeded  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PLAN = "Integraal Veiligheidsbeleid 2020-2024 Stadskanaal"


@pytest.fixture
def with_results(seeded):  # noqa: F811
    demo_results_load()


def test_council_member_reads_the_agreements_and_results_of_2021(
    page, live_server, with_results, assert_accessible
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "raad.stadskanaal")
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    expect(menu.get_by_role("link", name="Mijn acties")).to_have_count(0)
    expect(menu.get_by_role("link", name=re.compile("Invoer"))).to_have_count(0)

    # The start page leads to the plan's agreements and results.
    # (Chromium sets the visually hidden plan title apart with a space.)
    page.get_by_role(
        "link", name=re.compile(rf"^Afspraken en resultaten ?: {PLAN}$")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Afspraken en resultaten \d{4}$")
    )
    page.get_by_label("Jaar", exact=True).select_option("2021")
    page.get_by_role("button", name="Tonen").click()
    expect(page).to_have_url(re.compile(r"/afspraken/\?jaar=2021$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Afspraken en resultaten 2021"
    )
    expect(page.locator("[data-agreement]")).to_have_count(19)
    expect(
        page.get_by_text(re.compile("^Resultaten 2021 van 19 afspraken:"))
    ).to_be_visible()
    expect(
        page.get_by_role(
            "heading", name="1 Burenproblematiek / Sociale wijkproblematiek"
        )
    ).to_be_visible()
    # Nothing here writes: no edit, entry or admin link.
    for href in page.locator("main a").evaluate_all("links => links.map(a => a.href)"):
        assert not re.search(r"/admin/|bewerken|nieuw|resultaat/|voortgang", href), href
    assert_accessible(page)
    # Nothing sticks out sideways at 1,280 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "council-view.png"), full_page=True)

    # The plan's dashboard says it is a plan of agreements and leads back here.
    page.get_by_role("link", name=PLAN).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLAN)
    expect(
        page.get_by_text("Dit plan bevat 19 afspraken tussen de partners.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role(
        "link", name=re.compile(r"^Afspraken en resultaten \d{4}$")
    ).click()
    expect(page.locator("[data-agreement]")).to_have_count(19)
