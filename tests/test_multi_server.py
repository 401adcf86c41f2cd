"""Two app servers on one PostgreSQL and one Redis serve as one (issue 19, item 4).

Two real gunicorn instances on different ports (tests/scaleout.py), each with REDIS_URL
and the test database, as a load balancer would put them side by side: a login on one
is a login on the other (sessions in Redis), a write through one is read through the
other at once, the page one server kept in the cache is the copy the other serves,
failed logins count on both, and neither writes anything to its working directory.
"""

import re

import pytest
import requests
from django.core.cache import caches
from django.utils import translation
from django.utils.text import capfirst

from actions.models import ProgressUpdate, Status
from policies.models import Membership

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)

PASSWORD = "twee-servers-een-sessie"
PUBLIC_PAGE = "/openbaar/epe/ivp-epe/"


class Browser:
    """A client that keeps its cookies itself: the servers run as in production, with
    Secure cookies, which an HTTP cookie jar would not send back over plain HTTP."""

    def __init__(self):
        self.cookies = {}

    def request(self, method, url, **kwargs):
        response = requests.request(
            method,
            url,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def log_in(self, server, username, password=PASSWORD):
        """The login form's answer: 302 signed in, 200 refused, 429 locked out."""
        self.request("GET", server.url + "/admin/login/")
        return self.request(
            "POST",
            server.url + "/admin/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "next": "/",
            },
        )


@pytest.fixture
def published_plan():
    epe = MunicipalityFactory(name="Epe")
    plan = PlanFactory(title="IVP Epe", slug="ivp-epe", start_year=2020, end_year=2030)
    plan.municipalities.add(epe)
    plan.set_published(True)
    plan.public_actions = True
    plan.save()
    action = ActionFactory(
        priority=PriorityFactory(plan=plan, title="Woninginbraak"),
        title="Buurtpreventie opzetten",
        owners=[epe],
    )
    # Staff, as every account the demo makes: the admin's login form is the login.
    officer = UserFactory(username="oov.epe", is_staff=True)
    officer.set_password(PASSWORD)
    officer.save()
    Membership.objects.create(
        user=officer, organisation=epe, role=Membership.Role.OFFICER
    )
    return plan, action


def status_line(status: Status, count: int) -> str:
    """The public page's count of one status, as it writes it (in Dutch)."""
    with translation.override("nl"):
        return f"{capfirst(str(status.label))}: {count}"


def done_on_dashboard(html: str) -> int:
    """The dashboard's key figure of actions done."""
    found = re.search(r'data-key-figure="done"><dt>[^<]*</dt><dd>(\d+)</dd>', html)
    assert found, "the dashboard shows how many actions are done"
    return int(found.group(1))


def cache_keys() -> list[bytes]:
    return caches["default"]._cache.get_client().keys("*")


def test_two_servers_share_sessions_cache_and_data(
    app_server, use_redis, published_plan
):
    plan, action = published_plan
    # Two failed logins lock an account out (django-axes), to test it across servers.
    first = app_server(AXES_FAILURE_LIMIT="2")
    second = app_server(AXES_FAILURE_LIMIT="2")
    assert first.port != second.port

    # The public page through the second server, kept in Redis.
    before = requests.get(second.url + PUBLIC_PAGE, timeout=30)
    assert before.status_code == 200, second.log.read_text(errors="replace")[-4000:]
    assert status_line(Status.NOT_STARTED, 1) in before.text
    kept = cache_keys()
    assert kept, "the public page is kept in the shared cache"
    # The first server serves that same copy instead of making and keeping its own.
    again = requests.get(first.url + PUBLIC_PAGE, timeout=30)
    assert again.text == before.text
    assert sorted(cache_keys()) == sorted(kept)

    # A login through the first server is a login on the second.
    browser = Browser()
    assert browser.log_in(first, "oov.epe").status_code == 302
    assert "sessionid" in browser.cookies
    anonymous = requests.get(
        f"{second.url}/plannen/{plan.pk}/", allow_redirects=False, timeout=30
    )
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous.headers["Location"]
    dashboard = browser.request("GET", f"{second.url}/plannen/{plan.pk}/")
    assert dashboard.status_code == 200
    assert "Buurtpreventie opzetten" in dashboard.text
    assert done_on_dashboard(dashboard.text) == 0

    # A write through the first server with that session (and its CSRF token)...
    written = browser.request(
        "POST",
        first.url + "/api/v1/progress-updates/",
        json={
            "action": action.pk,
            "date": "2026-11-01",
            "status": Status.DONE,
            "text": "Via de eerste server afgerond",
        },
        headers={
            "X-CSRFToken": browser.cookies["csrftoken"],
            "Referer": first.url + "/",
        },
    )
    assert written.status_code == 201, written.text
    assert ProgressUpdate.objects.filter(action=action).count() == 1

    # ... is read through the second at once: the cached public page and the dashboard.
    after = requests.get(second.url + PUBLIC_PAGE, timeout=30)
    assert status_line(Status.DONE, 1) in after.text
    assert status_line(Status.NOT_STARTED, 1) not in after.text
    dashboard = browser.request("GET", f"{second.url}/plannen/{plan.pk}/")
    assert done_on_dashboard(dashboard.text) == 1

    # A logout on the second server ends the session on the first.
    logout = browser.request(
        "POST",
        second.url + "/admin/logout/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
    )
    assert logout.status_code in (200, 302)
    ended = browser.request("GET", f"{first.url}/plannen/{plan.pk}/")
    assert ended.status_code == 302

    # Failed logins count on every server (axes keeps them in PostgreSQL): one on the
    # first, and the second one, on the second server, reaches the limit of two and
    # locks the account out; then the right password is refused on the first too.
    assert Browser().log_in(first, "oov.epe", password="fout").status_code == 200
    assert Browser().log_in(second, "oov.epe", password="fout").status_code == 429
    assert Browser().log_in(first, "oov.epe").status_code == 429

    # Nothing on local disk: the servers' working directories are still empty.
    for server in (first, second):
        assert list(server.cwd.iterdir()) == []
