"""Every URL of the site against every role of the demo data (issue 15).

The URL patterns are not a hand-picked list: tests/url_matrix.py walks the resolver (the
admin's, the API router's and every library's patterns too) and places each one by a
table of rules; a pattern it cannot place fails `test_every_url_pattern_is_classified`
with its route. Each placed pattern is then requested as each demo role, with an object
of the role's own municipality, of a neighbour in a shared plan and of another
municipality, for reading (GET) and writing (POST, PUT, PATCH, DELETE), and the answer is
held against the rule (ivp/access.py, in words in the README):

- a GET needs permission to see the object; what the user may not see answers exactly as
  an id that does not exist (404; the admin's "does not exist" redirect);
- a write needs permission to change the object: refused with 403 where the user sees
  it, and a refused write changes nothing (no INSERT, UPDATE or DELETE is even sent);
- a write of a value the user may not see (a priority of another municipality's plan)
  is refused too;
- anonymous users get the login page (pages, admin) or 401 (API); the calendar feed
  opens with its secret alone;
- every object a page, export or feed links to or lists is one its user may see.

Allowed writes need not succeed (an empty form answers 200 with its errors, the API 428
without a version) but must not be refused. The expected answers are written out here,
per role, not asked of ivp/access.py: the matrix checks the paths against the rule, and
tests/test_access.py the rule itself.
"""

import csv
import datetime as dt
import io
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import partial
from html import unescape
from urllib.parse import urlencode, urlsplit

import pytest
import tablib
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import UnorderedObjectListWarning
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from actions.demo import demo_progress_load
from actions.models import (
    Action,
    Meeting,
    ProgressUpdate,
    ReminderMail,
    ReminderSettings,
)
from ivp.access import plan_scope
from policies.demo import demo_publication_load, demo_users_load
from policies.models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Measurement,
    Organisation,
    Plan,
    Priority,
    Result,
    SafetyField,
    Target,
)
from policies.seeds import seeds_load
from reports import pdf, public

from . import url_matrix as um
from .factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    ProgressUpdateFactory,
)
from .forms import admin_post_data
from .url_matrix import (
    ADD,
    ANYONE,
    BULK,
    CHANGE,
    DELETE,
    ONLY_BEHEERDER,
    READ,
    SIGNED_IN,
    VIEW,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = "anoniem"
ROLES = [
    "beheerder",
    "oov.epe",  # officer in the shared Veluwe-Noord programme: changes Epe's actions
    "oov.noordoostpolder",  # officer who manages a plan of its own wholly
    "lezer.veluwe-noord",  # driehoek reader of the six Veluwe-Noord municipalities
    "raad.stadskanaal",  # council member
    ANONYMOUS,
]
OFFICERS = {"oov.epe", "oov.noordoostpolder"}

# Scopes: "vn" the Veluwe-Noord programme (shared by six municipalities), "vn-epe" and
# "vn-hattem" an action in it owned by Epe or by Hattem (and its progress), "nop" the
# Noordoostpolder programme, "sk" the Stadskanaal plan.
ALL_SCOPES = {"vn", "vn-epe", "vn-hattem", "nop", "sk"}
SEES = {
    "beheerder": ALL_SCOPES,
    "oov.epe": {"vn", "vn-epe", "vn-hattem"},
    "oov.noordoostpolder": {"nop"},
    "lezer.veluwe-noord": {"vn", "vn-epe", "vn-hattem"},
    "raad.stadskanaal": {"sk"},
    ANONYMOUS: set(),
}
CHANGES = {
    "beheerder": ALL_SCOPES,
    "oov.epe": {"vn-epe"},  # in the shared programme only what Epe owns
    "oov.noordoostpolder": {"nop"},
    "lezer.veluwe-noord": set(),
    "raad.stadskanaal": set(),
    ANONYMOUS: set(),
}
# Each role against its own objects, a neighbour's in a shared plan and another
# municipality's.
SUBJECTS = {
    "beheerder": ("vn-epe", "sk"),
    "oov.epe": ("vn-epe", "vn-hattem", "nop"),
    "oov.noordoostpolder": ("nop", "vn-epe"),
    "lezer.veluwe-noord": ("vn-epe", "sk"),
    "raad.stadskanaal": ("sk", "vn-hattem"),
    ANONYMOUS: ("vn-epe",),
}
PLAN_SLUGS = {
    "vn": "veluwe-noord-uvp-2021",
    "nop": "noordoostpolder-uvp-2020-2021",
    "sk": "stadskanaal-ivp-2020-2024",
}
MUNICIPALITY = {
    "vn": "Epe",
    "vn-epe": "Epe",
    "vn-hattem": "Hattem",
    "nop": "Noordoostpolder",
    "sk": "Stadskanaal",
}

# Who may do what with each model the URLs reach.
SCOPED = "scoped"  # in a plan: SEES and CHANGES above
ORGANISATIONS = "organisations"  # reference data everyone sees; officers add
REFERENCE = "reference"  # reference data everyone sees; the beheerder keeps
BEHEERDER = "beheerder"  # the beheerder's alone
LOG = "log"  # a log: the beheerder reads and deletes, nobody writes
# A library's record (axes' sign-in logs): the beheerder reads and deletes it, and may
# save it unchanged (every field is read-only); nobody adds one.
RECORD = "record"
POLICY = {
    "policies.plan": SCOPED,
    "policies.priority": SCOPED,
    "policies.agendapriority": SCOPED,
    "policies.agreement": SCOPED,
    "policies.indicator": SCOPED,
    "policies.measurement": SCOPED,
    "actions.action": SCOPED,
    "actions.progressupdate": SCOPED,
    "actions.meeting": SCOPED,
    "policies.organisation": ORGANISATIONS,
    "policies.safetyfield": REFERENCE,
    "policies.safetytheme": REFERENCE,
    "policies.municipality": REFERENCE,
    "policies.safetyregion": REFERENCE,
    "policies.target": SCOPED,
    "policies.result": SCOPED,
    "policies.membership": BEHEERDER,
    "actions.remindersettings": BEHEERDER,
    "auth.user": BEHEERDER,
    "auth.group": BEHEERDER,
    "authtoken.tokenproxy": BEHEERDER,
    "actions.remindermail": LOG,
    "axes.accessattempt": RECORD,
    "axes.accesslog": RECORD,
    "axes.accessfailurelog": RECORD,
}
# The organisations the rule reads when a value is written (access.may_save): a plan's
# municipalities always, an action's owners in a plan shared with other municipalities.
RULE_ORGANISATION_FIELDS = {
    ("policies.plan", "municipalities"): ALL_SCOPES,
    ("actions.action", "owners"): {"vn-epe", "vn-hattem"},
}

# Outcomes, as a user would notice them.
OK = "ok"  # the request went through to its work (200, 201, 204, 409, 428, 302)
INVALID = "invalid"  # 400: the values were refused (or the form is incomplete)
NOT_FOUND = "not found"  # 404, or the admin's redirect to its index ("does not exist")
FORBIDDEN = "forbidden"  # 403
LOGIN = "login"  # the login page, or 401
NO_METHOD = "no method"  # 405
NO_EFFECT = "no effect"  # anything but an error, as long as nothing is written
ERROR = "error"  # 5xx
HIDDEN = "as if it did not exist"  # the answer to an id that does not exist
EXISTS = "a refusal that tells it exists"  # unlike the answer to an unknown id
REFUSALS = {NOT_FOUND, FORBIDDEN, LOGIN, NO_METHOD, HIDDEN}

MISSING_ID = 2_000_000_000
LOGIN_PATH = "/admin/login/"
ADMIN_INDEX = "/admin/"
WRITE_SQL = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.I)
LINK = re.compile(r'(?:href|action|src)="([^"]+)"|^URL:(\S+)', re.M)


