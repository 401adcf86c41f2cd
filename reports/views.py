"""The driehoek dashboard: start page, plan dashboard, meeting agenda, organisation, action.

Function views, one style. Every object comes from `Model.objects.visible_to(user)`, so what
a user may not see answers 404. Every list states its select_related / prefetch_related /
annotate; counts are computed in the database. tests/test_pages_*.py pin each page's query
count with 20 and with 500 actions, at no more than 15 queries a page.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields

from actions.agenda import Agenda, meeting_matrices
from actions.exports import actions_dataset, dataset_response
from actions.filtersets import ActionFilterSet
from actions.history import history_entries
from actions.lists import capped_lists
from actions.models import Action, Meeting, Status
from actions.models.actions import late_condition
from actions.state import PlanState, counts_of, status_aggregates
from ivp import access
from ivp.pagecache import cached_page
from ivp.periods import Period
from policies.comparison import region_comparison
from policies.models import Agreement, Indicator, Organisation, Plan, Priority
from policies.models.agenda import Alignments, alignment_annotations

from . import renderers, shown
from .charts import indicator_chart_svg, status_bar_svg

ACTIONS_PER_PAGE = 50


# --- periods -------------------------------------------------------------------------


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


def chosen_period(form: PeriodForm, plan: Plan, today: dt.date) -> Period:
    default = Period.default_for(plan.start_year, plan.end_year, today)
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


def status_summary(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(status value, label, number) in reading order, leaving out zeros."""
    return [
        (s.value, s.label, counts.get(s, 0)) for s in Status.in_order() if counts.get(s)
    ]


