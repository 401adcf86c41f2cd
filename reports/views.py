"""The driehoek dashboard: start page, plan dashboard, meeting agenda, organisation, action.

Function views, one style. Every object comes from `Model.objects.visible_to(user)`, so what
a user may not see answers 404. Every list states its select_related / prefetch_related /
annotate; counts are computed in the database. tests/test_pages_*.py pin each page's query
count with 20 and with 500 actions, at no more than 15 queries a page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    RowRange,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from actions.exports import actions_dataset, dataset_response
from actions.filtersets import ActionFilterSet
from actions.models import CLOSED_STATUSES, Action, Meeting, ProgressUpdate, Status
from policies.models import Indicator, Organisation, Plan, Priority

from .charts import STATUS_ORDER, indicator_chart_svg, status_bar_svg

ACTIONS_PER_PAGE = 50
# Rows per list on the plan dashboard and the organisation page; the rest is linked.
DASHBOARD_LIST_LIMIT = 25


# --- periods -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A quarter (quarter 1-4) or a whole year (quarter None)."""

    year: int
    quarter: int | None = None

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter - 2 if self.quarter else 1, 1)

    @property
    def end(self) -> dt.date:
        if not self.quarter or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    def next(self) -> Period:
        if self.quarter is None:
            return Period(self.year + 1)
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def __str__(self):
        if self.quarter:
            return pgettext("quarter", "Q%(quarter)s %(year)s") % {
                "quarter": self.quarter,
                "year": self.year,
            }
        return str(self.year)

    def query(self) -> str:
        if self.quarter:
            return f"periode=kwartaal&jaar={self.year}&kwartaal={self.quarter}"
        return f"periode=jaar&jaar={self.year}"


class PeriodForm(forms.Form):
    """The dashboard's period: ?periode=kwartaal&jaar=2021&kwartaal=2, or ?periode=jaar&jaar=2021."""

    periode = forms.ChoiceField(
        label=_("Period"),
        choices=[("kwartaal", _("quarter")), ("jaar", _("year"))],
        required=False,
    )
    jaar = forms.IntegerField(
        label=_("Year"), min_value=1990, max_value=2100, required=False
    )
    kwartaal = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[(str(q), str(q)) for q in range(1, 5)],
        coerce=int,
        required=False,
    )


