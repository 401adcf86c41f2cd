"""Authentication: sessions for the browser, personal tokens for scripts, no anonymous
access."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .factories import MunicipalityFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    epe = MunicipalityFactory(name="Epe")
    PlanFactory(municipalities=[epe], title="IVP Epe")
    user = UserFactory(username="oov.epe")
    user.memberships.create(organisation=epe, role="officer")
    return user


@pytest.mark.parametrize(
    "url", ["/api/v1/plans/", "/api/v1/actions/", "/api/v1/organisations/"]
)
def test_anonymous_requests_are_refused(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert "Authenticatiegegevens zijn niet opgegeven" in response.json()["detail"]
    response = APIClient().post(url, {"title": "x"}, format="json")
    assert response.status_code == 401


def test_a_wrong_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/v1/plans/")
    assert response.status_code == 401


def test_token_page_needs_login(client):
    response = client.get(reverse("api-token"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_user_creates_uses_and_revokes_own_token(client, officer):
    client.force_login(officer)
    page = client.get(reverse("api-token")).content.decode()
    assert "U hebt geen token." in page
    assert 'name="csrfmiddlewaretoken"' in page

    page = client.post(reverse("api-token"), {"action": "create"}).content.decode()
    token = Token.objects.get(user=officer)
    assert token.key in page
    assert "Kopieer het nu" in page

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + token.key)
    response = api.get("/api/v1/plans/")
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["IVP Epe"]

    # The key is shown once: the page does not show it again.
    page = client.get(reverse("api-token")).content.decode()
    assert token.key not in page
    assert "U hebt een token" in page

    response = client.post(reverse("api-token"), {"action": "revoke"}, follow=True)
    assert "Uw token is ingetrokken." in response.content.decode()
    assert not Token.objects.filter(user=officer).exists()
    assert api.get("/api/v1/plans/").status_code == 401


def test_replacing_a_token_invalidates_the_old_one(client, officer):
    client.force_login(officer)
    client.post(reverse("api-token"), {"action": "create"})
    old = Token.objects.get(user=officer).key
    client.post(reverse("api-token"), {"action": "create"})
    new = Token.objects.get(user=officer).key
    assert old != new
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + old)
    assert api.get("/api/v1/plans/").status_code == 401


def test_token_page_refuses_post_without_csrf(officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post(reverse("api-token"), {"action": "create"}).status_code == 403
    assert not Token.objects.filter(user=officer).exists()


def test_session_writes_need_csrf(officer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.get("/api/v1/plans/").status_code == 200
    response = client.post(
        "/api/v1/organisations/", {"name": "GGD", "kind": "ggd"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_someone_elses_token_cannot_be_revoked(client, officer):
    other = UserFactory(username="oov.hattem")
    token = Token.objects.create(user=other)
    client.force_login(officer)
    client.post(reverse("api-token"), {"action": "revoke"})
    assert Token.objects.filter(pk=token.pk).exists()
