"""Login hardening: lock-out, logging, session expiry, security headers."""

import datetime as dt
import logging

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "een-lang-wachtwoord-2021"


@pytest.fixture
def officer():
    user = UserFactory(username="oov.epe", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, password):
    return client.post(
        reverse("admin:login"), {"username": "oov.epe", "password": password}
    )


def test_repeated_failures_lock_the_account_out_and_are_logged(officer, client, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "fout").status_code == 200
    locked = _login(client, "fout")
    assert locked.status_code == 429
    assert "Te veel mislukte" in locked.content.decode()
    # Even the right password does not get in while locked out.
    assert _login(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    messages = [r.getMessage() for r in caplog.records]
    assert any("login failure user=oov.epe" in m for m in messages)
    assert any(
        r.name == "axes.handlers.database" or r.name.startswith("axes")
        for r in caplog.records
    )


def test_successful_login_is_logged(officer, client, caplog):
    caplog.set_level(logging.INFO, logger="ivp.security")
    response = _login(client, PASSWORD)
    assert response.status_code == 302
    assert any("login success user=oov.epe" in r.getMessage() for r in caplog.records)


def test_refused_authorisation_is_logged(officer, client, caplog):
    caplog.set_level(logging.INFO, logger="ivp.security")
    client.force_login(officer)  # staff without any membership
    assert (
        client.get(reverse("admin:policies_membership_changelist")).status_code == 403
    )
    assert any(
        "authorisation refused user=oov.epe" in r.getMessage() for r in caplog.records
    )


def test_session_expires_after_30_idle_minutes_and_is_written_at_most_once_a_minute(
    officer, client
):
    """The idle timeout slides with activity, without a session write on every request."""
    assert settings.SESSION_COOKIE_AGE == 30 * 60

    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        writes = [
            q
            for q in queries
            if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
        ]
        return response.status_code, len(writes)

    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(officer)
        assert session_writes() == (200, 0)  # just logged in: nothing to refresh
        clock.shift(dt.timedelta(seconds=30))
        assert session_writes() == (200, 0)
        clock.shift(dt.timedelta(minutes=20))
        assert session_writes() == (200, 1)  # refreshed: now valid until 09:50:30
        clock.shift(dt.timedelta(seconds=40))
        assert session_writes() == (200, 0)
        clock.shift(dt.timedelta(minutes=29))  # 09:50:10, idle for 29 minutes
        assert session_writes() == (200, 1)  # valid until 10:20:10
        clock.shift(dt.timedelta(minutes=30, seconds=1))
        status, _ = session_writes()
        assert status == 302  # idle for more than 30 minutes: log in again


def test_security_headers_and_content_security_policy(client):
    response = client.get(reverse("admin:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_password_validators_refuse_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("welkom123")