def pdf_url(name: str, *args) -> str | None:
    """The PDF reports live in reports/pdf_urls.py; show a link only when it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def plan_actions(user, plan, year: int | None = None):
    """The actions the plan's figures of `year` hold (an IVP's: its programmes' too),
    as the dashboard counts them."""
    return Action.objects.visible_to(user).covered_by(plan, year)


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
@cached_page(shown.seen_plans)
def home(request):
    """The plans the user may see, each with its period, municipalities and status line.

    Newest first, PLANS_PER_PAGE at a time: in a national installation a driehoek member
    of several municipalities sees years of plans, and only the page's plans are counted.
    """
    today = timezone.localdate()
    prefix = "priorities__actions__"
    order = ("-end_year", "-start_year", "title", "pk")
    page = Paginator(
        Plan.objects.visible_to(request.user)
        .order_by(*order)
        .values_list("pk", flat=True),
        PLANS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    plans = (
        Plan.objects.filter(pk__in=list(page.object_list))
        .prefetch_related("municipalities")  # the page shows no partners
        .annotate(
            # A subquery, not a join: joining agreements would multiply the actions.
            has_agreements=Exists(
                Agreement.objects.filter(priority__plan=OuterRef("pk"))
            ),
            **status_aggregates(prefix),
            n_overdue=Count(
                f"{prefix}pk",
                filter=late_condition(today, prefix=prefix),
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


def indicator_items(user, plan: Plan, year: int) -> list[dict]:
    """The plan's indicators with their assessment, figures and chart, judged with what
    was known in `year`, as the PDF of that year judges them, each beside the average
    of its safety region (policies/comparison.py). Three queries, two more when an
    indicator can be compared."""
    return indicator_entries(
        Indicator.objects.visible_to(user).filter(plan__in=plan.covered_plans(year)),
        year,
    )


def indicator_entries(indicators, year: int) -> list[dict]:
    """indicator_items() of a queryset of indicators (the public plan page gives its
    published ones): three queries, two more when an indicator can be compared."""
    indicators = list(
        indicators.prefetch_related("measurements", "targets").order_by("name")
    )
    regions = region_comparison(indicators)
    return [
        {
            "indicator": indicator,
            "assessment": indicator.assessment(until_year=year),
            "measurements": indicator.measurements_until(year),
            "region": regions.get(indicator.pk),
            "region_summary": regions[indicator.pk].summary(indicator, year)
            if indicator.pk in regions
            else "",
            "chart": mark_safe(
                indicator_chart_svg(
                    indicator, until_year=year, region=regions.get(indicator.pk)
                )
            ),
        }
        for indicator in indicators
    ]


@dashboard_page
@cached_page(shown.plan_page)
def plan_dashboard(request, pk):
    """The plan in a period: its state as of the period's state day (PlanState), the
    lists of late and due actions, its meetings and its indicators."""
    plan = get_object_or_404(
        # A plan may record its work as agreements rather than actions; counted with
        # the plan, as the page's query budget is spent (the council page tells them).
        Plan.objects.visible_to(request.user)
        .annotate(
            # An IVP's are its own and its programmes' (issue 17).
            n_agreements=Coalesce(
                Subquery(
                    Agreement.objects.filter(
                        priority__plan__in=Plan.objects.family_of(
                            OuterRef(OuterRef("pk"))
                        )
                    )
                    .order_by()
                    .annotate(n=Func("pk", function="COUNT"))
                    .values("n")
                ),
                0,
            ),
            # The plan cycle's button on a programme: the rule's own queryset, asked
            # in this query rather than in one more.
            may_change=Exists(
                Plan.objects.changeable_by(request.user).filter(pk=OuterRef("pk"))
            ),
            # The IVP a programme carries out, named only to who may see it.
            parent_visible=Exists(
                Plan.objects.visible_to(request.user).filter(pk=OuterRef("parent_id"))
            ),
            # What each priority serves and its themes (issue 18), in this query too.
            **alignment_annotations(),
        )
        .select_related("parent"),
        pk=pk,
    )
    municipalities, partners = plan_organisations(plan)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    period = chosen_period(form, plan, today)
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
    # What is due before the next driehoek after the state day is a key figure,
    # counted by PlanState with the rest.
    next_driehoek = next(
        (
            m
            for m in meetings
            if m.body == Meeting.Body.DRIEHOEK and m.date >= period.state_day(today)
        ),
        None,
    )
    state = PlanState(
        plan,
        period,
        user=request.user,
        today=today,
        meeting_day=next_driehoek.date if next_driehoek else None,
    ).narrowed(request.GET.get("veld"))
    # ?veld=<code>: every figure below covers that VNG safety field's priorities.
    field_query = f"&veld={state.safety_field}" if state.safety_field else ""
    upcoming = state.upcoming
    on = state.day
    # Each number's link opens the actions page listing what it counts.
    links = state.list_filters()
    lists = capped_lists(
        state.actions().with_list_relations(),
        state.conditions(),
        ("deadline", "priority__sort_key", "id"),
        totals=state.list_totals,
        filters=links,
        # The percentage shown is the one reported by the state day.
        with_latest_progress=True,
        latest_progress_on=on,
    )
    # The whole structure, priorities without actions included (issue 17).
    rows = state.priority_rows
    # Per priority the agenda priorities it serves, per safety field the themes of
    # its priorities (issue 18), read with the plan.
    alignments = Alignments.from_json(plan.theme_links, plan.agenda_links)
    for row in rows:
        row.bar = mark_safe(status_bar_svg(row.counts, title=str(row.priority)))
        row.agenda = alignments.of(row.priority.pk).agenda
    field_rows = state.field_rows
    for row in field_rows:
        code = row.field.code if row.field else None
        row.themes = alignments.themes(code, row.priority_ids)

    indicators = indicator_items(request.user, plan, period.year)
    programmes = state.programme_rows
    for row in programmes:
        row.bar = mark_safe(status_bar_svg(row.counts, title=row.plan.title))

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
            "previous_query": period.previous().query() + field_query,
            "next_query": upcoming.query() + field_query,
            "period_query": period.query(),
            "field_rows": field_rows,
            "safety_field": state.safety_field_object,
            "years": years,
            "on": on,
            "state": state,
            "statuses": Status.in_order(),
            "bar": mark_safe(status_bar_svg(state.counts, title=plan.title)),
            "priority_rows": rows,
            **lists,
            "meetings": meetings,
            "next_meeting": next_meeting,
            "next_driehoek": next_driehoek,
            "indicators": indicators,
            "pdf_quarterly": pdf_url("pdf:quarterly", plan.pk),
            "pdf_annual": pdf_url("pdf:annual", plan.pk, period.year),
            "may_add_action": access.may_add_action(request.user, plan, seen=True),
            "programmes": programmes,
            "all_query": urlencode(links["all"], doseq=True),
            "status_links": [
                (status, n, urlencode(links[status.value], doseq=True))
                for status, n in state.status_counts
            ],
            "parent": plan.parent if plan.parent_visible else None,
            "may_make_next_programme": plan.is_programme and plan.may_change,
        },
    )


# --- actions of a plan, filtered -----------------------------------------------------


def narrow_choices(filterset: ActionFilterSet, plan: Plan, year: int | None) -> None:
    """Within one plan, offer only that plan's priorities, owners and meetings (an
    IVP's: its programmes' of `year` too, as its list holds them).

    The FilterSet is the shared one (actions/filtersets.py); only the choice lists are
    narrowed here. The plan is fixed by the URL, and "plan_municipality" would select
    all or nothing within one plan, so both are left out; "municipality" (the trekker)
    stays, offering the plan's municipalities.
    """
    filterset.filters.pop("plan", None)
    filterset.filters.pop("plan_municipality", None)
    filterset.filters["municipality"].queryset = plan.municipalities.order_by("name")
    plans = plan.covered_plans(year)
    filterset.filters["priority"].queryset = Priority.objects.filter(
        plan__in=plans
    ).order_by("plan__start_year", "plan_id", "sort_key", "position", "id")
    filterset.filters["owner"].queryset = Organisation.objects.filter(
        pk__in=Action.objects.covered_by(plan, year).values("owners")
    ).order_by("name")
    filterset.filters["meeting"].queryset = Meeting.objects.filter(
        pk__in=Meeting.plans.through.objects.filter(plan__in=plans).values("meeting_id")
    ).order_by("date")


class FetchedChoices(filter_fields.ModelChoiceIterator):
    """A filter's choices read by one plain query. ModelChoiceIterator reads them
    through QuerySet.iterator(), which on PostgreSQL is a server-side cursor (DECLARE,
    FETCH, CLOSE: three round trips) meant for rows too many to hold, where a filter's
    choices are the few dozen rows its select shows anyway. Same choices, same order."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


