"""The OpenAPI 3 schema, its documentation page (every operation, no script), and a
bounded schemathesis run that finds no server error."""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from ivp.wsgi import application

from .test_access import World

pytestmark = pytest.mark.django_db


def test_docs_page_shows_every_operation_without_a_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script" not in html  # nothing to run, nothing to break the CSP
    assert '<html lang="nl"' in html  # the product's base page, in Dutch
    assert "API-documentatie" in html
    schema = client.get("/api/schema/?format=json").json()
    for path, item in schema["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                assert f"{method.upper()} {path}" in html, (method, path)
    for name in schema["components"]["schemas"]:
        assert f'id="type-{name}"' in html, name
    links = re.findall(r'href="([^"]+)"', html)
    assert all(not link.startswith("http") for link in links), links


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, without closing the database connection after
    each request (as Django's test client does): the test's transaction stays open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token_header():
    world = World()
    token = Token.objects.create(user=world.users["oov.epe"])
    return {"Authorization": "Token " + token.key}


def test_no_server_error_anywhere_in_the_schema(wsgi_app, token_header):
    """Every operation, with generated (valid and invalid) input, as an officer.

    Bounded (few examples per operation, derandomised) so that CI stays fast; the
    operations themselves come from the schema, so a new resource is fuzzed too.
    """
    api_schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # list, create, retrieve, update, patch, delete; agenda priorities are read only
    assert len(operations) == 11 * 6 + 2

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            case.call_and_validate(headers=token_header, checks=[not_a_server_error])

        call()


def test_browsable_api_for_a_signed_in_user(client):
    world = World()
    client.force_login(world.users["lezer.epe"])
    response = client.get("/api/v1/actions/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.objects["epe"]["action"].title in html
    assert world.objects["hattem"]["action"].title not in html
    # No executable inline script: only files and a JSON data block.
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert (
            "src=" in attributes
            or 'type="application/json"' in attributes
            or not body.strip()
        )
