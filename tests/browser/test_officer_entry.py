"""An OOV officer, in a real browser, enters work without the admin: adds an action to
the shared Veluwe-Noord programme, changes it, records its progress and records the
result of an agreement of a plan of Epe's own. axe finds no WCAG 2.1 AA violation on
any form; screenshots at 1,280 px go to test-artifacts/officer-*.png."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from actions.models import Action, Status
from policies.models import Organisation, Plan, Result

from ..factories import ActionFactory, AgreementFactory, PlanFactory, PriorityFactory
from .test_driehoek_journey import log_in, seeded  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def epe_plan(seeded):  # noqa: F811
    """A plan of Epe alone (which its officer manages), with an agreement and an action
    that carries it out."""
    epe = Organisation.objects.get(name="Epe")
    plan = PlanFactory(
        title="Integraal Veiligheidsplan Epe 2020-2023",
        municipalities=[epe],
        start_year=2020,
        end_year=2023,
    )
    priority = PriorityFactory(plan=plan, code="1", title="Veilige wijken")
    agreement = AgreementFactory(
        priority=priority,
        text="Elke wijk heeft een buurtpreventieteam.",
        expected_result="Zes actieve teams eind 2021.",
    )
    action = ActionFactory(
        priority=priority, agreement=agreement, title="Buurtpreventie opzetten"
    )
    action.owners.set([epe])
    return action


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"officer-{name}.png"), full_page=True)


def test_officer_enters_an_action_progress_and_a_result_without_the_admin(
    page, live_server, epe_plan, assert_accessible
):
    page.set_viewport_size({"width": 1280, "height": 900})
    paths = []
    page.on("request", lambda request: paths.append(urlsplit(request.url).path))
    log_in(page, live_server, "oov.epe")

    # The shared programme: Epe adds an action of its own.
    programme = "Uitvoeringsprogramma 2021 Integrale veiligheid Veluwe Noord"
    page.get_by_role("link", name=programme).first.click()
    page.get_by_role("link", name="Actie toevoegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actie toevoegen")
    expect(page.get_by_label("Epe", exact=True).first).to_be_checked()
    page.get_by_label(re.compile("^Titel")).fill("Cameratoezicht uitbreiden")
    page.get_by_label(re.compile("^Toelichting")).fill("Twee extra camera's.")
    page.get_by_label(re.compile("^Prioriteit")).select_option(label="1.2 Jeugd")
    page.get_by_label(re.compile("^Deadline")).fill("Q3 2021")
    page.get_by_label(re.compile("^Begroting")).fill("2500,50")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert_accessible(page)
    screenshot(page, "action-add")
    page.get_by_role("button", name="Actie toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text(
        "De actie “Cameratoezicht uitbreiden” is toegevoegd."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cameratoezicht uitbreiden"
    )
    expect(
        page.get_by_text("3e kwartaal 2021").or_(page.get_by_text("Q3 2021")).first
    ).to_be_visible()
    action = Action.objects.get(title="Cameratoezicht uitbreiden")
    assert [o.name for o in action.owners.all()] == ["Epe"]

    # A typing error comes back in Dutch, and the form keeps what was typed.
    page.get_by_role("link", name="Bewerken").click()
    page.get_by_label(re.compile("^Deadline")).fill("31-02-2021")
    page.get_by_role("button", name="Actie opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Er is niets opgeslagen.")
    expect(
        page.get_by_text("“31-02-2021” is een datum die niet bestaat.")
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "action-edit-error")
    page.get_by_label(re.compile("^Deadline")).fill("september 2021")
    page.get_by_role("button", name="Actie opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("is opgeslagen")
    expect(page.get_by_text("september 2021").first).to_be_visible()

    # Progress: status, percentage, date (today by default) and what happened.
    page.get_by_role("link", name="Voortgang vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voortgang vastleggen")
    page.get_by_label(re.compile("^Status")).select_option(Status.ONGOING)
    page.get_by_label(re.compile("^Percentage")).fill("30")
    page.get_by_label(re.compile("^Wat is er gebeurd")).fill("Locaties gekozen.")
    assert_accessible(page)
    screenshot(page, "progress")
    page.get_by_role("button", name="Voortgang opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Voortgang opgeslagen")
    expect(page.get_by_text("Locaties gekozen.")).to_be_visible()
    action.refresh_from_db()
    assert (action.status, action.percentage) == (Status.ONGOING, 30)

    # The result of an agreement of Epe's own plan, for 2021.
    page.goto(live_server.url + f"/acties/{epe_plan.pk}/")
    page.get_by_role("link", name="Resultaat vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resultaat vastleggen")
    page.get_by_label(re.compile("^Jaar")).select_option("2021")
    page.get_by_label("Deels behaald").check()
    page.get_by_label(re.compile("^Behaald resultaat")).fill("Vier van de zes teams.")
    assert_accessible(page)
    screenshot(page, "result")
    page.get_by_role("button", name="Resultaat opslaan").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Het resultaat over 2021 is opgeslagen."
    )
    result = Result.objects.get(agreement=epe_plan.agreement)
    assert (result.year, result.assessment) == (2021, "partly")

    # Mijn acties records progress with the same form: status, percentage, date, text.
    page.get_by_role("link", name="Mijn acties").click()
    row = page.locator("section", has_text="Cameratoezicht uitbreiden")
    expect(row.get_by_label(re.compile("^Percentage"))).to_be_visible()
    expect(row.get_by_label(re.compile("^Datum"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "my-actions")

    # Nothing of this went through the admin; only the sign-in did.
    admin = {p for p in paths if p.startswith("/admin/") and p != "/admin/login/"}
    assert not admin, sorted(admin)
    assert Plan.objects.filter(
        title__startswith="Integraal Veiligheidsplan Epe"
    ).exists()
