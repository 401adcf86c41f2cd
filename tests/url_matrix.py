"""Every URL pattern of the project, and what each one is about (tests/test_url_matrix.py).

`url_patterns()` walks Django's resolver, admin and API router included, so a URL added
anywhere is in the list without anyone naming it. `classify()` places a pattern by a
table of rules: which object its arguments name (and of which model), which HTTP methods
it answers and what each needs. A pattern no rule places is None: the matrix reports it
by its route and fails, so a new URL is either understood or noticed.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from actions.models import Action, Meeting
from policies.models import Agreement, Organisation, Plan


@dataclass(frozen=True)
class Pattern:
    """One URL pattern with the resolvers above it."""

    route: str  # as ResolverMatch.route spells it
    name: str  # with its namespaces ("admin:actions_action_change"); "" if unnamed
    regexes: tuple[str, ...]  # of each level, outermost first
    callback: object

    @property
    def params(self) -> list[str]:
        return [name for regex in self.regexes for name in normalize(regex)[0][1]]

    def url(self, values: Mapping[str, object]) -> str:
        """The path with each parameter filled in ("_0", "_1" for unnamed groups)."""
        parts = []
        for regex in self.regexes:
            template, names = normalize(regex)[0]
            parts.append(template % {name: values[name] for name in names})
        return "/" + "".join(parts)


def _join(route1: str, route2: str) -> str:
    # As URLResolver._join_route: the routes the resolver reports, so a resolved link
    # finds its pattern by route.
    return route2 if not route1 else route1 + route2.removeprefix("^")


def url_patterns(
    patterns=None, regexes: tuple[str, ...] = (), namespaces: tuple[str, ...] = ()
) -> Iterator[Pattern]:
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        regex = entry.pattern.regex.pattern
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            for pattern in url_patterns(entry.url_patterns, (*regexes, regex), inner):
                yield Pattern(
                    _join(str(entry.pattern), pattern.route),
                    pattern.name,
                    pattern.regexes,
                    pattern.callback,
                )
        else:
            assert isinstance(entry, URLPattern)
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            yield Pattern(str(entry.pattern), name, (*regexes, regex), entry.callback)


# What a method needs. On an object (subject "object"): the user's permission on it;
# elsewhere model-level permission or who the user is.
VIEW, CHANGE, DELETE, ADD = "view", "change", "delete", "add"
BULK = "bulk"  # an admin changelist's bulk action (delete_selected)
READ = "read"  # a POST that writes nothing: answers as the GET does (or 405)
SIGNED_IN = "signed-in"  # anyone signed in, about themselves or the site
ANYONE = "anyone"  # no sign-in needed
ONLY_BEHEERDER = "only-beheerder"  # the beheerder alone (a plan from its workbook)


@dataclass(frozen=True)
class Kind:
    """What a pattern is about, as far as the permission rule goes."""

    surface: str  # "admin", "api", "page": how refusals look (redirect, 401, 404)
    subject: str  # "object", "model", "site", "personal", "token", "alias", ...
    methods: Mapping[str, str]  # HTTP method -> what it needs; others answer 405
    model: type | None = None
    object_param: str | None = None  # the parameter holding the object's id
    values: Mapping[str, str] = field(default_factory=dict)  # fixed parameters
    query: Mapping[str, str] = field(default_factory=dict)  # sent with every GET
    variants: tuple[Mapping[str, str], ...] = ()  # more GETs: the exports
    # The one-line progress update answers 404, not 403, for an action the user sees
    # but may not change: it only ever offers the user's own (tests/test_pages_my_actions).
    refusal_hides: bool = False
    form: bool = False  # the admin's change form: a POST of all its fields saves them


EXPORTS = ({"export": "csv"}, {"export": "xlsx"})
PAGE_READ = {"GET": VIEW, "POST": READ}
# Patterns by name: our pages and PDFs (which model their object is, in which
# parameter), the user's own pages, the feed, the API's root and documentation, Django's
# language switch.
PAGES = {
    "reports:home": Kind("page", "site", {"GET": SIGNED_IN, "POST": READ}),
    "reports:actions": Kind(
        "page", "site", {"GET": SIGNED_IN, "POST": READ}, variants=EXPORTS
    ),
    "actions:my-actions": Kind("page", "site", {"GET": SIGNED_IN, "POST": READ}),
    "reports:plan": Kind("page", "object", PAGE_READ, Plan, "pk"),
    "reports:plan_actions": Kind(
        "page", "object", PAGE_READ, Plan, "pk", variants=EXPORTS
    ),
    "reports:plan_results": Kind("page", "object", PAGE_READ, Plan, "pk"),
    # The whole plan as one workbook (policies/workbook.py): what the user sees of it.
    "reports:plan_workbook": Kind("page", "object", {"GET": VIEW}, Plan, "pk"),
    # Publishing on the public site: who may change the whole plan (issue 18).
    "reports:publication": Kind(
        "page", "object", {"GET": CHANGE, "POST": CHANGE}, Plan, "pk"
    ),
    # The plan cycle: the preview (GET) and making next year's programme (POST) need
    # the whole programme's change permission.
    "reports:next_programme": Kind(
        "page", "object", {"GET": CHANGE, "POST": CHANGE}, Plan, "pk"
    ),
    "reports:meeting": Kind("page", "object", PAGE_READ, Meeting, "pk"),
    "reports:organisation": Kind("page", "object", PAGE_READ, Organisation, "pk"),
    "reports:action": Kind("page", "object", PAGE_READ, Action, "pk"),
    # "{year}": a year of the plan in the URL. A report is kept and made on the task
    # queue (reports/queue.py): whoever sees the plan or meeting may ask for it (GET),
    # try a failed one again (POST) and ask how its making stands ("-status").
    "pdf:quarterly": Kind(
        "page",
        "object",
        {"GET": VIEW, "POST": VIEW},
        Plan,
        "plan_pk",
        query={"year": "{year}", "quarter": "2"},
    ),
    "pdf:quarterly-status": Kind(
        "page",
        "object",
        {"GET": VIEW},
        Plan,
        "plan_pk",
        query={"year": "{year}", "quarter": "2"},
    ),
    "pdf:annual": Kind(
        "page",
        "object",
        {"GET": VIEW, "POST": VIEW},
        Plan,
        "plan_pk",
        values={"year": "{year}"},
    ),
    "pdf:annual-status": Kind(
        "page", "object", {"GET": VIEW}, Plan, "plan_pk", values={"year": "{year}"}
    ),
    "pdf:agenda": Kind(
        "page", "object", {"GET": VIEW, "POST": VIEW}, Meeting, "meeting_pk"
    ),
    "pdf:agenda-status": Kind("page", "object", {"GET": VIEW}, Meeting, "meeting_pk"),
    "actions:progress-round": Kind(
        "page", "object", {"GET": VIEW, "POST": CHANGE}, Meeting, "pk"
    ),
    "actions:quick-update": Kind(
        "page", "object", {"POST": CHANGE}, Action, "pk", refusal_hides=True
    ),
    # The officer's forms (actions/entry.py). Adding an action is an ADD on its plan:
    # an officer may add one to every plan they see (access.may_add_action).
    "entry:action-add": Kind("page", "object", {"GET": ADD, "POST": ADD}, Plan, "pk"),
    "entry:action-edit": Kind(
        "page", "object", {"GET": CHANGE, "POST": CHANGE}, Action, "pk"
    ),
    "entry:progress": Kind(
        "page", "object", {"GET": CHANGE, "POST": CHANGE}, Action, "pk"
    ),
    "entry:result": Kind(
        "page", "object", {"GET": CHANGE, "POST": CHANGE}, Agreement, "pk"
    ),
    "actions:reminder-settings": Kind(
        "page", "personal", {"GET": SIGNED_IN, "POST": SIGNED_IN}
    ),
    "actions:reset-feed": Kind("page", "personal", {"POST": SIGNED_IN}),
    "api-token": Kind("page", "personal", {"GET": SIGNED_IN, "POST": SIGNED_IN}),
    # The calendar feed: its secret in the URL instead of a sign-in.
    "actions:agenda-feed": Kind("page", "token", {"GET": ANYONE}),
    # The API's root lists the resources; the schema and its documentation page are
    # public on purpose (tests/test_api_schema.py): they describe, and hold no data.
    "api-root": Kind("api", "site", {"GET": SIGNED_IN}, values={"format": ".json"}),
    "api-schema": Kind("api", "public", {"GET": ANYONE}),
    "api-docs": Kind("api", "public", {"GET": ANYONE}),
    "set_language": Kind("page", "public", {"GET": ANYONE, "POST": ANYONE}),
    # The public site (reports/public.py): anyone, signed in or not, reads what is
    # published, and an unpublished plan (or a municipality without one) is a 404
    # for everyone. Only reads: a POST is 405.
    "public:index": Kind("page", "published", {"GET": ANYONE}),
    "public:municipality": Kind("page", "published", {"GET": ANYONE}),
    "public:plan": Kind("page", "published", {"GET": ANYONE}),
    "public:plan_data": Kind("page", "published", {"GET": ANYONE}),
    "public:field": Kind("page", "published", {"GET": ANYONE}),
}

# The admin site's own pages (not about a model).
ADMIN_SITE = {
    "admin:login": Kind("admin", "public", {"GET": ANYONE, "POST": ANYONE}),
    "admin:logout": Kind("admin", "session", {"POST": SIGNED_IN}),
    "admin:index": Kind("admin", "site", {"GET": SIGNED_IN, "POST": READ}),
    "admin:password_change": Kind(
        "admin", "personal", {"GET": SIGNED_IN, "POST": SIGNED_IN}
    ),
    "admin:password_change_done": Kind(
        "admin", "personal", {"GET": SIGNED_IN, "POST": READ}
    ),
    "admin:jsi18n": Kind("admin", "site", {"GET": SIGNED_IN, "POST": READ}),
    "admin:autocomplete": Kind("admin", "autocomplete", {"GET": VIEW}),
    "admin:app_list": Kind("admin", "app", {"GET": SIGNED_IN, "POST": READ}),
    "admin:view_on_site": Kind("admin", "content-type", {"GET": VIEW}),
}

# The views of a ModelAdmin, by the suffix of their URL name.
ADMIN_VIEWS = {
    "changelist": ("model", {"GET": VIEW, "POST": BULK}),
    "add": ("model", {"GET": ADD, "POST": ADD}),
    "change": ("object", {"GET": VIEW, "POST": CHANGE}),
    "delete": ("object", {"GET": DELETE, "POST": DELETE}),
    "history": ("object", {"GET": VIEW, "POST": READ}),
    "simple_history": ("object", {"GET": VIEW, "POST": CHANGE}),  # revert
    "password_change": ("object", {"GET": CHANGE, "POST": CHANGE}),  # a user's
    # PlanAdmin's own: the programme import and the export of its actions.
    "import": ("object", {"GET": CHANGE, "POST": CHANGE}),
    # How a large import on the task queue stands (?taak=, actions/importjobs.py): the
    # import's own rule; a job of another plan, or none, answers "weg".
    "import_status": ("object", {"GET": CHANGE}),
    "export": ("object", {"GET": VIEW, "POST": READ}),
    # A whole plan from its workbook, organisations and all: the beheerder's.
    "workbook_import": ("model", {"GET": ONLY_BEHEERDER, "POST": ONLY_BEHEERDER}),
    "workbook_import_status": ("model", {"GET": ONLY_BEHEERDER}),
}

# DRF router actions and what they need.
API_ACTIONS = {
    "list": VIEW,
    "create": ADD,
    "retrieve": VIEW,
    "update": CHANGE,
    "partial_update": CHANGE,
    "destroy": DELETE,
}


def _admin_model(pattern: Pattern):
    """The registered model whose admin URLs this pattern is under, and the view name."""
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin/{opts.app_label}/{opts.model_name}/"
        if pattern.route.startswith(prefix):
            name = pattern.name.removeprefix(
                f"admin:{opts.app_label}_{opts.model_name}_"
            )
            return model, (name if pattern.name else "")
    return None, None


def classify(pattern: Pattern) -> Kind | None:
    name = pattern.name
    if name in PAGES:
        return PAGES[name]
    if name in ADMIN_SITE:
        return ADMIN_SITE[name]
    if pattern.route.startswith("admin/"):
        return _classify_admin(pattern)
    viewset = getattr(pattern.callback, "cls", None)
    actions = getattr(pattern.callback, "actions", None)
    if viewset is not None and actions and hasattr(viewset, "queryset"):
        return _classify_api(pattern, viewset, actions)
    return None


def _classify_admin(pattern: Pattern) -> Kind | None:
    if pattern.route == "admin/(?P<url>.*)$":
        # The admin's catch-all: an address it does not know (404, or a slash added).
        return Kind("admin", "unknown", {"GET": SIGNED_IN}, values={"url": "nergens/"})
    model, view = _admin_model(pattern)
    if model is None:
        return None
    if view == "" and pattern.route.endswith("<path:object_id>/"):
        # The old address of a change page: a redirect that looks nothing up.
        methods = {"GET": SIGNED_IN, "POST": READ}
        return Kind("admin", "alias", methods, model, "object_id")
    if view not in ADMIN_VIEWS:
        return None
    subject, methods = ADMIN_VIEWS[view]
    params = pattern.params
    object_param = next((p for p in ("object_id", "id", "_0") if p in params), None)
    if (subject == "object") != (object_param is not None):
        return None
    return Kind("admin", subject, methods, model, object_param, form=view == "change")


def _classify_api(pattern: Pattern, viewset, actions) -> Kind | None:
    if any(action not in API_ACTIONS for action in actions.values()):
        return None  # an extra @action: say what it needs before it is trusted
    methods = {
        method.upper(): API_ACTIONS[action] for method, action in actions.items()
    }
    model = viewset.queryset.model
    lookup = viewset.lookup_url_kwarg or viewset.lookup_field
    values = {"format": "json"} if "format" in pattern.params else {}
    if lookup in pattern.params:
        return Kind("api", "object", methods, model, lookup, values)
    return Kind("api", "model", methods, model, None, values)
