"""The query budget of a dashboard page (issue "National scale").

No page may cost more than PAGE_MAX_QUERIES queries, and no page may cost more for a plan
of 500 actions than for one of 20. The count includes what every request costs: the
session (read; written at most once a minute, ivp.middleware.SlidingSessionMiddleware),
the user and the user's memberships (ivp/access.py fetches those once per request).
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

PAGE_MAX_QUERIES = 15


def count_queries(client, url):
    """(number of queries, response) of one GET that must answer 200."""
    # Django asks a SQLite connection once whether it has JSON functions (three
    # statements, cached for the connection's life): not the page's cost.
    _ = connection.features.supports_json_field
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response
