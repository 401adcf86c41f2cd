"""Every non-admin page kind, for each role that can reach it, in a real browser: axe finds
no WCAG 2.1 AA violation, and nothing scrolls sideways at 320 or 1,280 px. Screenshots at
1,280 px of the start page, the plan dashboard, a meeting and an action go to
test-artifacts/.

To add a page: append a Page to PAGES with the roles that reach it and a function that
builds its address from the role's Objects (None: that role has no such object).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse

from actions.demo import demo_progress_load
from actions.models import Action, Meeting
from ivp import access
from policies.demo import demo_users_load
from policies.models import Organisation, Plan
from policies.seeds import seeds_load

from .conftest import PASSWORD, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTHS = (320, 1280)
OFFICER, READER, COUNCIL = "oov.epe", "lezer.veluwe-noord", "raad.stadskanaal"
ALL = (OFFICER, READER, COUNCIL)
NOT_FOUND_HEADING = "Pagina niet gevonden"
FORBIDDEN_HEADING = "Geen toegang"


@dataclass
class Objects:
    """What one user's pages are about: the richest plan they see, and so on."""

    user: object

    @cached_property
    def plan(self) -> Plan:
        return (
            Plan.objects.visible_to(self.user)
            .annotate(n=Count("priorities__actions"))
            .order_by("-n", "pk")
            .first()
        )

    @cached_property
    def meeting(self) -> Meeting | None:
        return (
            Meeting.objects.visible_to(self.user)
            .filter(plans=self.plan)
            .annotate(n=Count("actions"))
            .filter(n__gt=0)
            .order_by("-n", "pk")
            .first()
        )

    @cached_property
    def action(self) -> Action | None:
        return (
            Action.objects.visible_to(self.user)
            .for_plan(self.plan)
            .annotate(n=Count("progress_updates"))
            .order_by("-n", "pk")
            .first()
        )

    @cached_property
    def shared_action(self) -> Action | None:
        """An action with several trekkers (its page shows progress per trekker), one
        of the user's own organisation where there is one."""
        shared = (
            Action.objects.visible_to(self.user)
            .annotate(n_owners=Count("owners", distinct=True))
            .filter(n_owners__gt=1)
        )
        own = shared.filter(owners__in=access.officer_organisation_ids(self.user))
        return own.order_by("pk").first() or shared.order_by("pk").first()

    @cached_property
    def organisation(self) -> Organisation | None:
        return self.plan.municipalities.order_by("name").first()

    @cached_property
    def hidden_plan(self) -> Plan:
        return Plan.objects.exclude(
            pk__in=Plan.objects.visible_to(self.user).values("pk")
        ).first()

    @cached_property
    def unchangeable_action(self) -> Action | None:
        """An action the user sees but may not change: its edit form answers 403."""
        for action in Action.objects.visible_to(self.user).order_by("pk")[:200]:
            if not access.can(self.user, access.CHANGE, action):
                return action
        return None


def _pk(obj) -> list | None:
    return None if obj is None else [obj.pk]


def _url(name: str, obj, query: str = "") -> str | None:
    args = _pk(obj)
    return None if args is None else reverse(name, args=args) + query


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Objects], str | None]
    roles: tuple[str, ...] = ALL
    status: int = 200
    heading: str | None = None  # the h1, where it says what the page must be
    screenshot: str | None = None  # file name in test-artifacts/, taken as the officer


