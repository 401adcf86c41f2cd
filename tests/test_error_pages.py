"""Error answers with DEBUG off: Dutch pages in the product's look that name nothing
internal, the API's JSON with a Dutch detail, and 503 with Retry-After (not 500) when
the database is lost.

This module is also the URLconf of its tests: the product's URLs plus a few views that
fail on purpose.
"""

import datetime as dt
import re

import psycopg2
import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client, override_settings
from django.urls import path
from django.utils.functional import SimpleLazyObject
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from actions.api.views import ActionViewSet
from ivp import errors
from ivp import urls as ivp_urls

from .factories import MeetingFactory, PlanFactory, UserFactory, dashboard_plan

SECRET = "geheim-intern-detail"
LOST = [
    OperationalError(f"server closed the connection unexpectedly {SECRET}"),
    InterfaceError(f"connection already closed {SECRET}"),
    psycopg2.OperationalError(f"terminating connection {SECRET}"),
]


def _fail(request):
    raise RuntimeError(SECRET)


def _lose_database(request):
    raise OperationalError(f"server closed the connection unexpectedly {SECRET}")


class _AlwaysThrottled(BaseThrottle):
    def allow_request(self, request, view):
        return False

    def wait(self):
        return 30


class _ThrottledView(APIView):
    permission_classes = []
    throttle_classes = [_AlwaysThrottled]

    def get(self, request):  # pragma: no cover - always throttled
        raise AssertionError


urlpatterns = [
    path("test/fout/", _fail),
    path("test/database-weg/", _lose_database),
    path("api/test/fout/", _fail),
    path("api/test/te-vaak/", _ThrottledView.as_view()),
    *ivp_urls.urlpatterns,
]
handler400 = ivp_urls.handler400
handler403 = ivp_urls.handler403
handler404 = ivp_urls.handler404
handler500 = ivp_urls.handler500

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# What a page or a detail must never show: exception text, model names, Django's
# English defaults.
INTERNAL = [
    SECRET,
    "Traceback",
    "Exception",
    "matches the given query",
    "Meeting",
    "Django",
    "Server Error",
    "Not Found",
    "Forbidden",
    "CSRF verification failed",
]


@pytest.fixture(autouse=True)
def _production_errors():
    with override_settings(DEBUG=False):
        yield


@pytest.fixture
def anonymous():
    # Django's test client re-raises a view's exception; a browser gets the 500 page.
    return Client(raise_request_exception=False)


@pytest.fixture
def reader(anonymous):
    """A driehoek member of one municipality, signed in; `reader.hidden_meeting` is a
    meeting of someone else's plan."""
    _, user = dashboard_plan()
    anonymous.force_login(user)
    anonymous.hidden_meeting = MeetingFactory()
    anonymous.hidden_meeting.plans.add(PlanFactory())
    return anonymous


def assert_dutch_page(response, status, heading):
    html = response.content.decode()
    assert response.status_code == status, html[:500]
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="nl"' in html
    # The product's look: base.html with its header and the NL Design System CSS.
    assert 'class="ivp-header"' in html
    assert "nlds/theme.css" in html
    assert f"<h1>{heading}</h1>" in html
    for text in INTERNAL:
        assert text not in html, text
    return html


def assert_dutch_json(response, status, detail):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": detail}
    for text in INTERNAL:
        assert text not in detail, text


def _main(html):
    """The page's own content: the footer's language form carries a fresh CSRF mask."""
    return re.search(r"<main.*?</main>", html, re.S).group(0)


# --- pages ---------------------------------------------------------------------------


def test_a_suspect_request_gets_the_dutch_400_page(anonymous):
    response = anonymous.get("/", HTTP_HOST="aanvaller.example")
    html = assert_dutch_page(response, 400, "Ongeldig verzoek")
    assert "aanvaller.example" not in html


def test_a_refusal_gets_the_dutch_403_page(anonymous):
    # Staff without any membership may not open the membership list.
    anonymous.force_login(UserFactory(is_staff=True))
    response = anonymous.get("/admin/policies/membership/")
    assert_dutch_page(response, 403, "Geen toegang")