# --- the world: seeds, demo users and an object of each model in each scope ---------


class World:
    def __init__(self):
        # Demo passwords hashed cheaply: the matrix signs in with force_login.
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ):
            seeds_load()
            demo_progress_load()
            demo_publication_load()
            demo_users_load(password="matrix-wachtwoord-2021")
        users = get_user_model().objects.filter(username__in=ROLES)
        self.users = {user.username: user for user in users}
        self.plans = {
            scope: Plan.objects.get(slug=s) for scope, s in PLAN_SLUGS.items()
        }
        self.organisations = {
            scope: Organisation.objects.get(name=name)
            for scope, name in MUNICIPALITY.items()
        }
        self._complete_the_plans()
        for user in self.users.values():
            ReminderSettings.objects.get_or_create(user=user)
            Token.objects.get_or_create(user=user)
            ReminderMail.objects.create(user=user, date=dt.date(2021, 6, 1))
        Group.objects.create(name="Matrix")
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        failed = {"username": "oov.epe", "ip_address": "192.0.2.1"}
        AccessAttempt.objects.create(**failed, failures_since_start=1)
        AccessFailureLog.objects.create(**failed)
        AccessLog.objects.create(**failed)

    def _complete_the_plans(self):
        """The seeds lack some kinds of object in some plans: make one of each."""
        for scope in ("vn", "nop", "sk"):
            plan = self.plans[scope]
            priority = self.scoped(Priority, scope)
            if self.scoped(Agreement, scope) is None:
                AgreementFactory(priority=priority)
            if self.scoped(AgendaPriority, scope) is None:
                priority.agenda_priorities.add(
                    AgendaPriority.objects.create(
                        plan=plan, level=AgendaPriority.Level.REGIONAL, title="Matrix"
                    )
                )
            if self.scoped(Indicator, scope) is None:
                IndicatorFactory(plan=plan, priority=priority)
            if self.scoped(Measurement, scope) is None:
                # A year the form accepts back: the factory's counts on per session.
                indicator = self.scoped(Indicator, scope)
                MeasurementFactory(indicator=indicator, year=2021)
            if self.scoped(Target, scope) is None:
                Target.objects.create(
                    indicator=self.scoped(Indicator, scope),
                    kind=Target.Kind.ABSOLUTE,
                    value=10,
                    year=2021,
                )
            if self.scoped(Result, scope) is None:
                Result.objects.create(
                    agreement=self.scoped(Agreement, scope), year=2021, text="Gehaald."
                )
            if self.scoped(Action, scope) is None:
                ActionFactory(priority=priority, owners=[self.organisations[scope]])
            if self.scoped(ProgressUpdate, scope) is None:
                ProgressUpdateFactory(action=self.scoped(Action, scope))
            if self.scoped(Meeting, scope) is None:
                MeetingFactory(date=dt.date(2021, 6, 10)).plans.add(plan)

    def scoped(self, model, scope):
        """The first object of the model in the scope's plan (and owner)."""
        plan_key, _, owner = scope.partition("-")
        plan_ids = Plan.objects.filter(pk=self.plans[plan_key].pk).values("pk")
        lookups = model._default_manager.get_queryset().plan_lookups
        objects = plan_scope(model._default_manager.all(), plan_ids, lookups)
        if owner and _owned(model):
            path = "owners" if model is Action else "action__owners"
            mine = self.organisations[scope]
            others = self.plans["vn"].municipalities.exclude(pk=mine.pk)
            objects = objects.filter(**{path: mine}).exclude(**{f"{path}__in": others})
        return objects.order_by("pk").first()

    def subjects(self, role: str, model) -> list[tuple[str, object]]:
        """(label, object) pairs the role is checked against for this model."""
        policy = POLICY[model._meta.label_lower]
        pairs = []
        if policy == SCOPED:
            for scope in SUBJECTS[role]:
                scope = _scope_for(model, scope)
                pairs.append((scope, self.scoped(model, scope)))
        elif policy == ORGANISATIONS:
            pairs = [(s, self.organisations[s]) for s in SUBJECTS[role]]
        else:
            user = self.users.get(role) or self.users["oov.epe"]
            pairs = [("mine", _mine(model, user)), ("theirs", _theirs(model, user))]
        unique = {}
        for label, obj in pairs:
            assert obj is not None, f"no {model._meta.label} for {label}"
            unique.setdefault(obj.pk, (label, obj))
        return list(unique.values())


