"""The benchmark's URLconf: the product's URLs plus one do-nothing page.

Only `bench/pages.py` uses it (through `bench/settings.py`, in its own process and in the
gunicorn it starts); the product's URLconf (`ivp/urls.py`) does not know this page. The
page shows what the framework costs with nothing to do: the same middleware (session,
user, CSRF, messages, history, CSP, audit, axes) and a signed-in user, as every dashboard
page has, and a response of a few bytes. Every page is measured against it.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path


@transaction.non_atomic_requests
@login_required
def empty(request):
    """Nothing but what every dashboard page does before its own work: a signed-in user."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/empty/", empty, name="bench-empty"),
    path("", include("ivp.urls")),
]

handler400 = "ivp.errors.bad_request"
handler403 = "ivp.errors.permission_denied"
handler404 = "ivp.errors.page_not_found"
handler500 = "ivp.errors.server_error"
