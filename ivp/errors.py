"""Error answers: Dutch pages in the product's look, JSON for the API, and 503 (not 500)
when the database cannot be reached.

Django calls these views when DEBUG is off (handler400 ... handler500 in ivp/urls.py);
django-axes calls `lockout`. They say what happened and what to do next, never why in
technical terms: no exception text, no model or field names ("No Meeting matches the
given query." tells a visitor that meetings exist and are numbered). The API's own errors
inside DRF views go through `policies.api.base.exception_handler`, with the same words.
"""

import logging
import sys

import psycopg2
from axes.helpers import get_cool_off
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# A restart of PostgreSQL takes about a second, a fail-over some seconds: a client that
# honours Retry-After comes back once, not in a tight loop.
RETRY_AFTER_SECONDS = 10

# Lost or refused connections (a restart, a fail-over, a full connection table) reach a
# view as Django's wrappers; a few paths (closing a dead cursor) raise psycopg2's own.
# Both classes also cover passing trouble such as a deadlock or a statement timeout, for
# which "try again shortly" is equally the right answer.
DATABASE_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)

# The JSON details say what the pages say (the same source strings, one translation).
DETAILS = {
    400: _(
        "The request could not be understood. Check the address, or go back and try "
        "again."
    ),
    403: _(
        "You may not see or do this. If you think you should, ask your administrator "
        "(beheerder)."
    ),
    # DRF's own wording, so that the API's 404s read alike wherever they come from.
    404: _("Not found."),
    500: _(
        "An unexpected error occurred on our side. It has been logged. Try again "
        "later; if it keeps happening, tell your administrator (beheerder)."
    ),
    503: _(
        "The IVP tracker cannot reach its database for a moment, for example during "
        "maintenance. Try again in a few seconds."
    ),
}
LOCKED_OUT = _(
    "For your security, signing in with this account from this address is blocked "
    "for an hour. Try again later, or ask your beheerder to unlock the account."
)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether an exception, or one it was raised from, is a database connection fault."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def wants_json(request) -> bool:
    """API clients get JSON: paths under /api/, unless the client asks for HTML by name
    (a browser; DRF's own views then show the browsable API), and django-axes' XHR."""
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return True
    return request.path_info.startswith("/api/") and "text/html" not in (
        request.headers.get("accept", "")
    )


def _answer(request, status: int, template_name: str, *, with_context: bool = True):
    if wants_json(request):
        return JsonResponse(
            {"detail": str(DETAILS[status])},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    # Without the request context the page asks nothing of the session or the user:
    # for 500 and 503 that may be what failed (Django renders 500.html likewise).
    html = loader.render_to_string(
        template_name, request=request if with_context else None
    )
    return HttpResponse(html, status=status)


def bad_request(request, exception):
    # As Django's own: no request context, the request itself is suspect (a bad Host).
    return _answer(request, 400, "400.html", with_context=False)


def permission_denied(request, exception):
    return _answer(request, 403, "403.html")


def page_not_found(request, exception):
    return _answer(request, 404, "404.html")


def server_error(request):
    """500, or 503 with Retry-After when the database could not be reached.

    Django calls this inside its `except` block, for an error in a view or in any
    middleware (a session saved after the view), so the exception is sys.exc_info().
    """
    unavailable = is_database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    try:
        response = _answer(request, status, f"{status}.html", with_context=False)
    except Exception:
        # Should the page itself fail, Django would fall back on the server's bare
        # English 500: answer the same words as plain text instead.
        logger.exception("The %s page could not be rendered", status)
        response = HttpResponse(
            escape(DETAILS[status]),
            status=status,
            content_type="text/plain; charset=utf-8",
        )
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): 429 with
    Retry-After as the other refusals, the lock-out page, or JSON with a Dutch detail
    where axes itself would answer JSON (which would echo the username instead)."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if wants_json(request):
        response = JsonResponse(
            {"detail": str(LOCKED_OUT)},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        html = loader.render_to_string(settings.AXES_LOCKOUT_TEMPLATE, request=request)
        response = HttpResponse(html, status=status)
    cool_off = get_cool_off(request)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