def _owned(model) -> bool:
    """Actions and their progress: in a shared plan, who owns them matters."""
    lookups = model._default_manager.get_queryset().plan_lookups
    return model is Action or any(lookup.startswith("action__") for lookup in lookups)


def _scope_for(model, scope: str) -> str:
    """Who owns an object matters for actions and their progress; for the rest of a
    plan's content "vn-epe" is just "vn"."""
    return scope if _owned(model) else scope.partition("-")[0]


def _mine(model, user):
    """The user's own row (their account, membership, settings), else the first."""
    if model is get_user_model():
        return user
    rows = model._default_manager.order_by("pk")
    if any(f.name == "user" for f in model._meta.fields):
        return rows.filter(user=user).first() or rows.first()
    return rows.first()


def _theirs(model, user):
    if model is get_user_model():
        return model.objects.exclude(pk=user.pk).order_by("pk").first()
    if any(f.name == "user" for f in model._meta.fields):
        return model._default_manager.exclude(user=user).order_by("pk").first()
    return model._default_manager.order_by("pk").last()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The seeds, demo users and objects, once for the module; rolled back after.

    WeasyPrint's layout (1-2 s a report) is left out: the PDF views still find the
    plan, check access and build the report's HTML, which comes back instead of a PDF.
    tests/test_pdf_*.py read real PDFs.
    """
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setattr(pdf, "html_to_pdf", lambda html, budget=None: html.encode())
        world = World()
        if connection.vendor == "postgresql":
            # The tables' statistics were taken while they were empty: PostgreSQL then
            # plans every permission subquery for one row and nests them (2 s a check on
            # the progress updates). ANALYZE sees this transaction's own rows, as
            # autovacuum would see a real database's.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        yield world
        transaction.set_rollback(True)


# --- what each role should get --------------------------------------------------------


def may_object(role: str, need: str, model, scope: str, refusal_hides=False) -> str:
    """A signed-in role's outcome for `need` on an object (of scope, for plan content)."""
    policy = POLICY[model._meta.label_lower]
    beheerder = role == "beheerder"
    if policy == SCOPED:
        if scope not in SEES[role]:
            return HIDDEN
        if need == VIEW or scope in CHANGES[role]:
            return OK
        if need == ADD and role in OFFICERS:
            return OK  # an action of their own, in any plan they see (may_add_action)
        return NOT_FOUND if refusal_hides else FORBIDDEN
    if policy in (ORGANISATIONS, REFERENCE):
        return OK if need == VIEW or beheerder else FORBIDDEN
    if not beheerder:
        # Refused whether it exists or not: 403 (change form) or 404 (history).
        return HIDDEN
    if policy == LOG:
        return OK if need in (VIEW, DELETE) else FORBIDDEN
    return OK


def may_model(role: str, need: str, model) -> str:
    """A signed-in role's outcome for `need` on the model: a list, an add form, a bulk
    action."""
    policy = POLICY[model._meta.label_lower]
    beheerder = role == "beheerder"
    if need == VIEW:
        seen_by_all = policy in (SCOPED, ORGANISATIONS, REFERENCE)
        return OK if beheerder or seen_by_all else FORBIDDEN
    if need == ADD:
        if policy in (SCOPED, ORGANISATIONS) and role in OFFICERS:
            return OK
        return OK if beheerder and policy not in (LOG, RECORD) else FORBIDDEN
    if need == BULK:
        if beheerder:
            return OK
        # The others are not offered the bulk delete: the request does nothing.
        return NO_EFFECT if may_model(role, VIEW, model) == OK else FORBIDDEN
    raise AssertionError(need)


