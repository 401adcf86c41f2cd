"""Exact caching of signed-in pages (issue 19): a page is rendered once per state of
what it shows and served from Django's cache (Redis with REDIS_URL) after that.

The key holds everything the page depends on, so a hit is the page the view would
render now, never a stale one and never another user's:
- the page: the view, the host and the full path with its query string;
- the language and today's date (pages show the state of today);
- the data version of the plans the page shows (`policies.dataversion.data_version`,
  kept by database triggers, so every write path changes it);
- the user's rights (`access.rights`: superuser, staff, memberships with their roles),
  not the user: users with the same rights share entries, one with other rights never
  meets them. What only managers see (the buttons to add or change) follows from the
  rights and the plan's data, both in the key.

Two things on a page belong to the request, not to the data:
- CSRF tokens (the logout and language forms on every page): kept as a placeholder and
  filled in with the requester's own token on every hit. An entry is not kept when the
  token still shows anywhere after that, so no user's secret can reach another.
- flashed messages: a request with messages waiting is rendered by the view (which
  shows them once) and not cached.

Only 200 responses to GET and HEAD that set no cookie of their own and are no download
(Content-Disposition) are kept; a not-found or refused page is the view's answer every
time.

The API's lists and objects (`CachedReads`, on every resource of policies/api/base.py)
go through the same key, with the media type the request negotiated (JSON, or JSON
with another indent, are other entries) and the scheme (the answer's links are
absolute). The browsable API (HTML) is not kept: it shows the user's name and a CSRF
token in its script, and it is for reading by hand. An object's ETag is kept with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from types import FunctionType, SimpleNamespace

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, IntegerField, Value
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from . import access

# Long enough to outlive a day's reading; the key changes with the date anyway.
TIMEOUT = 24 * 3600
PLACEHOLDER = b"ivp-csrf-token-placeholder"
_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")([^"]*)(")')


def page_key(request, name: str, plans: Callable, *args, **kwargs) -> str:
    """The cache key of this request's page `name`, showing the plans
    `plans(request, *args, **kwargs)` names (reports/shown.py)."""
    parts = [
        name,
        request.get_host(),
        request.get_full_path(),
        translation.get_language(),
        timezone.localdate().isoformat(),
        # Read before the view reads the data, never after: a write committed in
        # between then gives a page newer than its key, not one older.
        _data_version(request, plans, args, kwargs),
        repr(access.rights(request.user)),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return "page:" + digest


def _data_version(request, plans, args, kwargs) -> str:
    """data_version() of the plans shown, read in one query with the user's memberships
    when the request has not read those yet: the view needs them anyway (ivp/access.py
    keeps them for the request), so the key costs a page no query of its own."""
    from policies.dataversion import fingerprint, version_rows

    user = request.user
    if hasattr(user, "_ivp_memberships") or not user.is_authenticated:
        return fingerprint(version_rows(plans(request, *args, **kwargs)))
    rows = _key_rows(request, plans, args, kwargs)
    access.remember_memberships(
        user, [(org, role) for kind, org, role in rows if kind == 1]
    )
    return fingerprint((plan, int(v)) for kind, plan, v in rows if kind == 0)


def _key_query(user, plan_ids):
    """The versions of the plans shown and the user's memberships: (kind, id, value)."""
    from policies.dataversion import version_rows

    text = CharField()
    kind = Value(0, output_field=IntegerField())
    versions = version_rows(plan_ids).annotate(kind=kind, value=Cast("version", text))
    members = access.memberships_query(user).annotate(
        kind=Value(1, output_field=IntegerField()), value=Cast("role", text)
    )
    return versions.values_list("kind", "plan_id", "value").union(
        members.values_list("kind", "organisation_id", "value"), all=True
    )


# The key's query of each kind of page, built and compiled once per process: for a
# page of many plans, building and compiling its nested subqueries took longer than
# PostgreSQL took to run them. Compiled for stand-in values no row has (a user, the
# URL's ids), which each request replaces with its own: the same SQL, the same
# parameters, as the query built anew (tests/test_page_cache_more.py compares them).
_STATEMENTS: dict = {}
_STAND_IN_USER = -7_340_001
_STAND_IN_ARGS = -7_340_100


