"""Every number of the plan dashboard that links to the actions page opens a list of
exactly that many actions, with the statuses the dashboard counted.

An IVP's figures hold its programmes of the year (Plan.covered_plans), and a past
period's are the state at its end (ActionQuerySet.as_of): the list behind a number must
hold the same actions with the same statuses, and say which day it shows.
"""

import datetime as dt
import html as html_lib
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Status
from policies.models import Organisation, Plan

pytestmark = pytest.mark.django_db

LINKED_ROW = re.compile(
    r'<tr class="utrecht-table__row" data-status="(\w+)">.*?</th>'
    r'<td class="utrecht-table__cell ivp-numeric">(?:<a href="([^"]+)">)?(\d+)',
    re.S,
)


def listed(client, url, data=None):
    """The actions page rendered now, not from the page cache (its context is read)."""
    cache.clear()
    response = client.get(url, data)
    assert response.status_code == 200
    return response


def shown_statuses(response) -> Counter:
    """The status each row of the whole list shows (all pages), as the template does."""
    rows = response.context["page"].paginator.object_list
    return Counter(getattr(a, "status_on", None) or a.status for a in rows)


def dashboard_links(client, plan: Plan, query: dict) -> tuple[object, dict]:
    response = client.get(reverse("reports:plan", args=[plan.pk]), query)
    assert response.status_code == 200
    page = response.content.decode()
    links = {}
    for key, href, n in LINKED_ROW.findall(page):
        links[key] = (html_lib.unescape(href) if href else None, int(n))
    return response, links


@pytest.mark.parametrize(
    "query",
    [
        {"periode": "kwartaal", "jaar": 2021, "kwartaal": 2},
        {"periode": "jaar", "jaar": 2021},
        {},  # the default period
    ],
)
def test_every_number_of_an_ivp_dashboard_opens_a_list_of_that_many_actions(
    beheerder_on_seeds, query
):
    client = beheerder_on_seeds
    ivp = Plan.objects.get(slug="veluwe-noord-ivp-2020-2023")
    assert Action.objects.filter(priority__plan=ivp).count() == 0  # all in programmes
    response, links = dashboard_links(client, ivp, query)
    state = response.context["state"]
    assert state.total > 0 or query == {}
    followed = 0
    for key, (href, n) in links.items():
        if not n:
            assert href is None
            continue
        found = listed(client, href)
        assert found.context["page"].paginator.count == n, (key, href)
        statuses = shown_statuses(found)
        if key == "total":
            assert statuses == Counter({s: c for s, c in state.counts.items() if c}), (
                href
            )
        elif key not in ("late", "due_next"):
            assert statuses == Counter({key: n}), href
        followed += 1
    assert followed >= 2 or query == {}
    # The dashboard's own lists: each link lists the same actions.
    for name in ("late", "due_now", "due_next", "unplanned"):
        shown = response.context[name]
        url = reverse("reports:plan_actions", args=[ivp.pk]) + "?" + shown["query"]
        found = listed(client, url)
        assert found.context["page"].paginator.count == shown["total"], name
        if shown["total"] <= 25:
            assert {a.pk for a in found.context["page"].paginator.object_list} == {
                a.pk for a in shown["actions"]
            }, name


PRIORITY_ROW = re.compile(
    r'<tr class="utrecht-table__row" data-priority="\d+">\s*<th [^>]*><a href="([^"]+)">'
    r"(.*?)</tr>",
    re.S,
)


@pytest.mark.parametrize(
    "slug", ["veluwe-noord-ivp-2020-2023", "veluwe-noord-uvp-2021"]
)
def test_each_priority_of_a_past_quarter_opens_the_actions_it_counts(
    beheerder_on_seeds, slug
):
    """A priority's name links to its actions (with its sub-priorities'): as many as
    its row's total, each with the status of the quarter's last day it counted."""
    client = beheerder_on_seeds
    plan = Plan.objects.get(slug=slug)
    response = client.get(
        reverse("reports:plan", args=[plan.pk]),
        {"periode": "kwartaal", "jaar": 2021, "kwartaal": 2},
    )
    rows = PRIORITY_ROW.findall(response.content.decode())
    assert len(rows) == len(response.context["priority_rows"])
    order = [status.value for status in Status.in_order()]
    compared = 0
    for href, cells in rows:
        *per_status, total = map(int, re.findall(r'ivp-numeric">(\d+)</td>', cells))
        found = listed(client, html_lib.unescape(href))
        assert found.context["page"].paginator.count == total, href
        counted = Counter({s: n for s, n in zip(order, per_status, strict=True) if n})
        assert shown_statuses(found) == counted, href
        compared += total
    assert compared > 0