def expected(role, kind: um.Kind, method: str, scope=None) -> set[str]:
    """What `role` should get for `method` on a pattern of this kind (on an object of
    `scope` if the pattern names one)."""
    need = kind.methods.get(method)
    if role == ANONYMOUS:
        if need == ANYONE:
            return {OK}
        # Refused before anything is looked up; a view that takes only GET (or only
        # POST) may say so first.
        answers = {LOGIN} | ({FORBIDDEN} if kind.surface == "api" else set())
        return answers | ({NO_METHOD} if need in (None, READ) else set())
    if need is None:
        # The API asks the model-level permission of the method before it finds the
        # method missing: a reader's PUT on a list is 403, an officer's 405.
        return {NO_METHOD, FORBIDDEN} if kind.surface == "api" else {NO_METHOD}
    if need == READ:
        return expected(role, kind, "GET", scope) | {NO_METHOD}
    if need in (ANYONE, SIGNED_IN):
        answer = OK
    elif need == ONLY_BEHEERDER:
        answer = OK if role == "beheerder" else FORBIDDEN
    elif kind.subject == "object":
        answer = may_object(role, need, kind.model, scope, kind.refusal_hides)
    else:
        answer = may_model(role, need, kind.model)
    # An allowed write of an empty form may be told what is missing.
    return {OK, INVALID} if answer == OK and method != "GET" else {answer}


# --- one request and its verdict ------------------------------------------------------


@dataclass
class Cell:
    role: str
    pattern: um.Pattern
    kind: um.Kind
    method: str
    url: str
    expect: set[str]
    label: str = ""  # which object: its scope, "mine", "theirs", ...
    data: object = None  # a dict, or a function of the client (a form as shown)
    missing_url: str | None = None  # the same request for an id that does not exist
    viewer: object = None  # whose eyes the links of the answer are checked with
    anonymous_client: bool = False  # the feed: its secret instead of a sign-in
    fresh_client: bool = False  # logging out ends the session
    listed: tuple = ()  # (model, ids) an API list must show
    check: object = None  # a further check of the response: returns a problem or None
    keeps_data: bool = False  # must write nothing, even though it is not refused

    def __str__(self):
        return f"{self.role} {self.method} {self.url} [{self.label or '-'}]"


def outcome(response, kind: um.Kind) -> str:
    status = response.status_code
    if status >= 500:
        return ERROR
    if status in (301, 302, 303):
        location = response["Location"]
        if urlsplit(location).path == LOGIN_PATH:
            return LOGIN
        names_object = kind.subject in ("object", "content-type")
        if kind.surface == "admin" and names_object and location == ADMIN_INDEX:
            return NOT_FOUND  # "... with ID ... doesn't exist. Perhaps it was deleted?"
        if kind.subject == "session" and location == ADMIN_INDEX:
            return LOGIN  # the signed-out leaving: to the index, which asks to sign in
        return OK
    answers = {400: INVALID, 401: LOGIN, 403: FORBIDDEN, 404: NOT_FOUND, 405: NO_METHOD}
    return answers.get(status, OK)


def request(client, cell: Cell, url: str, data=None):
    method = cell.method.lower()
    if cell.kind.surface == "api" and cell.method != "GET":
        return getattr(client, method)(url, data or {}, format="json")
    if cell.method in ("GET", "POST"):
        return getattr(client, method)(url, data or {})
    return getattr(client, method)(url)


def writes(queries) -> list[str]:
    tables = [WRITE_SQL.match(q["sql"]) for q in queries]
    # The session row is the sign-in's, not the data's.
    return [m.group(1) for m in tables if m and m.group(1) != "django_session"]