def _key_rows(request, plans, args, kwargs) -> list:
    sql, params = _key_statement(request, plans, args, kwargs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _key_statement(request, plans, args, kwargs) -> tuple[str, list]:
    """The SQL and parameters of _key_query() for this request."""
    user = request.user
    values = [*args, *kwargs.values()]
    # Only what names its plans by the request's user and the URL's ids alone.
    if not isinstance(plans, FunctionType) or any(type(v) is not int for v in values):
        sql, params = _key_query(
            user, plans(request, *args, **kwargs)
        ).query.sql_with_params()
        return sql, list(params)
    shape = (plans, access.is_beheerder(user), len(args), tuple(kwargs))
    shape += (connection.vendor,)
    statement = _STATEMENTS.get(shape)
    if statement is None:
        statement = _STATEMENTS[shape] = _compile_key(user, plans, args, kwargs)
    sql, params = statement
    actual = {_STAND_IN_USER: user.pk}
    actual.update((_STAND_IN_ARGS - i, value) for i, value in enumerate(values))
    return sql, [actual.get(p, p) if type(p) is int else p for p in params]


def _compile_key(user, plans, args, kwargs):
    stand_in = user._meta.model(  # the class, also through a lazy request.user
        pk=_STAND_IN_USER, is_active=user.is_active, is_superuser=user.is_superuser
    )
    n = len(args)
    stand_in_args = [_STAND_IN_ARGS - i for i in range(n)]
    stand_in_kwargs = {k: _STAND_IN_ARGS - n - i for i, k in enumerate(kwargs)}
    query = _key_query(
        stand_in,
        plans(SimpleNamespace(user=stand_in), *stand_in_args, **stand_in_kwargs),
    )
    sql, params = query.query.sql_with_params()
    if _STAND_IN_USER not in params:
        raise ValueError("The key's query does not name its user as a parameter.")
    return sql, tuple(params)


def _has_messages(request) -> bool:
    # len() loads the waiting messages without marking them shown.
    return bool(len(get_messages(request)))


def _storable(request, response: HttpResponse) -> bytes | None:
    """The page with its CSRF tokens as placeholders; None when it must not be kept."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if response.has_header("Content-Disposition"):
        return None  # a download: a hit gives back the body and its type, no more
    tokens = set(_TOKEN.findall(response.content))
    content = _TOKEN.sub(rb"\1" + PLACEHOLDER + rb"\3", response.content)
    secret = request.META.get("CSRF_COOKIE", "")
    leaks = [value for _, value, _ in tokens] + [secret.encode()]
    if any(value and value in content for value in leaks):
        return None  # a token outside the forms' inputs: this page is not shareable
    return content


def cached_page(plans: Callable) -> Callable:
    """Serve the view's page from the cache while nothing it shows has changed.

    `plans(request, **kwargs)` names the plans the page shows: ids, or a one-column
    queryset of ids (then part of the version's one query). The view still decides
    who may see what; this only keeps what it answered. Put it inside login_required.
    """

    def decorator(view):
        name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or _has_messages(request):
                return view(request, *args, **kwargs)
            key = page_key(request, name, plans, *args, **kwargs)
            stored = cache.get(key)
            if stored is not None:
                content, content_type = stored
                token = get_token(request).encode()
                return HttpResponse(
                    content.replace(PLACEHOLDER, token), content_type=content_type
                )
            response = view(request, *args, **kwargs)
            content = _storable(request, response)
            if content is not None:
                cache.set(key, (content, response["Content-Type"]), TIMEOUT)
            return response

        return wrapper

    return decorator


# Headers of the API's answers that belong to the content: an object's ETag (its version,
# for If-Match) and Last-Modified, kept with it; everything else (Allow, Vary) DRF sets on
# a hit as on any answer.
KEPT_HEADERS = ("ETag", "Last-Modified")


def seen_plans(request, *args, **kwargs):
    """Every plan the user sees (access.seen_plan_ids)."""
    return access.seen_plan_ids(request.user)


class CachedReads:
    """DRF viewset mixin: the answers to GET of a list or of one object from the cache.

    The key is page_key's with the negotiated media type and the scheme; the plans are
    `cached_plans(request)`, by default every plan the user sees (what a list or an
    object of a plan-scoped resource shows lies in those plans or in the rows all plans
    share). Authentication, permissions and throttling (DRF's initial()) run before, on
    a hit too; a 404 or 403 is never kept. The answer is rendered before it is kept.
    """

    # A plain function of the request (not a method): its query is compiled once.
    cached_plans = staticmethod(seen_plans)

    def check_permissions(self, request):
        # The key before the permissions: its one query reads the user's memberships
        # with the versions, which the permission check then asks without a query.
        self._page_key = self._store_key = None
        media_type = request.accepted_media_type or ""
        if (
            self.action in ("list", "retrieve")
            and not media_type.startswith("text/")
            and request.user.is_authenticated  # else refused: no key to read
        ):
            view = type(self)
            name = "\n".join(
                [f"api:{view.__module__}.{view.__qualname__}.{self.action}"]
                + [request.scheme, media_type]
            )
            self._page_key = page_key(request, name, self.cached_plans)
        super().check_permissions(request)

    def list(self, request, *args, **kwargs):
        return self._cached(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._cached(super().retrieve, request, *args, **kwargs)

    def _cached(self, handler, request, *args, **kwargs):
        key = getattr(self, "_page_key", None)
        stored = None if key is None else cache.get(key)
        if stored is not None:
            content, content_type, headers = stored
            return HttpResponse(content, content_type=content_type, headers=headers)
        self._store_key = key
        return handler(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key, self._store_key = getattr(self, "_store_key", None), None
        if key is None or response.status_code != 200 or not hasattr(response, "data"):
            return response
        response.render()  # what a hit gives back, and no second rendering after
        content = _storable(request, response)
        if content is not None:
            headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
            cache.set(key, (content, response["Content-Type"], headers), TIMEOUT)
        return response
