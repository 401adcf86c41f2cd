"""The public site (/openbaar/, issue 18): published plans for residents, no login.

Only plans with `Plan.published` appear, and of them only the parts the municipality
chose to publish; an unpublished plan is a 404. Nothing about persons: organisations
and roles, never users, e-mail addresses or who wrote a progress text; a progress text
only where its update is marked public.

The views never touch request.user or request.session and render without the CSRF
token, so no response sets a cookie or varies on one: a shared cache may keep them.
They are served from Django's cache under a key holding the data version of what they
show (`data_version`), so an edit of published data gives new keys at once.
"""

import copy
import csv
import hashlib
import io
import json
from collections import defaultdict
from functools import wraps

from django.core.cache import cache
from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from actions.models import ProgressUpdate, Status
from actions.state import PlanState
from ivp.periods import Period
from policies.comparison import comparison_plans
from policies.dataversion import data_version
from policies.models import (
    AgendaPriority,
    Indicator,
    Organisation,
    Plan,
    Priority,
    SafetyField,
)
from policies.results import ResultsSummary

from .charts import status_bar_svg
from .views import indicator_entries

# Seconds a browser or proxy may keep a page without asking again. Short: our own
# cache follows every change at once, but a copy out there shows a plan taken off the
# site for up to this long.
MAX_AGE = 60
LANGUAGES = ("nl", "en")


# --- what is public --------------------------------------------------------------------


def municipality_slug(organisation: Organisation) -> str:
    return slugify(organisation.name)


def published_municipalities():
    return (
        Organisation.objects.municipalities()
        .filter(plans__published=True)
        .distinct()
        .order_by("name")
    )


def municipality_or_404(slug: str) -> Organisation:
    """The municipality with a published plan named by `slug`: its name as a slug
    ("stadskanaal") or its CBS code ("gm0037")."""
    for organisation in published_municipalities():
        code = (organisation.cbs_code or "").lower()
        if slug in (municipality_slug(organisation), code):
            return organisation
    raise Http404


def published_plans(organisation: Organisation):
    return Plan.objects.published().filter(municipalities=organisation)


def plan_or_404(organisation: Organisation, slug: str) -> Plan:
    plan = published_plans(organisation).filter(slug=slug).first()
    if plan is None:
        raise Http404
    return plan


def index_version(plans) -> tuple[str, object]:
    """The version of the index and municipality pages, and their Last-Modified.

    The database's data version of the plans shown (which holds the rows all plans
    share, such as the municipalities' names), as every other cached page has it: a
    sum of the plans' own edit counters missed a write that went around save() and a
    renamed municipality. The plans are named by a subquery: a plan published or
    withdrawn changes the set, and so the fingerprint."""
    at = plans.aggregate(at=Max("updated_at"))["at"]
    return data_version(plans.order_by().values("pk")), at


# --- serving from the cache -------------------------------------------------------------


def _language(request) -> str:
    # From the address, never the language cookie: the same URL is the same page.
    language = request.GET.get("lang", "nl")
    return language if language in LANGUAGES else "nl"


def serve(request, *, name: str, version: str, last_modified, build) -> HttpResponse:
    """The response of `build()` (content, content type), from the cache when this
    version of the data was shown before, with cache headers and an ETag; 304 when
    the client holds this version.

    Only the ETag decides a 304. Last-Modified (the plans' own last edit) is sent for
    information, but the page also changes with progress, shared rows and the date,
    which the plans' edit time does not follow: a client that revalidated with
    If-Modified-Since alone was told its old page was current."""
    language = _language(request)
    today = timezone.localdate().isoformat()  # the state shown is today's
    digest = hashlib.sha256(f"{name}:{language}:{today}:{version}".encode())
    key = "public:" + digest.hexdigest()
    etag = '"' + digest.hexdigest()[:32] + '"'
    stamp = last_modified.timestamp() if last_modified else None
    response = get_conditional_response(request, etag=etag)
    if response is None:
        stored = cache.get(key)
        if stored is None:
            with translation.override(language):
                stored = build()
            cache.set(key, stored, 24 * 3600)
        content, content_type = stored
        response = HttpResponse(content, content_type=content_type)
    response["ETag"] = etag
    if stamp is not None:
        response["Last-Modified"] = http_date(stamp)
    response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def _page(request, template: str, context: dict):
    def build():
        context["language"] = language = translation.get_language()
        context["lang_query"] = "?lang=en" if language == "en" else ""
        html = render(request, template, context).content
        return html, "text/html; charset=utf-8"

    return build


def public_page(view):
    """GET and HEAD only; what is not (or no longer) published is the public site's
    own 404, without the cookies of the product's error page, and never kept."""

    @wraps(view)
    @require_safe
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            language = _language(request)
            with translation.override(language):
                context = {
                    "language": language,
                    "lang_query": "?lang=en" if language == "en" else "",
                }
                response = render(request, "public/404.html", context, status=404)
            patch_cache_control(response, no_cache=True)
            return response

    return wrapper


# --- the pages --------------------------------------------------------------------------