def fetch_choices_at_once(form: forms.Form) -> None:
    """Let the form's model choice fields read their choices with FetchedChoices."""
    for field in form.fields.values():
        if isinstance(field, filter_fields.ModelChoiceField):
            field.iterator = FetchedChoices
            field.widget.choices = field.choices


def actions_page(request, plan: Plan | None):
    """The filtered, paginated list of actions: of one plan, or of every visible plan.

    An IVP's list holds its programmes' actions too: of the year `?jaar=` (as its
    dashboard of that year counts them), else of every year."""
    year, year_error = None, None
    covers_programmes = plan is not None and plan.kind == Plan.Kind.IVP
    if plan is None:
        queryset = Action.objects.visible_to(request.user).order_by(
            "priority__plan__title", "priority__sort_key", "position", "id"
        )
    else:
        if request.GET.get("jaar"):
            try:
                # Any year the dashboard shows (its links carry it), also one outside
                # the plan's own years: then the IVP's own actions, no programme's.
                year = PeriodForm.base_fields["jaar"].clean(request.GET["jaar"])
            except ValidationError:
                year_error = _(
                    "The year was not understood; the actions of every year are shown."
                )
        order = ("priority__sort_key", "position", "id")
        if covers_programmes:
            order = ("priority__plan__start_year", "priority__plan_id", *order)
        queryset = plan_actions(request.user, plan, year).order_by(*order)
    filterset = ActionFilterSet(
        request.GET or None,
        queryset=queryset.with_list_relations().with_latest_progress(),
        request=request,
    )
    if plan is not None:
        narrow_choices(filterset, plan, year)
    form = filterset.form
    fetch_choices_at_once(form)
    form.renderer = renderers.renderer
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
            # The state of a past day (?as_of=), which the heading names.
            "as_of": filterset.form.cleaned_data.get("as_of")
            if filterset.is_bound and filterset.is_valid()
            else None,
            "year": year,
            "year_error": year_error,
            "covers_programmes": covers_programmes,
            "show_plan": plan is None or covers_programmes,
            "may_add_action": plan is not None
            and access.may_add_action(request.user, plan, seen=True),
        },
    )


@dashboard_page
@cached_page(shown.plan_page)
def plan_actions_list(request, pk):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    return actions_page(request, plan)


@dashboard_page
def actions_list(request):
    """All actions the user may see, across plans, with every filter of the FilterSet."""
    return actions_page(request, None)


# --- meeting: agenda and matrix ------------------------------------------------------


@dashboard_page
@cached_page(shown.meeting_page)
def meeting_detail(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).prefetch_related("municipalities"),
        pk=pk,
    )
    agenda = Agenda(meeting, user=request.user)
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
            "agenda": agenda,
            "groups": agenda.groups,
            "plans": plans,
            "matrices": meeting_matrices(request.user, plans, meeting),
            "today": timezone.localdate(),
            "pdf_agenda": pdf_url("pdf:agenda", meeting.pk),
        },
    )


# --- organisation (municipality) -----------------------------------------------------


@dashboard_page
@cached_page(shown.seen_plans)
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
            Plan.partners.through.objects.filter(organisation=organisation).values(
                "plan_id"
            ),
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
                filter=late_condition(today),
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
            "overdue": late_condition(today),
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
        with_latest_progress=True,
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


@dashboard_page
@cached_page(shown.action_page)
def action_detail(request, pk):
    action = get_object_or_404(
        Action.objects.visible_to(request.user)
        .select_related(
            "priority__plan", "priority__parent", "agreement", "deadline_meeting"
        )
        .prefetch_related("owners", "partners", "meetings"),
        pk=pk,
    )
    # The plan cycle: the action it continues and those that continue it, one query.
    lineage = list(
        Action.objects.visible_to(request.user)
        .filter(Q(pk=action.carried_over_from_id) | Q(carried_over_from=action))
        .select_related("priority__plan")
        .order_by("in_plan_since", "pk")
    )
    updates = list(
        action.progress_updates.select_related("organisation").order_by("-date", "-id")
    )
    return render(
        request,
        "reports/action.html",
        {
            "action": action,
            "carried_over_from": next(
                (a for a in lineage if a.pk == action.carried_over_from_id), None
            ),
            "carried_over_to": [
                a for a in lineage if a.pk != action.carried_over_from_id
            ],
            "plan": action.priority.plan,
            "updates": updates,
            # A shared action: each trekker's part (Action.split).
            "split": action.split(updates),
            "history": history_entries(action),
            "today": timezone.localdate(),
            "overdue": action.is_late(),
            "may_change": request.user.has_perm("actions.change_action", action),
            "may_record_result": action.agreement is not None
            and access.enters_data(request.user)
            and access.can(request.user, access.CHANGE, action.agreement),
        },
    )
