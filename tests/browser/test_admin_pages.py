"""The admin in a real browser, for the beheerder and an OOV officer (oov.epe): axe finds
no WCAG 2.1 AA violation on the index, nor on the list, add and change pages of the main
models, and no page scrolls sideways on a 1,280 px screen. The add-action form is
written to test-artifacts/admin-add-action.png."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from actions.models import Action, Meeting, ProgressUpdate
from policies.models import Agreement, Indicator, Membership, Plan, Priority, Target

from ..factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from .conftest import PASSWORD
from .test_driehoek_journey import log_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # A Dutch officer's screen: the admin's date fields then add no time-zone warning.
    pytest.mark.browser_context_args(
        timezone_id="Europe/Amsterdam", viewport={"width": 1280, "height": 900}
    ),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MODELS = [Plan, Priority, Agreement, Action, ProgressUpdate, Meeting, Indicator]


def account(username, *, officer_of=None):
    user = UserFactory(username=username, is_staff=True)
    user.is_superuser = officer_of is None
    user.set_password(PASSWORD)
    user.save()
    if officer_of is not None:
        Membership.objects.create(user=user, organisation=officer_of, role="officer")
    return user


@pytest.fixture
def epe_objects():
    """The beheerder, Epe's officer and one of each main model in a plan of Epe alone,
    which its officer manages, with rows in every inline (targets and measurements,
    progress, agreements)."""
    epe = MunicipalityFactory(name="Epe")
    account("beheerder")
    account("oov.epe", officer_of=epe)
    plan = PlanFactory(
        title="Integraal Veiligheidsplan Epe 2020-2023",
        municipalities=[epe],
        start_year=2020,
        end_year=2023,
    )
    priority = PriorityFactory(plan=plan, code="1", title="Veilige wijken")
    agreement = AgreementFactory(
        priority=priority, text="Elke wijk heeft een buurtpreventieteam."
    )
    action = ActionFactory(
        priority=priority,
        agreement=agreement,
        title="Buurtpreventie opzetten",
        owners=[epe],
        deadline=dt.date(2021, 6, 30),
    )
    update = ProgressUpdateFactory(action=action, date=dt.date(2021, 3, 1))
    meeting = MeetingFactory(date=dt.date(2021, 6, 17), title="Driehoek Epe")
    meeting.plans.add(plan)
    meeting.municipalities.add(epe)
    action.meetings.add(meeting)
    indicator = IndicatorFactory(plan=plan, priority=priority, name="Woninginbraken")
    Target.objects.create(indicator=indicator, kind="absolute", value=80, year=2023)
    MeasurementFactory(indicator=indicator, year=2020, value=95)
    return {
        Plan: plan,
        Priority: priority,
        Agreement: agreement,
        Action: action,
        ProgressUpdate: update,
        Meeting: meeting,
        Indicator: indicator,
    }


def admin_urls(objects):
    yield reverse("admin:index")
    for model in MODELS:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{name}_changelist")
        yield reverse(f"{name}_add")
        yield reverse(f"{name}_change", args=[objects[model].pk])


def settled(page):
    """Wait two frames: the admin's scripts (Select2, the names of admin-a11y.js) have
    then done what they do on load."""
    page.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )


def check_page(page, assert_accessible):
    settled(page)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"
    assert_accessible(page)


@pytest.mark.parametrize("username", ["beheerder", "oov.epe"])
def test_admin_pages_pass_axe_and_fit_1280_px(
    page, live_server, epe_objects, assert_accessible, username
):
    log_in(page, live_server, username)
    for url in admin_urls(epe_objects):
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        check_page(page, assert_accessible)


def test_add_action_form_for_an_officer(
    page, live_server, epe_objects, assert_accessible
):
    log_in(page, live_server, "oov.epe")
    page.goto(live_server.url + reverse("admin:actions_action_add"))
    # The import's leftovers are not asked; status follows progress, so it is shown,
    # not asked, beside the progress rows.
    for leftover in ("Partijen zoals in de bron", "Begroting zoals in de bron"):
        expect(page.get_by_label(leftover)).to_have_count(0)
    expect(page.locator("select#id_status")).to_have_count(0)
    expect(
        page.get_by_text("Status en percentage volgen de laatste voortgangsrapportage")
    ).to_be_visible()

    # A trekker chosen and a progress row added: what the page adds is named too.
    page.locator(".field-owners .select2-selection").click()
    page.keyboard.type("Epe")
    page.locator(".select2-results__option", has_text="Epe").first.click()
    page.get_by_text("Nog een Voortgangsrapportage toevoegen").click()
    expect(page.locator("#id_progress_updates-1-status")).to_be_visible()
    page.keyboard.press("Escape")
    check_page(page, assert_accessible)
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "admin-add-action.png"), full_page=True)