@public_page
def index(request):
    plans = Plan.objects.published()
    version, at = index_version(plans)

    def context():
        municipalities = [
            {"organisation": o, "slug": municipality_slug(o)}
            for o in published_municipalities()
        ]
        return {"municipalities": municipalities}

    return serve(
        request,
        name="index",
        version=version,
        last_modified=at,
        build=lambda: _page(request, "public/index.html", context())(),
    )


@public_page
def municipality(request, municipality):
    organisation = municipality_or_404(municipality)
    plans = published_plans(organisation)
    version, at = index_version(plans)

    def build():
        fields = SafetyField.objects.filter(
            priorities__plan__in=plans.values("pk")
        ).distinct()
        context = {
            "organisation": organisation,
            "slug": municipality_slug(organisation),
            "plans": list(plans.order_by("-start_year", "title")),
            "fields": list(fields.order_by("position")),
        }
        return _page(request, "public/municipality.html", context)()

    return serve(
        request,
        name=f"municipality:{organisation.pk}",
        version=version,
        last_modified=at,
        build=build,
    )


def plan_period(plan: Plan) -> Period:
    return Period.default_for(plan.start_year, plan.end_year, timezone.localdate())


def public_progress(action_ids) -> dict[int, ProgressUpdate]:
    """Per action its latest progress text marked public. One query."""
    latest = {}
    updates = ProgressUpdate.objects.filter(
        action_id__in=action_ids, is_public=True
    ).only("action_id", "date", "text")
    for update in updates.order_by("action_id", "-date", "-id"):
        latest.setdefault(update.action_id, update)
    return latest


def published_figures_of(plan: Plan) -> Plan:
    """The plan as the public pages read it: an IVP's figures of a year hold its
    programmes of that year (Plan.covered_plans), here only those published themselves.
    A copy whose covered_plans() says so, so PlanState and ResultsSummary, which ask
    it, count and list nothing of an unpublished programme."""
    shown = copy.copy(plan)

    def covered_plans(year: int):
        covered = Plan.covered_plans(plan, year)
        if isinstance(covered, list):
            return covered
        return covered.filter(Q(pk=plan.pk) | Q(published=True))

    shown.covered_plans = covered_plans
    return shown


def plan_content(plan: Plan) -> dict:
    """What the public plan page shows, the parts chosen by the municipality only."""
    period = plan_period(plan)
    plan = published_figures_of(plan)
    state = PlanState(plan, period)
    rows = state.priority_rows if plan.public_priorities or plan.public_actions else []
    content = {"plan": plan, "period": period, "priority_rows": rows}
    if plan.public_priorities:
        # The agendas it cites and which of its priorities serve each, as its annual
        # report shows them (its own: a programme's are copies of its IVP's).
        content["agenda"] = AgendaPriority.objects.filter(plan=plan.pk).served()
    if plan.public_actions:
        for row in rows:
            row.bar = mark_safe(status_bar_svg(row.counts, title=str(row.priority)))
        actions = defaultdict(list)
        listed = list(
            state.actions()
            .values("pk", "title", "status_on", "priority_id", "deadline")
            .order_by("priority__sort_key", "deadline", "pk")
        )
        progress = public_progress([a["pk"] for a in listed])
        for action in listed:
            action["status"] = Status(action["status_on"])
            action["progress"] = progress.get(action["pk"])
            actions[action["priority_id"]].append(action)
        for row in rows:
            row.actions = actions.get(row.priority.pk, [])
        content["bar"] = mark_safe(status_bar_svg(state.counts, title=plan.title))
        content["state"] = state
    if plan.public_agreements:
        summary = ResultsSummary(plan, period.year)
        for row in rows:
            row.results = summary.of(row.priority)
            for item in row.results.agreements:
                item.years = sorted(
                    [*item.other_years, *([item.result] if item.result else [])],
                    key=lambda r: r.year,
                )
        content["agreement_count"] = summary.totals["agreements"]
    if plan.public_indicators:
        # As on the dashboard, each beside the average of its safety region: figures
        # of public sources only (policies/comparison.py), so nothing of another
        # municipality's unpublished plan but that open figure.
        content["indicators"] = indicator_entries(
            Indicator.objects.filter(plan__in=plan.covered_plans(period.year)),
            period.year,
        )
    return content


def shown_plans(plan: Plan):
    """The plans whose data the public plan page shows, for its cache key: the plan
    (with its programmes and IVP, which data_version adds), and, when its indicators
    are public, the plans whose measurements feed their region comparison."""
    if not plan.public_indicators:
        return [plan.pk]
    own = Plan.objects.filter(Q(pk=plan.pk) | Q(parent=plan.pk)).values("pk")
    return Plan.objects.filter(Q(pk=plan.pk) | Q(pk__in=comparison_plans(own))).values(
        "pk"
    )


@public_page
def plan(request, municipality, plan):
    organisation = municipality_or_404(municipality)
    found = plan_or_404(organisation, plan)

    def build():
        context = plan_content(found)
        context.update(organisation=organisation, slug=municipality_slug(organisation))
        return _page(request, "public/plan.html", context)()

    return serve(
        request,
        name=f"plan:{found.pk}",
        version=data_version(shown_plans(found)),
        last_modified=found.updated_at,
        build=build,
    )


