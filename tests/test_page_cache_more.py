"""The start page, the action page and the API's lists and objects from the page cache
(ivp/pagecache.py): each write they show changes the next answer, a user with other
rights never gets another's entry, the API's media types are entries of their own, and
a hit costs the same few queries for any number of actions."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import date_format
from rest_framework.test import APIClient

from actions.models import Action, Meeting, Status
from ivp.pagecache import _key_query, _key_statement
from policies.models import Membership, Plan
from reports import shown

from .factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
    dashboard_actions,
)
from .test_page_cache import (
    HIT_QUERIES,
    TITLE,
    WRITES,
    World,
    as_user,
    cached,
    fetch,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def world():
    return World()


def action_url(action):
    return reverse("reports:action", args=[action.pk])


HOME = reverse("reports:home")


def _hit_queries(client, url):
    fetch(client, url)
    with CaptureQueriesContext(connection) as captured:
        _, hit = fetch(client, url)
    assert hit
    return len(captured)


# --- the action page -------------------------------------------------------------------

ACTION_WRITES = [
    "admin",
    "entry page",
    "API PATCH",
    "history revert",
    "QuerySet.update()",
]


@pytest.mark.parametrize("write", ACTION_WRITES)
def test_a_write_to_the_action_shows_on_its_cached_page(world, write):
    reader = as_user(world.reader)
    url = action_url(world.action)
    cached(reader, url)
    make, _pages = WRITES[write]
    expected = make(world)
    content, hit = fetch(reader, url)
    assert expected in content and not hit
    assert fetch(reader, url) == (content, True)


def test_an_edit_shows_in_the_changes_on_the_next_request(world):
    reader = as_user(world.reader)
    url = action_url(world.action)
    assert "Gewijzigd op de pagina" not in cached(reader, url)
    WRITES["entry page"][0](world)
    content, hit = fetch(reader, url)
    # The old title is only in the history's entry, beside the new one.
    assert not hit and "Gewijzigd op de pagina" in content and TITLE in content


def test_recorded_progress_shows_on_the_action_page(world):
    reader = as_user(world.reader)
    url = action_url(world.action)
    assert "Camera's hangen" not in cached(reader, url)
    Action.objects.get(pk=world.action.pk).record_progress(
        by=world.officer, status=Status.ONGOING, text="Camera's hangen", percentage=73
    )
    content, hit = fetch(reader, url)
    assert not hit and "Camera&#x27;s hangen" in content and "73%" in content


@pytest.fixture
def next_year(world):
    """Next year's programme of the same town, with the action carried over into it."""
    plan = PlanFactory(
        municipalities=[world.town],
        kind=Plan.Kind.PROGRAMME,
        start_year=2022,
        end_year=2022,
    )
    priority = PriorityFactory(plan=plan, code="1", title="Jeugd")
    return ActionFactory(
        priority=priority, title="Voortgezet in 2022", carried_over_from=world.action
    )


def test_the_action_carried_over_into_another_plan_follows_its_edits(world, next_year):
    reader = as_user(world.reader)
    url = action_url(world.action)
    assert "Voortgezet in 2022" in cached(reader, url)
    Action.objects.filter(pk=next_year.pk).update(title="Hernoemd in 2022")
    content, hit = fetch(reader, url)
    assert "Hernoemd in 2022" in content and not hit


def test_the_action_it_continues_follows_its_edits(world, next_year):
    reader = as_user(world.reader)
    url = action_url(next_year)
    assert TITLE in cached(reader, url)
    Action.objects.filter(pk=world.action.pk).update(title="Oud maar hernoemd")
    assert "Oud maar hernoemd" in fetch(reader, url)[0]


def test_a_new_continuation_in_another_plan_shows_at_once(world, next_year):
    reader = as_user(world.reader)
    url = action_url(world.action)
    cached(reader, url)
    ActionFactory(
        priority=next_year.priority,
        title="Nog een voortzetting",
        carried_over_from=world.action,
    )
    assert "Nog een voortzetting" in fetch(reader, url)[0]


def test_a_meeting_of_another_plan_it_was_reported_at_follows_its_edits(world):
    elsewhere = PlanFactory(municipalities=[MunicipalityFactory()])
    coming = MeetingFactory(date=dt.date(2021, 9, 9))
    coming.plans.add(elsewhere)
    world.action.meetings.add(coming)
    reader = as_user(world.reader)
    url = action_url(world.action)
    moved = dt.date(2021, 9, 16)
    assert date_format(coming.date, "j F Y") in cached(reader, url)
    Meeting.objects.filter(pk=coming.pk).update(date=moved)
    assert date_format(moved, "j F Y") in fetch(reader, url)[0]