PAGES = [
    Page("start page", lambda o: reverse("reports:home"), screenshot="start.png"),
    Page(
        "plan dashboard, quarter",
        lambda o: _url(
            "reports:plan", o.plan, "?periode=kwartaal&jaar=2021&kwartaal=2"
        ),
        screenshot="plan-dashboard.png",
    ),
    Page(
        "plan dashboard, year",
        lambda o: _url("reports:plan", o.plan, "?periode=jaar&jaar=2021"),
    ),
    Page("plan actions", lambda o: _url("reports:plan_actions", o.plan)),
    Page(
        "plan actions of a past day, an IVP's with its programme of the year",
        lambda o: _url(
            "reports:plan_actions",
            o.plan.parent or o.plan,
            "?jaar=2021&as_of=2021-06-30&status=ongoing",
        ),
    ),
    Page(
        "agreements and results",
        lambda o: _url("reports:plan_results", o.plan, "?jaar=2021"),
    ),
    Page("all actions", lambda o: reverse("reports:actions")),
    Page(
        "meeting",
        lambda o: _url("reports:meeting", o.meeting),
        screenshot="meeting.png",
    ),
    Page("progress round", lambda o: _url("actions:progress-round", o.meeting)),
    Page("organisation", lambda o: _url("reports:organisation", o.organisation)),
    Page("action", lambda o: _url("reports:action", o.action), screenshot="action.png"),
    Page("shared action", lambda o: _url("reports:action", o.shared_action)),
    Page(
        "progress of a shared action",
        lambda o: _url("entry:progress", o.shared_action),
        roles=(OFFICER,),
    ),
    Page("my actions", lambda o: reverse("actions:my-actions"), roles=(OFFICER,)),
    Page("reminders", lambda o: reverse("actions:reminder-settings")),
    Page("API token", lambda o: reverse("api-token"), heading="API-token"),
    Page("API docs", lambda o: reverse("api-docs"), heading="API-documentatie"),
    Page(
        "a plan the user may not see: the Dutch 404",
        lambda o: _url("reports:plan", o.hidden_plan),
        status=404,
        heading=NOT_FOUND_HEADING,
    ),
    Page(
        "an address that does not exist: the Dutch 404",
        lambda o: "/bestaat-niet/",
        status=404,
        heading=NOT_FOUND_HEADING,
    ),
    Page(
        "the edit form of an action the user may not change: the Dutch 403",
        lambda o: _url("entry:action-edit", o.unchangeable_action),
        status=403,
        heading=FORBIDDEN_HEADING,
    ),
    # None of these roles changes a whole plan; the preview itself is checked in
    # tests/browser/test_plan_cycle.py.
    Page(
        "next year's programme of a plan the user may not change: the Dutch 403",
        lambda o: _url("reports:next_programme", o.plan),
        status=403,
        heading=FORBIDDEN_HEADING,
    ),
]

# Each role must reach at least these; a page kind that silently found no object for
# the officer would otherwise drop out of the test unnoticed.
EXPECTED_FOR_OFFICER = {page.name for page in PAGES if OFFICER in page.roles}


@pytest.fixture
def seeded():
    seeds_load()
    demo_progress_load()
    demo_users_load(password=PASSWORD)


def log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/?next=/")
    page.get_by_label(re.compile("Gebruikersnaam", re.IGNORECASE)).fill(username)
    page.get_by_label(re.compile("Wachtwoord", re.IGNORECASE)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Aanmelden", re.IGNORECASE)).click()
    page.wait_for_url(live_server.url + "/")


def sideways_scroll(page) -> list[str]:
    """The widths at which the page is wider than the window."""
    too_wide = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            too_wide.append(f"{scroll}px wide at {width}px")
    page.set_viewport_size({"width": 1280, "height": 900})
    return too_wide


def check(page, url: str, spec: Page) -> list[str]:
    """Every problem of one page, as lines for the failure message."""
    response = page.goto(url)
    problems = []
    if response.status != spec.status:
        problems.append(f"answered {response.status}, expected {spec.status}")
    if spec.heading is not None:
        h1 = page.locator("h1").first.inner_text()
        if h1 != spec.heading:
            problems.append(f"h1 {h1!r}, expected {spec.heading!r}")
    if page.locator("html").get_attribute("lang") != "nl":
        problems.append("html lang is not nl")
    problems += sideways_scroll(page)
    problems += axe_violations(page)
    return problems


@pytest.mark.parametrize("role", ALL)
def test_every_page_kind_is_accessible_and_fits_the_window(
    browser, browser_context_args, live_server, seeded, role
):
    user = get_user_model().objects.get(username=role)
    objects = Objects(user)
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": 1280, "height": 900}}
    )
    page = context.new_page()
    log_in(page, live_server, role)
    problems, visited = [], set()
    for spec in PAGES:
        if role not in spec.roles:
            continue
        path = spec.url(objects)
        if path is None:
            continue
        visited.add(spec.name)
        found = check(page, live_server.url + path, spec)
        problems += [f"{spec.name} ({path}): {problem}" for problem in found]
        if spec.screenshot and role == OFFICER:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / spec.screenshot), full_page=True)
    context.close()
    if role == OFFICER:
        assert visited == EXPECTED_FOR_OFFICER, EXPECTED_FOR_OFFICER - visited
    assert not problems, f"{role}:\n" + "\n".join(problems)


def test_pages_without_signing_in_are_accessible_and_fit_the_window(
    page, live_server, seeded
):
    """The login page, the public API documentation and the 404 of an anonymous visit."""
    anonymous = [
        Page("login page", lambda o: "/admin/login/?next=/"),
        Page("API docs", lambda o: reverse("api-docs"), heading="API-documentatie"),
        Page(
            "an address that does not exist",
            lambda o: "/bestaat-niet/",
            status=404,
            heading=NOT_FOUND_HEADING,
        ),
    ]
    problems = []
    for spec in anonymous:
        path = spec.url(None)
        problems += [
            f"{spec.name}: {p}" for p in check(page, live_server.url + path, spec)
        ]
    assert not problems, "\n".join(problems)