def default_period(plan: Plan, today: dt.date) -> Period:
    """The quarter of today while the plan runs; else its last (or first) quarter."""
    if today.year > plan.end_year:
        return Period(plan.end_year, 4)
    if today.year < plan.start_year:
        return Period(plan.start_year, 1)
    return Period(today.year, (today.month - 1) // 3 + 1)


def chosen_period(form: PeriodForm, plan: Plan, today: dt.date) -> Period:
    default = default_period(plan, today)
    if not form.is_valid():
        return default
    data = form.cleaned_data
    year = data["jaar"] or default.year
    if data["periode"] == "jaar":
        return Period(year)
    return Period(
        year, data["kwartaal"] or (default.quarter if year == default.year else 1)
    )


# --- shared helpers ------------------------------------------------------------------


def status_aggregates(prefix: str = "") -> dict:
    """Count(...) per status (n_done, n_ongoing, ...) plus n_total, for annotate/aggregate."""
    counts = {
        f"n_{status}": Count(
            f"{prefix}pk", filter=Q(**{f"{prefix}status": status}), distinct=True
        )
        for status in Status.values
    }
    counts["n_total"] = Count(f"{prefix}pk", distinct=True)
    return counts


def counts_of(row) -> dict[str, int]:
    """The per-status numbers from an annotated object or an aggregate dict."""
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
    return {status: get(f"n_{status}") or 0 for status in Status.values}


def status_summary(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(status value, label, number) in reading order, leaving out zeros."""
    return [
        (s, Status(s).label, counts.get(s, 0)) for s in STATUS_ORDER if counts.get(s)
    ]


def capped_lists(
    queryset,
    conditions: dict[str, Q],
    order: tuple[str, ...],
    *,
    totals: dict[str, int],
    filters: dict[str, dict],
    limit: int | None = None,
    annotate_shown: dict | None = None,
) -> dict[str, dict]:
    """Several short lists of one queryset: per list its first rows, total and filter query.

    List `name` shows what `queryset.filter(conditions[name]).order_by(*order)[:limit]`
    would, but all lists come from ONE query (plus one for the prefetches of `queryset`,
    e.g. the owners) instead of one query and one prefetch per list. The database numbers
    the rows of each list in `order` (a running count, a window function) and returns only
    the rows within the limit of at least one list; an action in two lists is fetched
    once. A list of a large plan stays short (and the page fast); the rest is one click
    away on the filtered actions page, whose link is `query`. `totals` are the lists'
    lengths, counted by an aggregate the page already makes. The conditions are on the
    row's own fields: one across a many-valued relation would repeat rows.

    `annotate_shown` are annotations (such as the latest progress, three subqueries per
    row) computed only for the rows shown, in one more query, rather than for every row
    the window function has to number.
    """
    limit = limit or DASHBOARD_LIST_LIMIT
    ordering = [
        F(field[1:]).desc() if field.startswith("-") else F(field).asc() for field in order
    ]
    positions = {}
    any_list = Q()
    for name, condition in conditions.items():
        # The position of the row in this list; NULL when the row is not in it.
        positions[f"position_{name}"] = Case(
            When(
                condition,
                then=Window(
                    Sum(Case(When(condition, then=1), default=0)),
                    order_by=ordering,
                    frame=RowRange(start=None, end=0),
                ),
            ),
            output_field=IntegerField(),
        )
        any_list |= condition
    shown = Q()
    for position in positions:
        shown |= Q(**{f"{position}__lte": limit})
    rows = list(
        queryset.filter(any_list).annotate(**positions).filter(shown).order_by(*order)
    )
    if annotate_shown and rows:
        extra = {
            row["pk"]: row
            for row in queryset.model.objects.filter(pk__in=[r.pk for r in rows])
            .annotate(**annotate_shown)
            .values("pk", *annotate_shown)
        }
        for row in rows:
            for name in annotate_shown:
                setattr(row, name, extra[row.pk][name])

    def listed(row, name):
        position = getattr(row, f"position_{name}")
        return position is not None and position <= limit

    return {
        name: {
            "actions": [row for row in rows if listed(row, name)],
            "total": totals[name],
            "query": urlencode(filters.get(name, {}), doseq=True),
        }
        for name in conditions
    }


def pdf_url(name: str, *args) -> str | None:
    """The PDF reports live in reports/pdf_urls.py; show a link only when it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def latest_progress_annotations() -> dict:
    """The latest progress update's date, status and text, as subqueries (one query total)."""
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by(
        "-date", "-id"
    )
    return {
        "latest_date": Subquery(latest.values("date")[:1], output_field=DateField()),
        "latest_status": Subquery(
            latest.values("status")[:1], output_field=CharField()
        ),
        "latest_text": Subquery(latest.values("text")[:1], output_field=CharField()),
    }


def plan_actions(user, plan):
    return Action.objects.visible_to(user).for_plan(plan)


def dashboard_page(view):
    """A page for signed-in users that only reads: login required, no transaction.

    ATOMIC_REQUESTS wraps every view in a transaction: two statements more per request
    (BEGIN and COMMIT; savepoints in the tests). These pages write nothing, and on
    PostgreSQL (READ COMMITTED, the default) each statement reads what is committed when
    it starts, inside a transaction or not, so the transaction bought nothing here. A
    view that starts to write must use login_required alone.
    """
    return transaction.non_atomic_requests(login_required(view))


# --- start page ----------------------------------------------------------------------


PLANS_PER_PAGE = 10


@dashboard_page
def home(request):
    """The plans the user may see, each with its period, municipalities and status line.

    Newest first, PLANS_PER_PAGE at a time: in a national installation a driehoek member
    of several municipalities sees years of plans, and only the page's plans are counted.
    """
    today = timezone.localdate()
    prefix = "priorities__actions__"
    order = ("-end_year", "-start_year", "title", "pk")
    page = Paginator(
        Plan.objects.visible_to(request.user).order_by(*order).values_list("pk", flat=True),
        PLANS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    plans = (
        Plan.objects.filter(pk__in=list(page.object_list))
        .prefetch_related("municipalities")  # the page shows no partners
        .annotate(
            **status_aggregates(prefix),
            n_overdue=Count(
                f"{prefix}pk",
                filter=Q(**{f"{prefix}deadline__lt": today})
                & ~Q(**{f"{prefix}status__in": CLOSED_STATUSES}),
                distinct=True,
            ),
        )
        .order_by(*order)
    )
    rows = []
    for plan in plans:
        counts = counts_of(plan)
        rows.append(
            {
                "plan": plan,
                "summary": status_summary(counts),
                "bar": mark_safe(status_bar_svg(counts, title=plan.title)),
            }
        )
    return render(
        request, "reports/home.html", {"rows": rows, "today": today, "page": page}
    )


# --- plan dashboard ------------------------------------------------------------------


def priority_rows(user, plan, extra: dict | None = None) -> tuple[list[dict], dict]:
    """Each priority with its own counts plus those of its sub-priorities, in tree order;
    and the plan's totals.

    The database counts per priority (one query); adding children's numbers to their
    parent is a sum over already-aggregated rows, not a count in Python. Every action lies
    under exactly one priority of its plan, so the plan's totals (n_total, n_<status> and
    the `extra` aggregates, e.g. the dashboard lists' lengths) are the sums of the
    priorities' own numbers: no second count over the plan's actions.
    """
    aggregates = {**status_aggregates("actions__"), **(extra or {})}
    priorities = list(
        Priority.objects.visible_to(user)
        .filter(plan=plan)
        .annotate(**aggregates)
        .order_by("sort_key", "position", "id")
    )
    totals = {
        key: sum(getattr(priority, key) or 0 for priority in priorities)
        for key in aggregates
    }
    children = defaultdict(list)
    for priority in priorities:
        children[priority.parent_id].append(priority)

    rows = []

    def walk(priority, depth):
        own = counts_of(priority)
        row = {"priority": priority, "depth": depth, "counts": dict(own)}
        rows.append(row)
        for child in children.get(priority.pk, []):
            child_counts = walk(child, depth + 1)
            for status, n in child_counts.items():
                row["counts"][status] += n
        return row["counts"]

    for top in children.get(None, []):
        walk(top, 0)
    for row in rows:
        row["total"] = sum(row["counts"].values())
        row["bar"] = mark_safe(
            status_bar_svg(row["counts"], title=str(row["priority"]))
        )
    return [row for row in rows if row["total"] or row["depth"] == 0], totals


def dashboard_conditions(period: Period, on: dt.date, prefix: str = "") -> dict:
    """The condition of each list on the plan dashboard, for an action reached by `prefix`.

    Late is ActionQuerySet.overdue(on=on): open, with a deadline before `on`. With prefix
    "actions__" the same conditions count a priority's actions.
    """
    upcoming = period.next()

    def q(**lookups):
        return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    return {
        "overdue": q(deadline__lt=on) & ~q(status__in=CLOSED_STATUSES),
        "due_now": q(deadline__range=(period.start, period.end)),
        "due_next": q(deadline__range=(upcoming.start, upcoming.end)),
        "unplanned": q(unplanned=True)
        & (
            q(added_on__range=(period.start, period.end))
            | q(added_on__isnull=True, deadline__range=(period.start, period.end))
        ),
    }


def plan_organisations(plan: Plan) -> tuple[list, list]:
    """The plan's municipalities and its partners, by name, in one query (not two)."""
    through = {
        "municipality_of_plan": Plan.municipalities.through,
        "partner_of_plan": Plan.partners.through,
    }
    organisations = list(
        Organisation.objects.annotate(
            **{
                flag: Exists(
                    model.objects.filter(plan=plan, organisation=OuterRef("pk"))
                )
                for flag, model in through.items()
            }
        )
        .filter(Q(municipality_of_plan=True) | Q(partner_of_plan=True))
        .order_by("name")
    )
    return (
        [o for o in organisations if o.municipality_of_plan],
        [o for o in organisations if o.partner_of_plan],
    )


@dashboard_page
def plan_dashboard(request, pk):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    municipalities, partners = plan_organisations(plan)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    period = chosen_period(form, plan, today)
    upcoming = period.next()
    # "Late" as of the end of the chosen period, or today when that is still ahead.
    on = min(today, period.end + dt.timedelta(days=1))

    # Each list's length is counted with the priorities (one query), and the lists
    # themselves (cut short) come from one more.
    per_priority = dashboard_conditions(period, on, prefix="actions__")
    rows, totals = priority_rows(
        request.user,
        plan,
        extra={
            f"n_{name}": Count("actions__pk", filter=q, distinct=True)
            for name, q in per_priority.items()
        },
    )
    counts = counts_of(totals)
    open_statuses = [s for s in Status.values if s not in CLOSED_STATUSES]
    links = {
        "overdue": {
            "deadline_before": on - dt.timedelta(days=1),
            "status": open_statuses,
        },
        "due_now": {"deadline_after": period.start, "deadline_before": period.end},
        "due_next": {"deadline_after": upcoming.start, "deadline_before": upcoming.end},
        "unplanned": {"unplanned": "true"},
    }
    conditions = dashboard_conditions(period, on)
    lists = capped_lists(
        plan_actions(request.user, plan).with_list_relations(),
        conditions,
        ("deadline", "priority__sort_key", "id"),
        totals={name: totals[f"n_{name}"] for name in conditions},
        filters=links,
    )

    meetings = list(
        Meeting.objects.visible_to(request.user)
        .filter(plans=plan)
        .annotate(
            n_items=Count(
                "actions", filter=Q(actions__priority__plan=plan), distinct=True
            )
        )
        .order_by("date", "id")
    )
    next_meeting = next((m for m in meetings if m.date >= today), None)

    indicators = []
    for indicator in (
        Indicator.objects.visible_to(request.user)
        .filter(plan=plan)
        .prefetch_related("measurements", "targets")
        .order_by("name")
    ):
        # Judged with what was known in the period's year, as the PDF of that year is.
        indicators.append(
            {
                "indicator": indicator,
                "assessment": indicator.assessment(until_year=period.year),
                "measurements": indicator.measurements_until(period.year),
                "chart": mark_safe(
                    indicator_chart_svg(indicator, until_year=period.year)
                ),
            }
        )

    years = list(range(plan.start_year, plan.end_year + 1))
    return render(
        request,
        "reports/plan_dashboard.html",
        {
            "plan": plan,
            "municipalities": municipalities,
            "partners": partners,
            "form": form,
            "period": period,
            "period_label": str(period),
            "upcoming": upcoming,
            "previous_query": period.previous().query(),
            "next_query": upcoming.query(),
            "years": years,
            "on": on,
            "counts": status_summary(counts),
            "total": totals["n_total"],
            "n_overdue": totals["n_overdue"],
            "bar": mark_safe(status_bar_svg(counts, title=plan.title)),
            "priority_rows": rows,
            **lists,
            "meetings": meetings,
            "next_meeting": next_meeting,
            "indicators": indicators,
            "pdf_quarterly": pdf_url("pdf:quarterly", plan.pk),
            "pdf_annual": pdf_url("pdf:annual", plan.pk, period.year),
        },
    )


# --- actions of a plan, filtered -----------------------------------------------------


def narrow_choices(filterset: ActionFilterSet, plan: Plan) -> None:
    """Within one plan, offer only that plan's priorities, owners and meetings.

    The FilterSet is the shared one (actions/filtersets.py); only the choice lists are
    narrowed here. The plan is fixed by the URL, and "municipality" (a municipality of
    the plan) would select all or nothing within one plan, so both are left out: which
    municipality carries an action is the owner filter.
    """
    filterset.filters.pop("plan", None)
    filterset.filters.pop("municipality", None)
    filterset.filters["priority"].queryset = Priority.objects.filter(
        plan=plan
    ).order_by("sort_key", "position", "id")
    filterset.filters["owner"].queryset = Organisation.objects.filter(
        pk__in=Action.objects.for_plan(plan).values("owners")
    ).order_by("name")
    filterset.filters["meeting"].queryset = Meeting.objects.filter(plans=plan).order_by(
        "date"
    )


def actions_page(request, plan: Plan | None):
    """The filtered, paginated list of actions: of one plan, or of every visible plan."""
    if plan is None:
        queryset = Action.objects.visible_to(request.user).order_by(
            "priority__plan__title", "priority__sort_key", "position", "id"
        )
    else:
        queryset = plan_actions(request.user, plan).order_by(
            "priority__sort_key", "position", "id"
        )
    filterset = ActionFilterSet(
        request.GET or None,
        queryset=queryset.with_list_relations().annotate(
            **latest_progress_annotations()
        ),
        request=request,
    )
    if plan is not None:
        narrow_choices(filterset, plan)
    form = filterset.form
    form.fields["status"].widget = forms.CheckboxSelectMultiple(
        choices=form.fields["status"].choices
    )
    form.fields["unplanned"].widget = forms.Select(
        choices=[
            ("", _("all")),
            ("true", _("only unplanned")),
            ("false", _("only planned")),
        ]
    )
    if not filterset.is_bound:
        queryset = filterset.queryset
    elif filterset.is_valid():
        queryset = filterset.qs
    else:
        # Show nothing rather than a list the user did not ask for; the form says why.
        queryset = filterset.queryset.none()
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        # The same selection as on screen, as a spreadsheet (Dutch headers, import layout).
        return dataset_response(
            actions_dataset(queryset),
            basename=plan.slug if plan else "acties",
            file_format=export,
        )
    page = Paginator(queryset, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/plan_actions.html",
        {
            "plan": plan,
            "filterset": filterset,
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "filtered": filterset.is_bound,
        },
    )


@dashboard_page
def plan_actions_list(request, pk):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    return actions_page(request, plan)


@dashboard_page
def actions_list(request):
    """All actions the user may see, across plans, with every filter of the FilterSet."""
    return actions_page(request, None)


# --- meeting: agenda and matrix ------------------------------------------------------


def agenda_groups(actions) -> list[dict]:
    """Actions grouped by who carries them: one owner, or several together.

    An action that six municipalities carry together appears once, under all six, as the
    Veluwe-Noord agenda lists it, instead of six times. Single municipalities come first,
    then other single owners (the police), then shared actions, then those without owner.
    """
    groups: dict[tuple, dict] = {}
    for action in actions:
        owners = tuple(sorted(action.owners.all(), key=lambda o: o.name))
        key = tuple(o.pk for o in owners)
        groups.setdefault(key, {"owners": owners, "actions": []})["actions"].append(
            action
        )

    def order(group):
        owners = group["owners"]
        if not owners:
            return (3, "")
        if len(owners) > 1:
            return (2, owners[0].name, len(owners))
        return (
            0 if owners[0].kind == Organisation.Kind.MUNICIPALITY else 1,
            owners[0].name,
        )

    for group in groups.values():
        group["names"] = ", ".join(o.name for o in group["owners"])
    return sorted(groups.values(), key=order)


def meeting_matrices(user, plans: list[Plan], current: Meeting | None = None) -> list:
    """Per plan: its organisations × its meetings with the number of agenda items in each
    cell. The plans come with their visible meetings prefetched as `matrix_meetings`.

    Rows: the plan's municipalities, its police partners, and any other owner with items;
    columns: the plan's meetings. Totals count distinct actions, so an action that two
    municipalities carry counts once in its column's total.

    One query counts every cell, row total, column total and grand total of all plans
    (and lists the plans' municipalities and police partners, which have a row even
    without items): a UNION ALL of one grouped count per kind of number. One more query
    fetches the organisations of the rows. So a meeting of several plans costs the same
    two queries as a meeting of one.
    """
    plan_ids = [plan.pk for plan in plans]
    # Agenda items: an action of one of the plans, at one of that plan's meetings.
    # The plans are also named outside the visibility subquery, so that PostgreSQL starts
    # from their few actions instead of joining every agenda item in the country.
    items = Action.meetings.through.objects.filter(
        action__priority__plan__in=plan_ids,
        action__in=Action.objects.visible_to(user)
        .filter(priority__plan__in=plan_ids)
        .values("pk"),
        meeting__plans=F("action__priority__plan"),
    )
    # A typed NULL for the columns a kind of number is not grouped by.
    nothing = Cast(Value(None), output_field=IntegerField())
    by_owner, by_meeting = F("action__owners"), F("meeting_id")

    def counted(kind, owner, meeting):
        return items.values(
            kind=Value(kind),
            plan_pk=F("action__priority__plan"),
            owner_pk=owner,
            meeting_pk=meeting,
        ).annotate(n=Count("action_id", distinct=True))

    def organisations_of(kind, through, **filters):
        return through.objects.filter(plan__in=plan_ids, **filters).values(
            kind=Value(kind),
            plan_pk=F("plan_id"),
            owner_pk=F("organisation_id"),
            meeting_pk=nothing,
            n=nothing,
        )

    numbers = counted("cell", by_owner, by_meeting).union(
        counted("row", by_owner, nothing),
        counted("column", nothing, by_meeting),
        counted("all", nothing, nothing),
        organisations_of("member", Plan.municipalities.through),
        organisations_of(
            "member",
            Plan.partners.through,
            organisation__kind=Organisation.Kind.POLICE,
        ),
        all=True,
    )
    cells, row_totals, column_totals, grand_totals = (
        defaultdict(dict),
        defaultdict(dict),
        defaultdict(dict),
        {},
    )
    members = defaultdict(set)
    for row in numbers:
        plan_pk, n = row["plan_pk"], row["n"]
        if row["kind"] == "cell":
            cells[plan_pk][row["owner_pk"], row["meeting_pk"]] = n
        elif row["kind"] == "row":
            row_totals[plan_pk][row["owner_pk"]] = n
            if row["owner_pk"] is not None:
                members[plan_pk].add(row["owner_pk"])
        elif row["kind"] == "column":
            column_totals[plan_pk][row["meeting_pk"]] = n
        elif row["kind"] == "all":
            grand_totals[plan_pk] = n
        else:
            members[plan_pk].add(row["owner_pk"])
    organisations = Organisation.objects.in_bulk(set().union(*members.values()))

    matrices = []
    for plan in plans:
        meetings = plan.matrix_meetings
        rows = [
            {
                "organisation": o,
                "cells": [cells[plan.pk].get((o.pk, m.pk), 0) for m in meetings],
                "total": row_totals[plan.pk].get(o.pk, 0),
            }
            for o in sorted(
                (organisations[pk] for pk in members[plan.pk] if pk in organisations),
                key=lambda o: (o.kind != Organisation.Kind.MUNICIPALITY, o.name),
            )
        ]
        if None in row_totals[plan.pk]:
            rows.append(
                {
                    "organisation": None,
                    "cells": [cells[plan.pk].get((None, m.pk), 0) for m in meetings],
                    "total": row_totals[plan.pk][None],
                }
            )
        matrices.append(
            {
                "plan": plan,
                "meetings": meetings,
                "rows": rows,
                "column_totals": [
                    column_totals[plan.pk].get(m.pk, 0) for m in meetings
                ],
                "grand_total": grand_totals.get(plan.pk, 0),
                "current": current,
            }
        )
    return matrices


@dashboard_page
def meeting_detail(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).prefetch_related("municipalities"),
        pk=pk,
    )
    actions = (
        Action.objects.visible_to(request.user)
        .filter(meetings=meeting)
        .with_list_relations()
        .annotate(**latest_progress_annotations())
        .order_by("priority__plan", "priority__sort_key", "position", "id")
    )
    plans = list(
        Plan.objects.visible_to(request.user)
        .filter(meetings=meeting)
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.visible_to(request.user).order_by(
                    "date", "id"
                ),
                to_attr="matrix_meetings",
            )
        )
        .order_by("title")
    )
    return render(
        request,
        "reports/meeting.html",
        {
            "meeting": meeting,
            "meeting_date": formats.date_format(meeting.date, "j F Y"),
            "groups": agenda_groups(actions),
            "n_actions": len(actions),
            "plans": plans,
            "matrices": meeting_matrices(request.user, plans, meeting),
            "today": timezone.localdate(),
            "pdf_agenda": pdf_url("pdf:agenda", meeting.pk),
        },
    )