class Matrix:
    """Runs cells as one role and keeps what went wrong."""

    def __init__(self, world, role):
        self.world = world
        self.role = role
        self.user = world.users.get(role)
        self.client = self._client()
        self.problems: list[str] = []
        self.missing: dict[tuple, tuple] = {}
        self.patterns = {p.route: p for p in um.url_patterns()}

    def _client(self):
        # A server error is a cell that fails, not the end of the matrix.
        client = APIClient(raise_request_exception=False)
        if self.user is not None:
            client.force_login(self.user)
        return client

    def run(self, cell: Cell) -> None:
        client = self.client
        if cell.anonymous_client:
            client = APIClient(raise_request_exception=False)
        elif cell.fresh_client:
            client = self._client()
        # A form is filled in as the page shows it (a read: before the writes are counted).
        data = cell.data(client) if callable(cell.data) else cell.data
        with (
            warnings.catch_warnings(),
            transaction.atomic(),
            CaptureQueriesContext(connection) as queries,
        ):
            # The admin's autocomplete pages meetings, which have no order: Django
            # warns, and the test settings make warnings errors. Not the rule's business.
            warnings.simplefilter("ignore", UnorderedObjectListWarning)
            response = request(client, cell, cell.url, data)
            transaction.set_rollback(True)  # every cell starts from the same data
        got = outcome(response, cell.kind)
        if HIDDEN in cell.expect:
            got, shown = self._hidden(client, cell, response, got)
        else:
            shown = f"{got} ({response.status_code})"
        if got not in cell.expect and not (NO_EFFECT in cell.expect and got != ERROR):
            if (got == OK and cell.expect <= REFUSALS) or got == EXISTS:
                kind = "LEAK"
            elif got in REFUSALS and OK in cell.expect:
                kind = "WRONG REFUSAL"
            else:
                kind = "MISMATCH"
            self.problems.append(f"{kind}: {cell}: expected {cell.expect}, got {shown}")
            return
        written = writes(queries.captured_queries)
        if written and (cell.keeps_data or OK not in cell.expect):
            self.problems.append(f"WRITE ON REFUSAL: {cell}: wrote {set(written)}")
        if cell.check is not None and (problem := cell.check(response)):
            self.problems.append(f"MISMATCH: {cell}: {problem}")
        if got == OK:
            for problem in self._content(cell, response):
                self.problems.append(f"LEAK: {cell}: {problem}")

    def _hidden(self, client, cell, response, got):
        """What the user may not see answers as an id that does not exist."""
        key = (cell.missing_url, cell.method)
        if key not in self.missing:
            with transaction.atomic():
                other = request(client, cell, cell.missing_url)
                transaction.set_rollback(True)
            self.missing[key] = (other.status_code, other.get("Location"))
        same = self.missing[key] == (response.status_code, response.get("Location"))
        shown = f"{got} ({response.status_code}; an unknown id: {self.missing[key][0]})"
        if same and got in (NOT_FOUND, FORBIDDEN, NO_METHOD):
            return HIDDEN, shown
        return (got if got in (OK, ERROR) else EXISTS), shown

    # -- what the answer shows --

    def _content(self, cell, response):
        viewer = cell.viewer or self.user
        if viewer is None or viewer.is_superuser:
            return
        kind = response.get("Content-Type", "").split(";")[0]
        if kind in ("text/html", "text/calendar", "application/pdf"):
            body = response.content.decode("utf-8", "replace")
            yield from self._links(viewer, body)
        elif kind == "application/json" and cell.listed:
            yield from self._api_list(viewer, cell, response.json())
        elif kind.startswith(("text/csv", "application/vnd.openxml")):
            yield from self._export(viewer, response.content, kind)

    def _links(self, viewer, body):
        linked: dict = {}
        for match in LINK.finditer(body):
            url = unescape(match.group(1) or match.group(2))
            path = urlsplit(url).path
            try:
                resolved = resolve(path)
            except Resolver404:
                continue
            pattern = self.patterns.get(resolved.route)
            kind = pattern and um.classify(pattern)
            if not kind or kind.subject != "object":
                continue
            value = resolved.kwargs.get(kind.object_param)
            if value is None and resolved.args:
                value = resolved.args[0]
            if str(value).isdigit():
                linked.setdefault(kind.model, set()).add(int(value))
        for model, ids in linked.items():
            manager = model._default_manager
            if not hasattr(manager, "visible_to"):
                continue
            seen = set(
                manager.visible_to(viewer)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            if ids - seen:
                yield f"links to {model._meta.label} {sorted(ids - seen)} not visible to {viewer}"

    def _api_list(self, viewer, cell, data):
        model, wanted = cell.listed
        ids = {row["id"] for row in data["results"]}
        seen = set(
            model.objects.visible_to(viewer)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if ids - seen:
            yield f"lists {model._meta.label} {sorted(ids - seen)} not visible"
        if wanted - ids:
            self.problems.append(
                f"WRONG REFUSAL: {cell}: does not list {sorted(wanted - ids)}"
            )

    def _export(self, viewer, content, kind):
        dataset = tablib.Dataset()
        if kind == "text/csv":
            text = content.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text), delimiter=";"))
            dataset.headers, rows = rows[0], rows[1:]
            for row in rows:
                dataset.append(row)
        else:
            dataset.load(content, format="xlsx")
        columns = {"Actie": Action.objects, "Plan": Plan.objects}
        for header, manager in columns.items():
            if header not in dataset.headers:
                continue
            visible = set(manager.visible_to(viewer).values_list("title", flat=True))
            shown = {value.removeprefix("'") for value in dataset[header]}
            if shown - visible:
                yield f"exports {header} {sorted(shown - visible)[:3]} not visible"


# --- the cells: every classified pattern x the role x its objects x each method -------

METHODS = {"admin": ("GET", "POST"), "page": ("GET", "POST")}
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _methods(kind: um.Kind):
    return API_METHODS if kind.surface == "api" else METHODS[kind.surface]


def _values(kind: um.Kind, obj) -> dict:
    """The URL's parameters for this object."""
    year = ""
    if isinstance(obj, Plan):
        year = str(min(max(2021, obj.start_year), obj.end_year))
    values = {"year": year}  # the pdf's "{year}"; ignored where no parameter has it
    values.update(
        {name: value.format(year=year) for name, value in kind.values.items()}
    )
    if kind.object_param:
        values[kind.object_param] = obj.pk
    if hasattr(obj, "history"):
        first = obj.history.order_by("history_id").first()
        values["_1"] = first.history_id  # the revert form of its first version
    return values


def _url(pattern, kind, values, query=None) -> str:
    query = {**{k: v.format(**values) for k, v in kind.query.items()}, **(query or {})}
    return pattern.url(values) + (f"?{urlencode(query, doseq=True)}" if query else "")


def object_cells(world, role, pattern, kind):
    for label, obj in world.subjects(role, kind.model):
        values = _values(kind, obj)
        missing = {**values, kind.object_param: MISSING_ID}
        for method in _methods(kind):
            expect = expected(role, kind, method, label)
            yield Cell(
                role,
                pattern,
                kind,
                method,
                _url(pattern, kind, values),
                expect,
                label,
                missing_url=_url(pattern, kind, missing),
            )
            if method == "GET":
                for variant in kind.variants:
                    yield Cell(
                        role,
                        pattern,
                        kind,
                        method,
                        _url(pattern, kind, values, variant),
                        expect,
                        f"{label}, {urlencode(variant)}",
                        missing_url=_url(pattern, kind, missing, variant),
                    )


