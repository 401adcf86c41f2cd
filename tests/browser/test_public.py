"""A resident, in a real browser and not logged in: the public site (issue 18). The
index, Stadskanaal's page, its published IVP and a safety field pass axe (WCAG 2.1
AA), nothing scrolls sideways at 320 px, and a screenshot of the plan page goes to
test-artifacts/public-plan.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from actions.demo import demo_progress_load
from policies.demo import demo_publication_load, demo_results_load
from policies.seeds import seeds_load

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PLAN = "/openbaar/stadskanaal/stadskanaal-ivp-2020-2024/"


@pytest.fixture
def published():
    seeds_load()
    demo_progress_load()
    demo_results_load()
    demo_publication_load()


def test_resident_reads_the_published_stadskanaal_ivp(
    page, live_server, published, assert_accessible
):
    page.set_viewport_size({"width": 320, "height": 800})
    for path in (
        "/openbaar/",
        "/openbaar/stadskanaal/",
        PLAN,
        "/openbaar/stadskanaal/veiligheidsveld/woon_leefomgeving/",
        PLAN + "?lang=en",
    ):
        response = page.goto(live_server.url + path)
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= 320, (path, scroll)
        # No menu of a logged-in user; the page sets no cookie and may be cached
        # (the browser's own /favicon.ico is a 404 page of the product, which may).
        expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)
        headers = response.all_headers()
        assert "set-cookie" not in headers, path
        assert "public" in headers["cache-control"], path
    page.goto(live_server.url + "/openbaar/")
    page.get_by_role("link", name="Stadskanaal").click()
    page.get_by_role("link", name="Integraal Veiligheidsbeleid 2020-2024").click()
    expect(page.locator("h3[id^=prioriteit-]")).to_have_count(7)
    page.set_viewport_size({"width": 1280, "height": 900})
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "public-plan.png"), full_page=True)