# --- organisation (municipality) -----------------------------------------------------


@dashboard_page
def organisation_detail(request, pk):
    """Everything one municipality (or the police team) carries across the plans it shares."""
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user), pk=pk
    )
    today = timezone.localdate()
    owned = Action.objects.visible_to(request.user).filter(owners=organisation)
    # Its plans: as a municipality, as a partner, or as the owner of actions in them.
    plan_ids = (
        Plan.municipalities.through.objects.filter(organisation=organisation)
        .values("plan_id")
        .union(
            Plan.partners.through.objects.filter(organisation=organisation).values("plan_id"),
            owned.order_by().values("priority__plan"),
        )
    )
    plans = list(
        Plan.objects.visible_to(request.user)
        .filter(pk__in=plan_ids)
        .order_by("-end_year", "title")
    )
    per_plan = {
        row["priority__plan"]: row
        for row in owned.values("priority__plan").annotate(
            **status_aggregates(),
            n_overdue=Count(
                "pk",
                filter=Q(deadline__lt=today) & ~Q(status__in=CLOSED_STATUSES),
                distinct=True,
            ),
        )
    }
    plan_rows = []
    for plan in plans:
        row = per_plan.get(plan.pk, {})
        counts = {s: row.get(f"n_{s}", 0) for s in Status.values}
        plan_rows.append(
            {
                "plan": plan,
                "total": row.get("n_total", 0),
                "overdue": row.get("n_overdue", 0),
                "summary": status_summary(counts),
                "bar": mark_safe(status_bar_svg(counts, title=plan.title)),
            }
        )
    # Both lists in one query. Totals: sums of the per-plan numbers the database already
    # counted above.
    lists = capped_lists(
        owned.with_list_relations(),
        {
            "actions": Q(pk__isnull=False),  # every action it owns
            "overdue": Q(deadline__lt=today) & ~Q(status__in=CLOSED_STATUSES),
        },
        # Newest plans first: a municipality takes part in years of plans.
        (
            "-priority__plan__end_year",
            "priority__plan__title",
            "deadline",
            "priority__sort_key",
            "id",
        ),
        totals={
            "actions": sum(r["n_total"] for r in per_plan.values()),
            "overdue": sum(r["n_overdue"] for r in per_plan.values()),
        },
        filters={},
        limit=DASHBOARD_LIST_LIMIT,
        annotate_shown=latest_progress_annotations(),
    )
    # Its meetings: where it takes part, or where its actions are on the agenda. A UNION
    # of the two link tables, not a join with OR, which PostgreSQL cannot estimate.
    meeting_ids = (
        Meeting.municipalities.through.objects.filter(organisation=organisation)
        .values("meeting_id")
        .union(
            Action.meetings.through.objects.filter(
                action__in=owned.order_by().values("pk")
            ).values("meeting_id")
        )
    )
    meetings = list(
        Meeting.objects.visible_to(request.user)
        .filter(pk__in=meeting_ids, date__gte=today)
        .order_by("date")[:5]
    )
    return render(
        request,
        "reports/organisation.html",
        {
            "organisation": organisation,
            "plan_rows": plan_rows,
            **lists,
            "meetings": meetings,
            "today": today,
        },
    )


