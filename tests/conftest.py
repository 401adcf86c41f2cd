import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

# Redis, Celery worker and gunicorn fixtures for the scale-out tests (see its docstring).
from tests.scaleout import (  # noqa: F401
    _redis_server,
    app_server,
    celery_worker,
    collected_static,
    redis_url,
    use_redis,
)

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def _is_browser_test(item) -> bool:
    return Path(str(item.fspath)).parent == BROWSER_TESTS


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The browser tests last, after pytest-django's own ordering.

    Playwright's session keeps an event loop running in the main thread, after which
    Django refuses database calls in the tests that follow (async safety). The hook lives
    here, in the root conftest: in tests/browser/conftest.py it stopped taking effect with
    pytest 9.2 (CI ran the browser tests mid-suite and 69 tests after them failed).
    """
    items[:] = [i for i in items if not _is_browser_test(i)] + [
        i for i in items if _is_browser_test(i)
    ]
    if os.environ.get("CI", "").lower() == "true":
        return  # in CI a missing browser is a failure, not a skip
    from tests.browser.conftest import AXE, CHROMIUM

    if not shutil.which(CHROMIUM) or not AXE.exists():
        for item in items:
            if _is_browser_test(item):
                item.add_marker(pytest.mark.skip(reason="needs chromium and npm ci"))


@pytest.fixture(autouse=True, scope="session")
def _ci_runs_on_postgresql():
    """Under CI=true the suite must run on PostgreSQL, so green CI means PostgreSQL passed."""
    if os.environ.get("CI", "").lower() == "true" and connection.vendor != "postgresql":
        pytest.fail(
            f"CI=true but the tests run on {connection.vendor}; "
            "set DATABASE_URL to a PostgreSQL database."
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache. Pages are kept under data versions that
    never come back (ivp/pagecache.py), but a module's shared world (the URL matrix,
    the PDF reports) keeps its versions from test to test, and a test that changes
    what a page shows other than through the data (a setting, a patched function)
    must not be served the page an earlier test left."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def beheerder_on_seeds(client):
    """The seed documents and their demo progress, and a client signed in as a
    beheerder, who sees every plan."""
    from actions.demo import demo_progress_load
    from policies.seeds import seeds_load

    from .factories import UserFactory

    seeds_load()
    demo_progress_load()
    client.force_login(UserFactory(username="beheer", is_superuser=True))
    return client