def test_a_user_who_may_not_see_the_action_gets_404_after_a_hit(world):
    url = action_url(world.action)
    cached(as_user(world.reader), url)
    stranger = world.member("reader", MunicipalityFactory())
    assert as_user(stranger).get(url).status_code == 404
    assert as_user(UserFactory()).get(url).status_code == 404


def test_the_officers_page_has_the_edit_link_the_readers_has_not(world):
    url = action_url(world.action)
    edit = reverse("entry:action-edit", args=[world.action.pk])
    assert edit in cached(as_user(world.officer), url)
    page, hit = fetch(as_user(world.reader), url)
    assert not hit and edit not in page


def test_an_action_page_hit_costs_the_same_few_queries_for_20_and_500_actions(world):
    reader = as_user(world.reader)
    url = action_url(world.action)
    dashboard_actions(world.plan, 20)
    small = _hit_queries(reader, url)
    dashboard_actions(world.plan, 480)
    assert small == _hit_queries(reader, url) <= HIT_QUERIES


# --- the key's query, compiled once per kind of page -----------------------------------


@pytest.mark.parametrize(
    "plans", [shown.seen_plans, shown.action_page, shown.plan_page, shown.meeting_page]
)
def test_the_compiled_key_query_is_the_query_built_anew(world, plans):
    stranger = world.member("reader", MunicipalityFactory())
    users = (world.reader, world.officer, world.beheerder, stranger)
    pks = (world.action.pk, world.plan.pk, world.meeting.pk)
    for user, pk in zip(users, pks * 2, strict=False):
        request = SimpleNamespace(user=User.objects.get(pk=user.pk))
        statement = _key_statement(request, plans, (), {"pk": pk})
        fresh = _key_query(request.user, plans(request, pk=pk)).query
        sql, params = fresh.sql_with_params()
        assert statement == (sql, list(params)), (user, pk)


# --- the start page --------------------------------------------------------------------


def test_a_new_plan_of_the_users_town_shows_on_the_start_page(world):
    reader = as_user(world.reader)
    assert "Nieuw veiligheidsplan" not in cached(reader, HOME)
    PlanFactory(title="Nieuw veiligheidsplan", municipalities=[world.town])
    content, hit = fetch(reader, HOME)
    assert "Nieuw veiligheidsplan" in content and not hit


def test_a_new_membership_shows_its_plans_on_the_start_page(world):
    neighbour = MunicipalityFactory()
    PlanFactory(title="Plan van de buren", municipalities=[neighbour])
    reader = as_user(world.reader)
    assert "Plan van de buren" not in cached(reader, HOME)
    Membership.objects.create(user=world.reader, organisation=neighbour, role="reader")
    assert "Plan van de buren" in fetch(reader, HOME)[0]


def test_a_renamed_plan_and_its_progress_show_on_the_start_page(world):
    reader = as_user(world.reader)
    cached(reader, HOME)
    Plan.objects.filter(pk=world.plan.pk).update(title="Hernoemd plan")
    assert "Hernoemd plan" in fetch(reader, HOME)[0]
    before = cached(reader, HOME)
    Action.objects.filter(pk=world.action.pk).update(status=Status.DONE)
    after, hit = fetch(reader, HOME)
    assert not hit and after != before


def test_the_start_page_of_another_town_never_shows_this_plan(world):
    assert world.plan.title in cached(as_user(world.reader), HOME)
    stranger = world.member("reader", MunicipalityFactory())
    page, hit = fetch(as_user(stranger), HOME)
    assert not hit and world.plan.title not in page


def test_a_start_page_hit_costs_the_same_few_queries_for_2_and_12_plans(world):
    reader = as_user(world.reader)
    small = _hit_queries(reader, HOME)
    for year in range(2010, 2020):
        PlanFactory(municipalities=[world.town], start_year=year, end_year=year)
    assert small == _hit_queries(reader, HOME) <= HIT_QUERIES


# --- the API ---------------------------------------------------------------------------

LIST = "/api/v1/actions/"


def api_as(user):
    client = APIClient()
    client.force_login(user)
    return client