# --- action --------------------------------------------------------------------------

HIDDEN_HISTORY_FIELDS = {"version", "updated_at", "created_at", "position"}
HISTORY_LIMIT = 50


def history_entries(action) -> list[dict]:
    """The action's recorded changes (django-simple-history), newest first, with the diff.

    Plain fields come from diff_against; the three many-to-many fields are compared here.
    Two queries in all, however many records are shown: the records with the priority and
    agreement they pointed to (select_related), and every record's owners, partners and
    meetings with their names (a UNION ALL over the three history tables), instead of
    diff_against's two queries per field per record.
    """
    records = list(
        action.history.select_related(
            "history_user", "priority", "agreement__priority"
        ).order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    m2m_fields = {"owners": Organisation, "partners": Organisation, "meetings": Meeting}
    history_model = type(action).history.model
    # Typed NULLs: PostgreSQL must see one type per column of the UNION.
    no_text = Cast(Value(None), output_field=CharField())
    no_date = Cast(Value(None), output_field=DateField())
    parts = []
    for field_name, target in m2m_fields.items():
        through = apps.get_model(
            history_model._meta.app_label, f"{history_model.__name__}_{field_name}"
        )
        target_field = next(
            f.name
            for f in through._meta.fields
            if f.is_relation and f.related_model is target
        )
        # What a name is made of: an organisation's name; a meeting's title, body, date.
        if target is Meeting:
            label = {
                "name": F(f"{target_field}__title"),
                "body": F(f"{target_field}__body"),
                "date": F(f"{target_field}__date"),
            }
        else:
            label = {
                "name": F(f"{target_field}__name"),
                "body": no_text,
                "date": no_date,
            }
        parts.append(
            through.objects.filter(history__in=[r.history_id for r in records]).values(
                field=Value(field_name),
                record=F("history_id"),
                target=F(f"{target_field}_id"),
                **label,
            )
        )
    by_record = {field_name: defaultdict(set) for field_name in m2m_fields}
    # The names of the targets that still exist (a deleted one has no name: left out).
    names: dict[str, dict] = {field_name: {} for field_name in m2m_fields}
    for row in parts[0].union(*parts[1:], all=True):
        field_name, target_id = row["field"], row["target"]
        by_record[field_name][row["record"]].add(target_id)
        if field_name == "meetings" and row["date"] is not None:
            meeting = Meeting(title=row["name"], body=row["body"], date=row["date"])
            names[field_name][target_id] = str(meeting)
        elif field_name != "meetings" and row["name"] is not None:
            names[field_name][target_id] = row["name"]
    sets = {
        field_name: {
            r.history_id: frozenset(by_record[field_name][r.history_id])
            for r in records
        }
        for field_name in m2m_fields
    }

    # A priority or agreement an action ever pointed to lies in the action's own plan;
    # one that is gone, or elsewhere, is shown as "–".
    plan_id = action.priority.plan_id
    fk_objects = {"priority": {}, "agreement": {}}
    for record in records:
        if record.priority is not None and record.priority.plan_id == plan_id:
            fk_objects["priority"][record.priority_id] = record.priority
        if (
            record.agreement is not None
            and record.agreement.priority.plan_id == plan_id
        ):
            fk_objects["agreement"][record.agreement_id] = record.agreement

    meta = type(action)._meta

    def show(field_name, value):
        if value in (None, ""):
            return "–"
        field = meta.get_field(field_name)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if field_name in fk_objects:
            obj = fk_objects[field_name].get(value)
            return str(obj) if obj else "–"
        if isinstance(value, dt.date):
            return formats.date_format(value, "DATE_FORMAT")
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    entries = []
    for newer, older in zip(records, records[1:] + [None]):
        if len(entries) == HISTORY_LIMIT:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(
                older, excluded_fields=HIDDEN_HISTORY_FIELDS | set(m2m_fields)
            )
            for change in delta.changes:
                changes.append(
                    {
                        "field": meta.get_field(change.field).verbose_name,
                        "old": show(change.field, change.old),
                        "new": show(change.field, change.new),
                    }
                )
            for field_name in m2m_fields:
                before = sets[field_name][older.history_id]
                after = sets[field_name][newer.history_id]
                if before != after:
                    changes.append(
                        {
                            "field": meta.get_field(field_name).verbose_name,
                            "old": ", ".join(
                                sorted(
                                    str(names[field_name][i])
                                    for i in before
                                    if i in names[field_name]
                                )
                            )
                            or "–",
                            "new": ", ".join(
                                sorted(
                                    str(names[field_name][i])
                                    for i in after
                                    if i in names[field_name]
                                )
                            )
                            or "–",
                        }
                    )
            if not changes:
                continue
        entries.append({"record": newer, "changes": changes})
    return entries


@dashboard_page
def action_detail(request, pk):
    action = get_object_or_404(
        Action.objects.visible_to(request.user)
        .select_related("priority__plan", "priority__parent", "agreement")
        .prefetch_related("owners", "partners", "meetings"),
        pk=pk,
    )
    return render(
        request,
        "reports/action.html",
        {
            "action": action,
            "plan": action.priority.plan,
            "updates": list(action.progress_updates.order_by("-date", "-id")),
            "history": history_entries(action),
            "today": timezone.localdate(),
            "overdue": action.is_overdue(),
            "may_change": request.user.has_perm("actions.change_action", action),
        },
    )