def test_a_form_without_csrf_token_gets_the_dutch_403_page():
    response = Client(enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"language": "en"}
    )
    html = assert_dutch_page(response, 403, "Formulier verlopen")
    assert "Er is niets opgeslagen" in html


def test_a_missing_and_a_hidden_meeting_get_the_same_dutch_404_page(reader):
    hidden = reader.get(f"/overleggen/{reader.hidden_meeting.pk}/")
    missing = reader.get(f"/overleggen/{reader.hidden_meeting.pk + 1000}/")
    html = assert_dutch_page(hidden, 404, "Pagina niet gevonden")
    assert _main(html) == _main(assert_dutch_page(missing, 404, "Pagina niet gevonden"))
    assert "Mijn plannen" in html  # signed in: the page keeps the menu
    assert_dutch_page(reader.get("/bestaat-niet/"), 404, "Pagina niet gevonden")


def test_a_locked_out_sign_in_gets_the_dutch_429_page_with_retry_after(anonymous):
    UserFactory(username="oov.epe")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = anonymous.post(
            "/admin/login/", {"username": "oov.epe", "password": "fout"}
        )
    html = assert_dutch_page(response, 429, "Te veel mislukte aanmeldpogingen")
    assert "een uur" in html
    assert response["Retry-After"] == str(settings.AXES_COOLOFF_TIME * 3600)


def test_an_error_gets_the_dutch_500_page(reader):
    html = assert_dutch_page(reader.get("/test/fout/"), 500, "Er ging iets mis")
    assert "Mijn plannen" not in html  # rendered without the user: see below
    assert "Retry-After" not in reader.get("/test/fout/")


def test_a_lost_database_gets_the_dutch_503_page_with_retry_after(reader):
    response = reader.get("/test/database-weg/")
    html = assert_dutch_page(response, 503, "Tijdelijk niet beschikbaar")
    assert "kijk eerst of het is opgeslagen" in html
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("error", [RuntimeError(SECRET), *LOST])
def test_500_and_503_pages_ask_nothing_of_the_database_or_the_user(
    rf, error, django_assert_num_queries
):
    request = rf.get("/acties/")
    request.user = SimpleLazyObject(lambda: _lose_database(request))
    with django_assert_num_queries(0):
        try:
            raise error
        except Exception:
            response = errors.server_error(request)
    if isinstance(error, RuntimeError):
        assert_dutch_page(response, 500, "Er ging iets mis")
    else:
        assert_dutch_page(response, 503, "Tijdelijk niet beschikbaar")


def test_a_database_lost_after_the_view_still_answers_503(reader, monkeypatch):
    """The session is saved by middleware after the view has answered; that failure
    too is a 503, which is why the answer comes from handler500 and not a middleware's
    process_exception (which sees only the view's exceptions)."""

    def save(self, must_create=False):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(SessionStore, "save", save)
    # Two minutes on, the sliding session is due for a refresh: a session save.
    with time_machine.travel(dt.timedelta(minutes=2), tick=False):
        response = reader.get("/")
    assert_dutch_page(response, 503, "Tijdelijk niet beschikbaar")
    assert "Retry-After" in response


# --- the API -------------------------------------------------------------------------


@pytest.fixture
def api():
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(UserFactory(username="beheerder", is_superuser=True))
    return client


def test_api_404_is_the_same_for_a_hidden_a_missing_and_an_unknown_resource():
    plan, reader = dashboard_plan()
    meeting = MeetingFactory()
    meeting.plans.add(PlanFactory())  # someone else's plan
    api = APIClient()
    api.force_authenticate(reader)
    assert api.get(f"/api/v1/meetings/{plan.meetings.first().pk}/").status_code == 200
    for url in [
        f"/api/v1/meetings/{meeting.pk}/",
        f"/api/v1/meetings/{meeting.pk + 1000}/",
        "/api/v1/bestaat-niet/",
    ]:
        assert_dutch_json(api.get(url), 404, "Niet gevonden.")