def model_cells(world, role, pattern, kind):
    subjects = world.subjects(role, kind.model)
    ids = [obj.pk for _, obj in subjects]
    for method in _methods(kind):
        need = kind.methods.get(method)
        data, query, listed = None, None, ()
        if need == BULK:
            data = {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
        if kind.surface == "api" and method == "GET":
            query = {"page_size": 500}
            sees = {
                obj.pk
                for label, obj in subjects
                if role != ANONYMOUS and may_object(role, VIEW, kind.model, label) == OK
            }
            listed = (kind.model, sees)
        yield Cell(
            role,
            pattern,
            kind,
            method,
            _url(pattern, kind, dict(kind.values), query),
            expected(role, kind, method),
            data=data,
            listed=listed,
        )
        if method == "GET":
            for variant in kind.variants:
                yield Cell(
                    role,
                    pattern,
                    kind,
                    method,
                    _url(pattern, kind, dict(kind.values), variant),
                    expected(role, kind, method),
                    urlencode(variant),
                )
    model_admin = admin.site._registry.get(kind.model)
    if kind.methods.get("POST") == BULK and "export_csv" in (model_admin.actions or ()):
        # The admin's bulk export: a POST that reads. Only what the user sees comes out.
        yield Cell(
            role,
            pattern,
            kind,
            "POST",
            _url(pattern, kind, {}),
            expected(role, kind, "GET"),
            "export_csv",
            data={"action": "export_csv", "_selected_action": ids},
        )


def plain_cells(world, role, pattern, kind):
    """The site's and the user's own pages: no object in the URL."""
    for method in _methods(kind):
        yield Cell(
            role,
            pattern,
            kind,
            method,
            _url(pattern, kind, dict(kind.values)),
            expected(role, kind, method),
            fresh_client=kind.subject == "session",
        )


def alias_cells(world, role, pattern, kind):
    """The admin's old change address redirects without looking anything up."""
    for label, obj in world.subjects(role, kind.model):
        for method in _methods(kind):
            yield Cell(
                role,
                pattern,
                kind,
                method,
                pattern.url({kind.object_param: obj.pk}),
                expected(role, kind, method),
                label,
            )


def unknown_cells(world, role, pattern, kind):
    for method in _methods(kind):
        expect = expected(role, kind, "GET")
        yield Cell(
            role,
            pattern,
            kind,
            method,
            pattern.url(kind.values),
            {NOT_FOUND} if expect == {OK} else expect,
        )


def app_cells(world, role, pattern, kind):
    """An app's page of the admin: there only if the user may see one of its models."""
    for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
        for method in _methods(kind):
            expect = expected(role, kind, method)
            if expect & {OK} and role != "beheerder":
                if app_label not in ("policies", "actions"):
                    expect = (expect - {OK}) | {NOT_FOUND}
            yield Cell(
                role,
                pattern,
                kind,
                method,
                pattern.url({"app_label": app_label}),
                expect,
            )


def autocomplete_cells(world, role, pattern, kind):
    """Each autocomplete field of the admin offers only what the user may see: its
    first page, and a search for the name of an object of another municipality."""
    fields = set()
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.autocomplete_fields:
            fields.add((model, name))
        for inline in model_admin.inlines:
            for name in inline.autocomplete_fields:
                fields.add((inline.model, name))
    for model, name in sorted(fields, key=lambda f: (f[0]._meta.label, f[1])):
        remote = model._meta.get_field(name).remote_field.model
        opts = model._meta
        terms = [""]
        hidden = [s for s in SUBJECTS[role] if s not in SEES[role]]
        if POLICY.get(remote._meta.label_lower) == SCOPED and hidden:
            other = world.scoped(remote, _scope_for(remote, hidden[0]))
            search = admin.site._registry[remote].search_fields[0]
            terms.append(str(getattr(other, search.split("__")[0])))
        for term in terms:
            query = {
                "app_label": opts.app_label,
                "model_name": opts.model_name,
                "field_name": name,
                "term": term,
            }
            for_remote = um.Kind("admin", "model", kind.methods, remote)
            yield Cell(
                role,
                pattern,
                kind,
                "GET",
                f"{pattern.url({})}?{urlencode(query)}",
                expected(role, for_remote, "GET"),
                f"{opts.model_name}.{name} {term!r}",
                check=_autocomplete_check(role, world, remote),
            )


def _autocomplete_check(role, world, remote):
    def check(response):
        user = world.users.get(role)
        if response.status_code != 200:
            return None
        ids = {int(row["id"]) for row in response.json()["results"]}
        manager = remote._default_manager
        if user is None or not hasattr(manager, "visible_to"):
            return None
        hidden = ids - set(
            manager.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        return f"offers {remote._meta.label} {sorted(hidden)}" if hidden else None

    return check


def content_type_cells(world, role, pattern, kind):
    """The admin's "view on site": an object's page, if it has one and may be seen."""
    for model in (Plan, Action):
        content_type = ContentType.objects.get_for_model(model)
        for label, obj in world.subjects(role, model):
            values = {"content_type_id": content_type.pk, "object_id": obj.pk}
            missing = {**values, "object_id": MISSING_ID}
            if role == ANONYMOUS:
                expect = {LOGIN}
            elif may_object(role, VIEW, model, label) == HIDDEN:
                expect = {HIDDEN}
            else:
                has_page = hasattr(model, "get_absolute_url")
                expect = {OK} if has_page else {NOT_FOUND}
            yield Cell(
                role,
                pattern,
                kind,
                "GET",
                pattern.url(values),
                expect,
                f"{model._meta.model_name} {label}",
                missing_url=pattern.url(missing),
            )


def token_cells(world, role, pattern, kind):
    """The calendar feed opens with its secret alone, and with nothing else."""
    if role != ANONYMOUS:
        user = world.users[role]
        token = ReminderSettings.objects.get(user=user).feed_token
        url = pattern.url({"token": token})
        yield Cell(
            role,
            pattern,
            kind,
            "GET",
            url,
            {OK},
            "own secret",
            viewer=user,
            anonymous_client=True,
        )
        yield Cell(role, pattern, kind, "POST", url, {NO_METHOD}, "own secret")
    # Signed in or not, a made-up secret finds nothing.
    made_up = pattern.url({"token": "geen-geheim-" + "x" * 30})
    yield Cell(role, pattern, kind, "GET", made_up, {NOT_FOUND}, "made-up secret")


def published_cells(world, role, pattern, kind):
    """The public site: the same answer for every role, signed in or not: what is
    published is shown (the demo publishes the Stadskanaal IVP), the rest is a 404."""
    field = SafetyField.objects.order_by("position").first()
    for plan in world.plans.values():
        municipality = plan.municipalities.order_by("name").first()
        shown = Plan.objects.published().filter(municipalities=municipality).exists()
        values = {
            "municipality": public.municipality_slug(municipality),
            "plan": plan.slug,
            "code": field.code,
        }
        if "plan" in pattern.params:
            shown = plan.published
        elif "municipality" not in pattern.params:
            shown = True  # the index: the municipalities that publish
        expect = {OK} if shown else {NOT_FOUND}
        for format in ("csv", "json") if "format" in pattern.params else (None,):
            url = pattern.url({**values, "format": format})
            yield Cell(role, pattern, kind, "GET", url, expect, plan.slug)
            yield Cell(role, pattern, kind, "POST", url, {NO_METHOD}, plan.slug)


# --- writing values of another municipality ---------------------------------------


def _foreign_value(world, role, model, name, label):
    """A value the role may not write into this field of its object (of scope `label`),
    or None: an object of a plan it does not see; for the organisations the rule reads,
    a municipality not its own."""
    field_ = model._meta.get_field(name)
    remote = field_.remote_field.model if field_.remote_field else None
    if remote is None:
        return None
    where = RULE_ORGANISATION_FIELDS.get((model._meta.label_lower, name))
    if where is not None:
        if label not in where:
            return None
        scope = next(s for s in SUBJECTS[role] if s not in CHANGES[role])
        value = world.organisations[scope]
    elif POLICY.get(remote._meta.label_lower) == SCOPED:
        scope = next(s for s in SUBJECTS[role] if s not in SEES[role])
        value = world.scoped(remote, _scope_for(remote, scope))
    else:
        return None
    return [value.pk] if field_.many_to_many else value.pk


def _elsewhere(world, role, model, label, names):
    """(field, value) for each of `names` that the role may not point elsewhere."""
    for name in names:
        value = _foreign_value(world, role, model, name, label)
        if value is not None:
            yield name, value


def _changeable(world, role, model):
    return [
        (label, obj)
        for label, obj in world.subjects(role, model)
        if may_object(role, CHANGE, model, label) == OK
    ]


def _serializer_fields(pattern):
    serializer = pattern.callback.cls.serializer_class()
    for name, field_ in serializer.fields.items():
        related = getattr(field_, "child_relation", field_)
        if not field_.read_only and getattr(related, "queryset", None) is not None:
            yield name


def _admin_form_fields(model):
    model_admin = admin.site._registry[model]
    if model_admin.fieldsets:
        names = flatten_fieldsets(model_admin.fieldsets)
    else:
        names = [f.name for f in model._meta.get_fields() if getattr(f, "editable", 0)]
    return [n for n in names if n not in model_admin.readonly_fields]


def _names_field(name):
    def check(response):
        if response.status_code == 400 and name not in response.json():
            return f"400 without a word on {name}: {response.content[:200]!r}"
        return None

    return check


def _shows_error(response):
    if response.status_code != 200 or b"errornote" not in response.content:
        return f"the form does not refuse: {response.status_code}"
    return None


def _saved(response):
    if response.status_code == 302:
        return None
    errors = []
    if response.context and "adminform" in response.context:
        errors.append(response.context["adminform"].form.errors)
        for inline in response.context.get("inline_admin_formsets", []):
            errors += [e for e in inline.formset.errors if e]
            errors += inline.formset.non_form_errors()
    return f"the form as shown was not saved: {response.status_code} {errors}"


def value_cells(world, role, pattern, kind):
    """The role's own objects, changed to point into a plan it may not change."""
    if role in ("beheerder", ANONYMOUS) or kind.model is None:
        return
    if POLICY[kind.model._meta.label_lower] != SCOPED:
        return
    model = kind.model
    if kind.surface == "api" and kind.subject == "object" and "PATCH" in kind.methods:
        for label, obj in _changeable(world, role, model):
            version = getattr(obj, "version", None)
            url = _url(pattern, kind, _values(kind, obj))
            fields = _serializer_fields(pattern)
            for name, value in _elsewhere(world, role, model, label, fields):
                yield Cell(
                    role,
                    pattern,
                    kind,
                    "PATCH",
                    url,
                    {INVALID, FORBIDDEN},
                    f"{label}, {name} elsewhere",
                    data={name: value, "version": version},
                    check=_names_field(name),
                )
    elif kind.surface == "api" and kind.subject == "model" and "POST" in kind.methods:
        # A copy of the role's own object, pointing elsewhere.
        for label, obj in _changeable(world, role, model)[:1]:
            basename = pattern.name.removesuffix("-list")
            detail = reverse(f"{basename}-detail", args=[obj.pk])

            def copy(client, detail=detail, name=None, value=None):
                body = client.get(detail).json()
                if "slug" in body:
                    body["slug"] += "-kopie"  # unique
                return {**body, name: value}

            fields = _serializer_fields(pattern)
            for name, value in _elsewhere(world, role, model, label, fields):
                yield Cell(
                    role,
                    pattern,
                    kind,
                    "POST",
                    _url(pattern, kind, dict(kind.values)),
                    {INVALID, FORBIDDEN},
                    f"copy of {label}, {name} elsewhere",
                    data=partial(copy, name=name, value=value),
                    check=_names_field(name),
                )
    elif kind.form:
        for label, obj in _changeable(world, role, model):
            url = _url(pattern, kind, _values(kind, obj))

            def shown(client, url=url, **changes):
                return admin_post_data(client.get(url), **changes)

            # The form as shown saves: the refusals below are about the values.
            yield Cell(
                role,
                pattern,
                kind,
                "POST",
                url,
                {OK},
                f"{label}, as shown",
                data=shown,
                check=_saved,
            )
            fields = _admin_form_fields(model)
            for name, value in _elsewhere(world, role, model, label, fields):
                yield Cell(
                    role,
                    pattern,
                    kind,
                    "POST",
                    url,
                    {OK},
                    f"{label}, {name} elsewhere",
                    data=partial(shown, **{name: value}),
                    check=_shows_error,
                    keeps_data=True,
                )


CELLS = {
    "object": object_cells,
    "model": model_cells,
    "site": plain_cells,
    "personal": plain_cells,
    "public": plain_cells,
    "session": plain_cells,
    "alias": alias_cells,
    "unknown": unknown_cells,
    "app": app_cells,
    "autocomplete": autocomplete_cells,
    "content-type": content_type_cells,
    "token": token_cells,
    "published": published_cells,
}


def classified():
    for pattern in um.url_patterns():
        kind = um.classify(pattern)
        if kind is not None and kind.subject in CELLS:
            if kind.model is None or kind.model._meta.label_lower in POLICY:
                yield pattern, kind


def cells_for(world, role):
    for pattern, kind in classified():
        yield from CELLS[kind.subject](world, role, pattern, kind)
        yield from value_cells(world, role, pattern, kind)


# --- the tests ------------------------------------------------------------------------


def test_every_url_pattern_is_classified():
    unplaced = []
    for pattern in um.url_patterns():
        kind = um.classify(pattern)
        if kind is None or kind.subject not in CELLS:
            unplaced.append(pattern.route)
        elif kind.model is not None and kind.model._meta.label_lower not in POLICY:
            unplaced.append(f"{pattern.route} ({kind.model._meta.label}: no POLICY)")
    assert not unplaced, (
        "URL patterns the matrix cannot place (add a rule in tests/url_matrix.py and "
        "say who may use them in tests/test_url_matrix.py):\n" + "\n".join(unplaced)
    )


def test_every_pattern_is_checked_for_every_role(world, record_property, request):
    """No pattern slips through with no cells; each role meets objects it may see,
    may not see and (officers) may and may not change."""
    total, answers = 0, {}
    for role in ROLES:
        cells = list(cells_for(world, role))
        total += len(cells)
        for cell in cells:  # each request reaches the view it is meant for
            route = resolve(urlsplit(cell.url).path).route
            assert route == cell.pattern.route, (str(cell), route)
        per_pattern = Counter(cell.pattern.route for cell in cells)
        missing = [p.route for p, _ in classified() if not per_pattern[p.route]]
        assert not missing, f"{role} has no cells for {missing}"
        answers[role] = Counter(a for cell in cells for a in cell.expect)
    for role in ("oov.epe", "oov.noordoostpolder", "lezer.veluwe-noord"):
        assert answers[role][HIDDEN] and answers[role][OK], role
    assert answers["oov.epe"][FORBIDDEN] and answers["raad.stadskanaal"][FORBIDDEN]
    assert answers["oov.noordoostpolder"][INVALID]  # writes it may make
    assert answers[ANONYMOUS][LOGIN]
    patterns = len(list(classified()))
    summary = f"URL matrix: {total} cells: {patterns} URL patterns x {len(ROLES)} roles"
    record_property("cells", total)
    print(summary)
    # Also on the terminal (and so in CI's log) without -s or -rA.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n{summary}")
    assert total > 4000


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_rule_allows_at_every_url(world, role, record_property):
    matrix = Matrix(world, role)
    cells = list(cells_for(world, role))
    for cell in cells:
        matrix.run(cell)
    record_property("cells", len(cells))
    print(f"URL matrix, {role}: {len(cells)} cells, {len(matrix.problems)} problems")
    assert not matrix.problems, "\n".join(matrix.problems)
