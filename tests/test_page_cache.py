"""Signed-in pages served from the cache (ivp/pagecache.py): a write by any path shows
on the next request, users with the same rights share an entry, a user with other
rights never gets another's page, and a hit costs the same few queries for any plan."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import date_format
from openpyxl import Workbook
from rest_framework.test import APIClient

from actions.imports import programme_import
from actions.models import Action, Meeting, Status
from ivp.pagecache import PLACEHOLDER
from policies.models import Membership, Organisation, Plan, Priority
from policies.workbook import export_plan, import_plan

from .factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
    dashboard_actions,
    dashboard_plan,
)
from .forms import admin_post_data, as_post_data

pytestmark = pytest.mark.django_db

TITLE = "Cameratoezicht evalueren"
# A hit reads the session, the user, and the data version with the memberships.
HIT_QUERIES = 3


class World:
    def __init__(self):
        self.plan, self.reader = dashboard_plan()
        self.town = self.plan.municipalities.order_by("pk").first()
        self.meeting = self.plan.meetings.order_by("date")[1]
        self.action = ActionFactory(
            priority=self.plan.priorities.get(code="1.1"),
            title=TITLE,
            deadline=dt.date(2021, 6, 15),
        )
        self.action.owners.add(self.town)
        self.action.meetings.add(self.meeting)
        self.officer = self.member("officer")
        self.beheerder = UserFactory(is_staff=True, is_superuser=True)

    def member(self, role, organisation=None):
        user = UserFactory()
        Membership.objects.create(
            user=user, organisation=organisation or self.town, role=role
        )
        return user

    def pages(self):
        return {
            "plan": reverse("reports:plan", args=[self.plan.pk])
            + "?periode=jaar&jaar=2021",
            "meeting": reverse("reports:meeting", args=[self.meeting.pk]),
            "organisation": reverse("reports:organisation", args=[self.town.pk]),
            "actions": reverse("reports:plan_actions", args=[self.plan.pk]),
        }


@pytest.fixture
def world():
    return World()


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def fetch(client, url, *, tokens=False):
    """(page text, whether it came from the cache); the CSRF tokens, different in
    every response, left out unless asked for."""
    response = client.get(url)
    assert response.status_code == 200, url
    content = response.content.decode()
    if not tokens:
        content = TOKEN.sub("", content)
    return content, not response.templates


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def cached(client, url) -> str:
    """The page, after making sure the next request for it is a hit."""
    fetch(client, url)
    content, hit = fetch(client, url)
    assert hit
    return content


# --- every kind of write shows on the next request --------------------------------------


def _admin_change(world):
    client = as_user(world.beheerder)
    url = reverse("admin:actions_action_change", args=[world.action.pk])
    page = client.get(url)
    response = client.post(url, admin_post_data(page, title="Gewijzigd in de admin"))
    assert response.status_code == 302
    return "Gewijzigd in de admin"


def _entry_page(world):
    client = as_user(world.officer)
    url = reverse("entry:action-edit", args=[world.action.pk])
    form = client.get(url).context["form"]
    response = client.post(url, as_post_data(form, title="Gewijzigd op de pagina"))
    assert response.status_code == 302
    return "Gewijzigd op de pagina"


def _api_patch(world):
    client = APIClient()
    client.force_authenticate(world.officer)
    response = client.patch(
        f"/api/v1/actions/{world.action.pk}/",
        {"title": "Gewijzigd door de API", "version": world.action.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    return "Gewijzigd door de API"


def _api_post(world):
    client = APIClient()
    client.force_authenticate(world.officer)
    response = client.post(
        "/api/v1/actions/",
        {
            "priority": world.action.priority_id,
            "title": "Nieuw door de API",
            "owners": [world.town.pk],
            "deadline": "2021-06-30",
            "meetings": [world.meeting.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return "Nieuw door de API"


def _action_import(world):
    book = Workbook()
    for row in [
        ["Speerpunt", "Subspeerpunt", "Actie", "Trekker", "Deadline", "Status"],
        ["1 Zorg en veiligheid", "1.1 Jeugd", "Uit de import", world.town.name],
    ]:
        book.active.append(row + ["17 juni 2021", "loopt"][: 6 - len(row)])
    data = io.BytesIO()
    book.save(data)
    result = programme_import(
        plan=world.plan, data=data.getvalue(), filename="a.xlsx", commit=True
    )
    assert result.problems == []
    Action.objects.get(title="Uit de import").meetings.add(world.meeting)
    return "Uit de import"


def _history_revert(world):
    client = as_user(world.beheerder)
    original = world.action.history.latest()
    action = Action.objects.get(pk=world.action.pk)
    action.title = "Tijdelijk anders"
    action.save()
    url = reverse(
        "admin:actions_action_simple_history", args=[action.pk, original.history_id]
    )
    # Cache the pages with the wrong title, then revert it from the history.
    for url_ in world.pages().values():
        assert "Tijdelijk anders" in cached(as_user(world.reader), url_)
    page = client.get(url)
    assert client.post(url, admin_post_data(page)).status_code == 302
    return TITLE


def _update(world):
    Action.objects.filter(pk=world.action.pk).update(title="Gewijzigd met update()")
    return "Gewijzigd met update()"


ALL_PAGES = ("plan", "meeting", "organisation", "actions")
# An action added now is not in the plan's state of 2021 (Action.in_plan_since): the
# organisation's page lists every action it owns.
WRITES = {
    "admin": (_admin_change, ALL_PAGES),
    "entry page": (_entry_page, ALL_PAGES),
    "API PATCH": (_api_patch, ALL_PAGES),
    "API POST": (_api_post, ("organisation", "actions")),
    "action import": (_action_import, ("organisation", "actions")),
    "history revert": (_history_revert, ALL_PAGES),
    "QuerySet.update()": (_update, ALL_PAGES),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_write_shows_on_every_cached_page_at_once(world, write):
    reader = as_user(world.reader)
    for url in world.pages().values():
        cached(reader, url)
    make, pages = WRITES[write]
    expected = make(world)
    for name in pages:
        url = world.pages()[name]
        content, hit = fetch(reader, url)
        assert expected in content, name
        assert not hit
        assert fetch(reader, url) == (content, True)


def test_a_delete_takes_the_action_off_every_cached_page(world):
    reader = as_user(world.reader)
    for url in world.pages().values():
        assert TITLE in cached(reader, url)
    Action.objects.get(pk=world.action.pk).delete()
    for url in world.pages().values():
        assert TITLE not in fetch(reader, url)[0]


def test_recorded_progress_shows_its_percentage(world):
    reader = as_user(world.reader)
    url = world.pages()["organisation"]
    assert "73%" not in cached(reader, url)
    Action.objects.get(pk=world.action.pk).record_progress(
        by=world.officer, status=Status.ONGOING, text="Loopt", percentage=73
    )
    assert "73%" in fetch(reader, url)[0]


def test_a_plan_imported_from_its_workbook_shows_on_its_municipalitys_page(world):
    imported = PlanFactory(
        slug="uit-werkboek", title="Plan uit een werkboek", municipalities=[world.town]
    )
    PriorityFactory(plan=imported, code="1", title="Ondermijning")
    data = export_plan(imported)
    Plan.objects.filter(pk=imported.pk).delete()
    reader = as_user(world.reader)
    url = world.pages()["organisation"]
    assert "Plan uit een werkboek" not in cached(reader, url)
    assert import_plan(data, commit=True).problems == []
    assert "Plan uit een werkboek" in fetch(reader, url)[0]


def test_a_meeting_of_another_plan_with_the_organisations_action_follows_its_edits(
    world,
):
    # A plan the organisation takes no part in, which the reader sees too.
    neighbour = MunicipalityFactory()
    elsewhere = PlanFactory(municipalities=[neighbour])
    Membership.objects.create(user=world.reader, organisation=neighbour, role="reader")
    coming = MeetingFactory(date=dt.date.today() + dt.timedelta(days=30))
    coming.plans.add(elsewhere)
    world.action.meetings.add(coming)
    reader = as_user(world.reader)
    url = world.pages()["organisation"]
    moved = coming.date + dt.timedelta(days=1)
    assert date_format(coming.date, "j F Y") in cached(reader, url)
    Meeting.objects.filter(pk=coming.pk).update(date=moved)
    assert date_format(moved, "j F Y") in fetch(reader, url)[0]


# --- who shares an entry ---------------------------------------------------------------


def test_users_with_the_same_rights_share_an_entry(world):
    other_reader = world.member("reader")
    for url in world.pages().values():
        fetch(as_user(world.reader), url)
        assert fetch(as_user(other_reader), url)[1]


def test_a_user_with_fewer_rights_never_gets_a_richer_users_page(world):
    add_action = reverse("entry:action-add", args=[world.plan.pk])
    url = world.pages()["plan"]
    officer_page = cached(as_user(world.officer), url)
    assert add_action in officer_page
    reader_page, hit = fetch(as_user(world.reader), url)
    assert not hit and add_action not in reader_page
    # The beheerder's menu has the admin; the officer's cached page does not show it.
    assert reverse("admin:index") in fetch(as_user(world.beheerder), url)[0]
    assert fetch(as_user(world.officer), url) == (officer_page, True)


def test_a_user_who_may_not_see_the_plan_never_gets_it_from_the_cache(world):
    outsider = UserFactory()
    other_town = world.plan.municipalities.order_by("pk").last()
    stranger = world.member("reader", MunicipalityFactory())
    pages = world.pages()
    for url in pages.values():
        assert TITLE in cached(as_user(world.reader), url)
    for user in (outsider, stranger):
        assert as_user(user).get(pages["plan"]).status_code == 404
        assert as_user(user).get(pages["meeting"]).status_code == 404
        # Organisations are reference data everyone sees; their actions are not.
        page, hit = fetch(as_user(user), pages["organisation"])
        assert not hit and TITLE not in page
    # Taking part in the plan is part of the plan's data: a new member sees it at once.
    Membership.objects.filter(user=stranger).update(organisation=other_town)
    assert TITLE in fetch(as_user(stranger), pages["plan"])[0]


def test_language_is_part_of_the_key(world):
    url = world.pages()["plan"]
    reader = as_user(world.reader)
    dutch = cached(reader, url)
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, hit = fetch(reader, url)
    assert not hit and english != dutch
    assert 'lang="en"' in english and 'lang="nl"' in dutch


# --- what belongs to the request -------------------------------------------------------


def test_a_hit_carries_the_requesters_own_csrf_token(world):
    url = world.pages()["plan"]
    first = Client(enforce_csrf_checks=True)
    first.force_login(world.reader)
    fetch(first, url)
    first_page, hit = fetch(first, url, tokens=True)
    assert hit
    second = Client(enforce_csrf_checks=True)
    second.force_login(world.member("reader"))
    page, hit = fetch(second, url, tokens=True)
    assert hit and PLACEHOLDER.decode() not in page
    tokens = set(TOKEN.findall(page))
    assert len(TOKEN.findall(page)) == 2 and len(tokens) == 1  # logout and language
    assert tokens.isdisjoint(TOKEN.findall(first_page))
    # The token is the second user's own: their form is accepted, the first's is not.
    own = {"language": "en", "next": url, "csrfmiddlewaretoken": tokens.pop()}
    assert second.post(reverse("set_language"), own).status_code == 302
    theirs = {**own, "csrfmiddlewaretoken": TOKEN.findall(first_page)[0]}
    assert second.post(reverse("set_language"), theirs).status_code == 403


def test_a_flashed_message_is_shown_once_and_not_kept(world):
    officer = as_user(world.officer)
    url = world.pages()["plan"]
    cached(officer, url)
    edit = reverse("entry:action-edit", args=[world.action.pk])
    form = officer.get(edit).context["form"]
    officer.post(edit, as_post_data(form, title="Met een bericht"))
    response = officer.get(url)
    assert "Met een bericht" in response.content.decode()
    assert "is opgeslagen" in response.content.decode()
    assert response.templates  # rendered, not served from the cache
    content, hit = fetch(officer, url)
    assert "is opgeslagen" not in content


# --- cost ------------------------------------------------------------------------------


def _hit_queries(client, url):
    fetch(client, url)
    with CaptureQueriesContext(connection) as captured:
        content, hit = fetch(client, url)
    assert hit
    return len(captured)


@pytest.mark.parametrize("page", ["plan", "meeting", "organisation", "actions"])
def test_a_hit_costs_the_same_few_queries_for_20_and_500_actions(world, page):
    reader = as_user(world.reader)
    url = world.pages()[page]
    dashboard_actions(world.plan, 20)
    small = _hit_queries(reader, url)
    dashboard_actions(world.plan, 480)
    large = _hit_queries(reader, url)
    assert small == large <= HIT_QUERIES


def test_a_download_is_not_kept_as_a_page(world):
    """The plan's actions as a spreadsheet: only what the cache can give back whole
    (a page, without a header such as the file name) is kept."""
    reader = as_user(world.reader)
    url = world.pages()["actions"] + "?export=csv"
    for _ in range(2):
        response = reader.get(url)
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert TITLE in response.content.decode()


# --- the public site (reports/public.py keeps its pages under the same data version) --


def test_a_bare_update_shows_on_the_cached_public_pages_of_a_plan_and_its_ivp(client):
    town = MunicipalityFactory(name="Epe")
    ivp = PlanFactory(
        slug="ivp-epe", municipalities=[town], start_year=2021, end_year=2021
    )
    programme = PlanFactory(
        slug="programma-epe",
        kind=Plan.Kind.PROGRAMME,
        parent=ivp,
        municipalities=[town],
        start_year=2021,
        end_year=2021,
    )
    for plan in (ivp, programme):
        plan.set_published(True)
        plan.save()
    priority = PriorityFactory(plan=programme, code="1", title="Woninginbraak")
    pages = ["/openbaar/epe/ivp-epe/", "/openbaar/epe/programma-epe/"]
    for url in pages:
        client.get(url)
        again = client.get(url)
        assert "Woninginbraak" in again.content.decode() and not again.templates
    Priority.objects.filter(pk=priority.pk).update(title="Fietsendiefstal")
    for url in pages:
        content = client.get(url).content.decode()
        assert "Fietsendiefstal" in content and "Woninginbraak" not in content, url


def test_a_bare_update_shows_on_the_cached_public_index_and_municipality_page(client):
    """The index and a municipality's page key on the database's data version too:
    a plan's title or a municipality's name written around save() shows at once."""
    town = MunicipalityFactory(name="Epe")
    plan = PlanFactory(
        slug="ivp-epe", title="IVP Epe", municipalities=[town], start_year=2021
    )
    plan.set_published(True)
    plan.save()
    pages = ["/openbaar/", "/openbaar/epe/"]
    for url in pages:
        client.get(url)
        assert not client.get(url).templates, f"{url} is not served from the cache"
    Plan.objects.filter(pk=plan.pk).update(title="Veiligheidsplan Epe")
    assert "Veiligheidsplan Epe" in client.get("/openbaar/epe/").content.decode()
    Organisation.objects.filter(pk=town.pk).update(name="Gemeente Epe")
    assert "Gemeente Epe" in client.get("/openbaar/").content.decode()


def test_a_public_page_revalidated_by_its_date_alone_is_sent_again_after_a_change(
    client,
):
    """Only the ETag makes a 304: the plan's edit time does not follow its progress or
    a write around save(), so If-Modified-Since alone gets the page again."""
    town = MunicipalityFactory(name="Epe")
    plan = PlanFactory(slug="ivp-epe", municipalities=[town], start_year=2021)
    plan.set_published(True)
    plan.save()
    priority = PriorityFactory(plan=plan, code="1", title="Woninginbraak")
    # An edit time on a whole second, as the header has it.
    edited = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    Plan.objects.filter(pk=plan.pk).update(updated_at=edited)
    url = "/openbaar/epe/ivp-epe/"
    first = client.get(url)
    assert first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Priority.objects.filter(pk=priority.pk).update(title="Fietsendiefstal")
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert "Fietsendiefstal" in again.content.decode()