def test_api_asked_for_html_by_a_browser_gets_the_404_page(api):
    response = api.get("/api/v1/bestaat-niet/", HTTP_ACCEPT="text/html")
    assert_dutch_page(response, 404, "Pagina niet gevonden")


def test_api_400_for_unreadable_json_and_a_suspect_host(api):
    response = api.post(
        "/api/v1/meetings/", data="{kapot", content_type="application/json"
    )
    assert_dutch_json(
        response, 400, "Het verzoek kon niet worden gelezen. Stuur geldige JSON."
    )
    response = api.get("/api/v1/meetings/", HTTP_HOST="aanvaller.example")
    assert_dutch_json(
        response,
        400,
        "Dit verzoek kon niet worden begrepen. Controleer het adres, of ga terug en "
        "probeer het opnieuw.",
    )


def test_api_403_for_a_session_without_csrf_token_is_dutch():
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(UserFactory(is_superuser=True))
    response = api.post("/api/v1/meetings/", {}, format="json")
    assert_dutch_json(
        response,
        403,
        "Er is niets opgeslagen: de beveiligingscode (CSRF) van deze sessie ontbreekt "
        "of klopt niet. Laad de pagina opnieuw en probeer het nog eens, of gebruik een "
        "token.",
    )


def test_api_429_is_dutch_with_retry_after(api):
    response = api.get("/api/test/te-vaak/")
    assert_dutch_json(response, 429, "Te veel verzoeken. Probeer het later opnieuw.")
    assert response["Retry-After"] == "30"


def test_api_429_for_a_locked_out_sign_in_by_script_is_dutch_and_names_no_one():
    UserFactory(username="oov.epe")
    client = Client(HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/admin/login/", {"username": "oov.epe", "password": "fout"}
        )
    assert_dutch_json(
        response,
        429,
        "Voor uw veiligheid is aanmelden met dit account vanaf dit adres een uur "
        "geblokkeerd. Probeer het later opnieuw of vraag uw beheerder het account te "
        "deblokkeren.",
    )
    assert "oov.epe" not in response.content.decode()
    assert "Retry-After" in response


def test_api_500_is_dutch_and_names_nothing_internal(api):
    assert_dutch_json(
        api.get("/api/test/fout/"),
        500,
        "Er ging aan onze kant onverwacht iets mis. De fout is vastgelegd. Probeer het "
        "later opnieuw; blijft het gebeuren, meld het dan aan uw beheerder.",
    )


@pytest.mark.parametrize("error", LOST, ids=lambda e: type(e).__module__)
def test_api_503_with_retry_after_when_the_database_is_lost(api, monkeypatch, error):
    def lost(self):
        raise error

    monkeypatch.setattr(ActionViewSet, "get_queryset", lost)
    response = api.get("/api/v1/actions/")
    assert_dutch_json(
        response,
        503,
        "De IVP-tracker kan zijn database even niet bereiken, bijvoorbeeld tijdens "
        "onderhoud. Probeer het over een paar seconden opnieuw.",
    )
    assert int(response["Retry-After"]) > 0


def test_a_lost_database_behind_another_error_is_still_503(api, monkeypatch):
    def lost(self):
        try:
            raise psycopg2.InterfaceError("connection already closed")
        except psycopg2.Error as error:
            raise RuntimeError("wrapped by a library") from error

    monkeypatch.setattr(ActionViewSet, "get_queryset", lost)
    assert api.get("/api/v1/actions/").status_code == 503


def test_a_503_page_that_cannot_be_drawn_is_still_dutch_text(rf, monkeypatch):
    """Django's last resort would be the server's bare English 500."""

    def broken(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    try:
        raise LOST[0]
    except OperationalError:
        response = errors.server_error(rf.get("/acties/"))
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("De IVP-tracker kan zijn database")
    assert "Retry-After" in response