def api_get(client, url, **headers):
    """(the answer, whether it came from the cache): a DRF Response carries its data,
    a hit is the stored bytes."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.content)
    return response, not hasattr(response, "data")


def titles(response):
    return {row["title"] for row in response.json()["results"]}


def test_the_api_list_is_served_from_the_cache_until_a_write(world):
    reader = api_as(world.reader)
    first, hit = api_get(reader, LIST)
    assert not hit and TITLE in titles(first)
    again, hit = api_get(reader, LIST)
    assert hit and again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    expected = WRITES["API PATCH"][0](world)
    changed, hit = api_get(reader, LIST)
    assert not hit and expected in titles(changed)


def test_recorded_progress_shows_in_the_api_object(world):
    reader = api_as(world.reader)
    url = f"{LIST}{world.action.pk}/"
    api_get(reader, url)
    assert api_get(reader, url)[1]
    Action.objects.get(pk=world.action.pk).record_progress(
        by=world.officer, status=Status.ONGOING, text="Loopt", percentage=73
    )
    response, hit = api_get(reader, url)
    assert not hit and response.json()["percentage"] == 73


def test_a_membership_change_changes_what_the_api_list_shows(world):
    neighbour = MunicipalityFactory()
    elsewhere = PlanFactory(municipalities=[neighbour])
    ActionFactory(priority=PriorityFactory(plan=elsewhere), title="Bij de buren")
    reader = api_as(world.reader)
    api_get(reader, LIST)
    assert "Bij de buren" not in titles(api_get(reader, LIST)[0])
    Membership.objects.create(user=world.reader, organisation=neighbour, role="reader")
    response, hit = api_get(reader, LIST)
    assert not hit and "Bij de buren" in titles(response)
    Membership.objects.filter(user=world.reader, organisation=neighbour).delete()
    assert "Bij de buren" not in titles(api_get(reader, LIST)[0])


def test_a_user_with_other_rights_never_gets_the_api_entry(world):
    url = f"{LIST}{world.action.pk}/"
    # Made first: a new organisation changes the rows all plans share.
    stranger = api_as(world.member("reader", MunicipalityFactory()))
    same = APIClient()
    same.force_authenticate(world.member("reader"))
    reader = api_as(world.reader)
    for address in (LIST, url):
        api_get(reader, address)
        assert api_get(reader, address)[1]
    response, hit = api_get(stranger, LIST)
    assert not hit and TITLE not in titles(response)
    assert stranger.get(url).status_code == 404
    assert APIClient().get(LIST).status_code in (401, 403)
    # The same rights share the entry, signed in by session or otherwise.
    assert api_get(same, LIST)[1]


def test_json_and_the_browsable_api_are_different_entries(world):
    reader = api_as(world.reader)
    url = f"{LIST}{world.action.pk}/"
    api_get(reader, url)
    json_hit, hit = api_get(reader, url)
    assert hit and json_hit["Content-Type"] == "application/json"
    # The browsable API (the user's name, a CSRF token) is made every time.
    for _ in range(2):
        html, hit = api_get(reader, url, Accept="text/html")
        assert not hit and html["Content-Type"].startswith("text/html")
        assert world.reader.username in html.content.decode()
    indented, hit = api_get(reader, url, Accept="application/json; indent=4")
    assert not hit and indented.content != json_hit.content
    assert indented.json() == json_hit.json()
    assert api_get(reader, url, Accept="application/json; indent=4")[1]
    assert api_get(reader, url)[1]


def test_an_api_hit_keeps_the_objects_etag(world):
    reader = api_as(world.reader)
    url = f"{LIST}{world.action.pk}/"
    first, _ = api_get(reader, url)
    again, hit = api_get(reader, url)
    assert hit and again["ETag"] == first["ETag"] == f'"{world.action.version}"'


# The page's three and the request's transaction (ATOMIC_REQUESTS: a savepoint and its
# release in a test). No permission tables: those answer nothing for the domain apps
# (ivp.access.AccountBackend).
API_HIT_QUERIES = HIT_QUERIES + 2


def _api_hit_queries(client, url):
    api_get(client, url)
    with CaptureQueriesContext(connection) as captured:
        assert api_get(client, url)[1]
    return len(captured)


def test_an_api_hit_costs_the_same_few_queries_for_20_and_500_actions(world):
    reader = Client()
    reader.force_login(world.reader)
    url = LIST + "?page_size=100"
    dashboard_actions(world.plan, 20)
    small = _api_hit_queries(reader, url)
    dashboard_actions(world.plan, 480)
    assert small == _api_hit_queries(reader, url) <= API_HIT_QUERIES