def figures(plan: Plan, organisation: Organisation) -> dict:
    """The plan's public figures for reuse, as the JSON and CSV downloads give them."""
    content = plan_content(plan)
    rows = []
    for row in content["priority_rows"]:
        priority = row.priority
        base = {"priority_code": priority.code, "priority": priority.title}
        if plan.public_priorities:
            rows.append({**base, "kind": "priority", "text": priority.objective})
        if plan.public_actions:
            for status, number in row.status_counts:
                rows.append(
                    {**base, "kind": "actions", "status": status.value, "value": number}
                )
        for item in getattr(getattr(row, "results", None), "agreements", []):
            rows.append({**base, "kind": "agreement", "text": item.agreement.text})
            for result in item.years:
                rows.append(
                    {
                        **base,
                        "kind": "result",
                        "text": item.agreement.text,
                        "year": result.year,
                        "status": result.assessment,
                    }
                )
    for item in content.get("indicators", []):
        indicator = item["indicator"]
        for measurement in item["measurements"]:
            rows.append(
                {
                    "kind": "indicator",
                    "text": indicator.name,
                    "unit": indicator.unit,
                    "year": measurement.period_label,
                    "value": str(measurement.value),
                }
            )
    # The agendas the page shows (only with the priorities published), each with the
    # plan's priorities that serve it.
    agenda = [
        {
            "level": row.level,
            "agenda": row.agenda,
            "issuer": row.issuer,
            "title": row.title,
            "kind": row.kind,
            "period": row.period,
            "priorities": [{"code": c, "title": t} for c, t in row.served_by],
        }
        for row in content.get("agenda", [])
    ]
    return {
        "plan": plan.title,
        "municipality": organisation.name,
        "cbs_code": organisation.cbs_code,
        "period": plan.period,
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
        "licence": plan.get_licence_display(),
        "licence_url": plan.licence_url,
        "rows": rows,
        "agenda": agenda,
    }


def agenda_rows(agenda: list[dict]):
    """The agenda priorities as rows of the CSV's one table: a row per priority of the
    plan that serves one (in its priority columns), a row without for one served by
    none; the agenda priority's title in "text" and its years in "year"."""
    for item in agenda:
        for priority in item["priorities"] or [{"code": "", "title": ""}]:
            yield {
                "kind": "agenda_priority",
                "priority_code": priority["code"],
                "priority": priority["title"],
                "text": item["title"],
                "year": item["period"],
                "agenda_level": item["level"],
                "agenda": item["agenda"],
                "agenda_issuer": item["issuer"],
                "agenda_kind": item["kind"],
            }


COLUMNS = (
    "kind",
    "priority_code",
    "priority",
    "text",
    "status",
    "year",
    "value",
    "unit",
    "agenda_level",
    "agenda",
    "agenda_issuer",
    "agenda_kind",
    "licence",
    "licence_url",
)


@public_page
def plan_data(request, municipality, plan, format):
    organisation = municipality_or_404(municipality)
    found = plan_or_404(organisation, plan)

    def build():
        data = figures(found, organisation)
        if format == "json":
            text = json.dumps(data, ensure_ascii=False, indent=1)
            return text.encode(), "application/json"
        out = io.StringIO()
        # Semicolons, as the product's other exports (Dutch spreadsheets); the licence
        # on every row, so a copied part of the file still says under which terms.
        writer = csv.DictWriter(
            out, COLUMNS, extrasaction="ignore", delimiter=";", restval=""
        )
        writer.writeheader()
        licence = {"licence": data["licence"], "licence_url": data["licence_url"]}
        rows = [*data["rows"], *agenda_rows(data["agenda"])]
        writer.writerows({**row, **licence} for row in rows)
        return out.getvalue().encode(), "text/csv; charset=utf-8"

    response = serve(
        request,
        name=f"data:{found.pk}:{format}",
        version=data_version([found.pk]),
        last_modified=found.updated_at,
        build=build,
    )
    response["Link"] = f'<{found.licence_url}>; rel="license"'
    return response


@public_page
def safety_field(request, municipality, code):
    organisation = municipality_or_404(municipality)
    field = SafetyField.objects.filter(code=code).first()
    if field is None:
        raise Http404
    plans = published_plans(organisation).filter(public_priorities=True)
    plan_ids = list(plans.values_list("pk", flat=True))

    def build():
        priorities = (
            Priority.objects.in_safety_field(field.code)
            .filter(plan__in=plan_ids)
            .select_related("plan")
            .order_by("plan__start_year", "plan_id", "sort_key", "position", "id")
        )
        context = {
            "organisation": organisation,
            "slug": municipality_slug(organisation),
            "field": field,
            "priorities": list(priorities),
        }
        return _page(request, "public/field.html", context)()

    at = plans.aggregate(at=Max("updated_at"))["at"]
    return serve(
        request,
        name=f"field:{organisation.pk}:{field.code}",
        version=data_version(plan_ids),
        last_modified=at,
        build=build,
    )
