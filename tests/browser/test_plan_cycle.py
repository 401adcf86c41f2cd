"""The plan cycle in a real browser (issue 17): the officer of all Veluwe-Noord
municipalities makes the 2022 programme from the 2021 programme, reads the preview
(axe: no WCAG 2.1 AA violation; a screenshot goes to test-artifacts/plan-cycle-preview.png),
confirms, finds the unfinished actions carried over with a link to where they came from,
and the IVP page showing the programmes of both years."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from actions.demo import demo_progress_load
from actions.models import CLOSED_STATUSES, Action
from policies.demo import demo_users_load
from policies.models import Membership, Plan
from policies.seeds import seeds_load
from tests.factories import UserFactory

from .conftest import PASSWORD
from .test_driehoek_journey import log_in
from .test_every_page import sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PROGRAMME_2021 = "Uitvoeringsprogramma 2021 Integrale veiligheid Veluwe Noord"
PROGRAMME_2022 = "Uitvoeringsprogramma 2022 Integrale veiligheid Veluwe Noord"


@pytest.fixture
def seeded():
    seeds_load()
    demo_progress_load()
    demo_users_load(password=PASSWORD)
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    # The officer who keeps the whole programme: an officer of every municipality.
    officer = UserFactory(username="oov.veluwe-noord", is_staff=True)
    officer.set_password(PASSWORD)
    officer.save()
    for municipality in programme.municipalities.all():
        Membership.objects.create(
            user=officer, organisation=municipality, role="officer"
        )
    return programme


def test_officer_makes_the_2022_programme_from_2021(
    page, live_server, seeded, assert_accessible
):
    programme = seeded
    unfinished = list(
        Action.objects.for_plan(programme)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("pk")
    )
    finished = Action.objects.for_plan(programme).filter(status__in=CLOSED_STATUSES)
    assert unfinished and finished.exists(), "the seed has open and closed actions"

    log_in(page, live_server, "oov.veluwe-noord")
    page.get_by_role("link", name=PROGRAMME_2021).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME_2021)
    page.get_by_role("link", name="Programma voor 2022 maken").click()

    # The preview: what will be made, nothing saved yet.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Programma voor 2022 maken"
    )
    expect(page.get_by_text(PROGRAMME_2022)).to_be_visible()
    expect(
        page.get_by_role(
            "heading",
            name=re.compile(f"^{len(unfinished)} niet afgeronde acties? worden? "),
        )
    ).to_be_visible()
    rows = page.locator("#acties tbody tr")
    expect(rows).to_have_count(len(unfinished))
    assert not Plan.objects.filter(start_year=2022).exists()
    assert_accessible(page)
    assert not sideways_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plan-cycle-preview.png"), full_page=True)

    page.get_by_role("button", name="Programma voor 2022 maken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME_2022)
    expect(page.get_by_role("status").first).to_contain_text(
        f"{len(unfinished)} acties overgenomen"
    )

    # The carried-over actions are in the new programme, each linked to the old one.
    made = Plan.objects.get(start_year=2022, parent=programme.parent)
    carried = Action.objects.for_plan(made).order_by("carried_over_from")
    assert [a.carried_over_from_id for a in carried] == [a.pk for a in unfinished]
    first = carried.first()
    page.goto(f"{live_server.url}/acties/{first.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    old_link = page.locator("#voortgezet-van a")
    expect(old_link).to_contain_text(first.carried_over_from.title)
    old_link.click()
    expect(page).to_have_url(re.compile(f"/acties/{first.carried_over_from_id}/$"))
    expect(page.locator("#voortgezet-in")).to_contain_text(PROGRAMME_2022)
    assert_accessible(page)

    # The IVP page lists both years' programmes.
    page.goto(f"{live_server.url}/plannen/{made.pk}/")
    page.locator("#ivp a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(programme.parent.title)
    programmes = page.locator("#programmas")
    expect(programmes.get_by_role("link", name=PROGRAMME_2021)).to_be_visible()
    expect(programmes.get_by_role("link", name=PROGRAMME_2022)).to_be_visible()
    assert_accessible(page)
    assert not sideways_scroll(page)