def test_a_past_quarters_list_shows_the_statuses_of_its_last_day_and_says_so(
    beheerder_on_seeds,
):
    client = beheerder_on_seeds
    programme = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    response, links = dashboard_links(
        client, programme, {"periode": "kwartaal", "jaar": 2021, "kwartaal": 2}
    )
    state = response.context["state"]
    assert state.day == dt.date(2021, 6, 30)
    # The statuses of 30 June 2021 are not today's (demo progress came later).
    today = Counter(
        Action.objects.filter(priority__plan=programme).values_list("status", flat=True)
    )
    assert today != Counter({s: c for s, c in state.counts.items() if c})
    for key, (href, n) in links.items():
        if not n:
            continue
        found = listed(client, href)
        assert found.context["page"].paginator.count == n, key
        if key in state.counts:
            assert shown_statuses(found) == Counter({key: n}), key
        assert "stand per 30 juni 2021" in found.content.decode()
    # The list of today says no day.
    assert (
        "stand per"
        not in listed(
            client, reverse("reports:plan_actions", args=[programme.pk])
        ).content.decode()
    )


def test_an_ivps_list_holds_its_programmes_of_the_year_or_of_every_year(
    beheerder_on_seeds,
):
    client = beheerder_on_seeds
    ivp = Plan.objects.get(slug="veluwe-noord-ivp-2020-2023")
    url = reverse("reports:plan_actions", args=[ivp.pk])
    programme_actions = Action.objects.filter(priority__plan__parent=ivp).count()
    assert programme_actions > 0
    every_year = listed(client, url)
    assert every_year.context["page"].paginator.count == programme_actions
    assert listed(client, url, {"jaar": 2022}).context["page"].paginator.count == 0
    assert listed(client, url, {"jaar": 2021}).context["page"].paginator.count == (
        programme_actions
    )
    wrong = listed(client, url, {"jaar": "twintig"})
    assert "Het jaar is niet begrepen" in wrong.content.decode()
    assert wrong.context["page"].paginator.count == programme_actions


def test_an_organisations_number_per_plan_opens_that_many_actions(beheerder_on_seeds):
    client = beheerder_on_seeds
    epe = Organisation.objects.get(name="Epe")
    response = client.get(reverse("reports:organisation", args=[epe.pk]))
    rows = response.context["plan_rows"]
    page = html_lib.unescape(response.content.decode())
    followed = 0
    for row in rows:
        if not row["total"]:
            continue
        href = reverse("reports:actions") + f"?plan={row['plan'].pk}&owner={epe.pk}"
        assert f'href="{href}"' in page
        assert listed(client, href).context["page"].paginator.count == row["total"]
        followed += 1
    assert followed


def test_a_plan_not_yet_begun_links_to_the_actions_it_counts_today(client):
    """Next year's programme, made in advance: the dashboard shows today's state, in
    which the actions it carries over from 1 January are not yet in the plan; an action
    added today is. Each number and each priority's link lists what it counts."""
    from .factories import ActionFactory, PlanFactory, PriorityFactory, UserFactory

    today = timezone.localdate()
    next_year = today.year + 1
    programme = PlanFactory(
        kind=Plan.Kind.PROGRAMME, start_year=next_year, end_year=next_year
    )
    priority = PriorityFactory(plan=programme)
    ActionFactory(priority=priority, deadline=dt.date(next_year, 6, 30))
    ActionFactory(
        priority=priority, deadline=dt.date(next_year, 6, 30), in_plan_since=today
    )
    client.force_login(UserFactory(is_superuser=True))
    response, links = dashboard_links(client, programme, {})
    assert response.context["state"].total == 1
    href, n = links["total"]
    assert n == 1
    assert listed(client, href).context["page"].paginator.count == 1
    rows = PRIORITY_ROW.findall(response.content.decode())
    assert len(rows) == 1
    found = listed(client, html_lib.unescape(rows[0][0]))
    assert found.context["page"].paginator.count == 1


def test_an_ivps_dashboard_of_a_year_after_it_links_to_the_actions_it_counts(client):
    """The dashboard shows any year (1990-2100), also one after the IVP's own: it
    counts the IVP's actions and none of its programmes of other years. Its links carry
    that year, which the list takes as it is, not as a year it did not understand."""
    from .factories import ActionFactory, PlanFactory, PriorityFactory, UserFactory

    ivp = PlanFactory(start_year=2021, end_year=2022)
    programme = PlanFactory(
        kind=Plan.Kind.PROGRAMME, start_year=2021, end_year=2021, parent=ivp
    )
    ActionFactory(priority=PriorityFactory(plan=ivp))
    ActionFactory(priority=PriorityFactory(plan=programme))
    client.force_login(UserFactory(is_superuser=True))
    response, links = dashboard_links(client, ivp, {"periode": "jaar", "jaar": 2023})
    assert response.context["state"].total == 1
    href, n = links["total"]
    assert "jaar=2023" in href
    found = listed(client, href)
    assert found.context["page"].paginator.count == n == 1
    assert "Het jaar is niet begrepen" not in found.content.decode()
