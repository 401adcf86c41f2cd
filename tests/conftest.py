import os

import pytest
from django.db import connection


@pytest.fixture(autouse=True, scope="session")
def _ci_runs_on_postgresql():
    """Under CI=true the suite must run on PostgreSQL, so green CI means PostgreSQL passed."""
    if os.environ.get("CI", "").lower() == "true" and connection.vendor != "postgresql":
        pytest.fail(
            f"CI=true but the tests run on {connection.vendor}; "
            "set DATABASE_URL to a PostgreSQL database."
        )
