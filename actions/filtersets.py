"""FilterSets shared by the dashboard pages and the API (one per model, as NetBox does).

Every choice list is limited to what the requesting user may see, so a filter never
reveals the name of another municipality's plan.
"""

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ivp import access
from ivp.access import visible_choices
from policies.filtersets import municipality_choices
from policies.models import Organisation, Plan, Priority, SafetyField

from .models import Action, Meeting, ProgressUpdate, Status
from .models.actions import added_condition


def _owner_choices(request):
    """Organisations owning an action the requesting user sees."""
    user = getattr(request, "user", None)
    if user is None:
        return Organisation.objects.none()
    if access.is_beheerder(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(
        pk__in=Action.objects.visible_to(user).values("owners")
    )


@extend_schema_field(OpenApiTypes.STR)
class SafetyFieldFilter(django_filters.ModelChoiceFilter):
    """A VNG safety field chosen by its code, looked up by a method (the schema cannot
    guess its type)."""


class ActionFilterSet(django_filters.FilterSet):
    """Filters on actions: ?plan=&municipality=&plan_municipality=&owner=&priority=
    &status=&deadline_after=...

    `municipality` selects the actions a municipality owns (is trekker of);
    `plan_municipality` the actions in the plans of a municipality, whoever owns them.

    `as_of` (first: the filters after it see its annotations) gives the state of each
    action on that day (ActionQuerySet.as_of): only actions in their plan by then, with
    the status, lateness and latest progress known that day; `status` then filters on
    that status.
    """

    as_of = django_filters.DateFilter(method="filter_as_of", label=_("state as of"))
    plan = django_filters.ModelChoiceFilter(
        field_name="priority__plan", queryset=visible_choices(Plan), label=_("plan")
    )
    # Two questions about a municipality, answered apart: which actions it carries
    # itself (Epe's own, not Hattem's in the plan they share), and which actions are in
    # its plans. "municipality" is the first, as the word suggests on every surface.
    municipality = django_filters.ModelChoiceFilter(
        field_name="owners",
        queryset=municipality_choices,
        label=_("owned by municipality (trekker)"),
        distinct=True,
    )
    plan_municipality = django_filters.ModelChoiceFilter(
        field_name="priority__plan__municipalities",
        queryset=municipality_choices,
        label=_("in plans of municipality"),
        distinct=True,
    )
    owner = django_filters.ModelChoiceFilter(
        field_name="owners",
        queryset=_owner_choices,
        label=_("owner (trekker)"),
        distinct=True,
    )
    priority = django_filters.ModelChoiceFilter(
        method="filter_priority",
        queryset=visible_choices(Priority),
        label=_("priority"),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, method="filter_status", label=_("status")
    )
    # One range filter; its query parameters are deadline_after and deadline_before.
    deadline = django_filters.DateFromToRangeFilter(label=_("deadline"))
    meeting = django_filters.ModelChoiceFilter(
        field_name="meetings", queryset=visible_choices(Meeting), label=_("meeting")
    )
    unplanned = django_filters.BooleanFilter(label=_("unplanned"))
    # added_after / added_before: the unplanned actions added in that range, as the
    # dashboard counts them (added_condition: without a date of adding, the deadline's).
    added = django_filters.DateFromToRangeFilter(
        method="filter_added", label=_("unplanned, added")
    )
    # ?veld=jeugd: the actions of the priorities tagged with that VNG safety field,
    # the same narrowing as the dashboard's (Priority.objects.in_safety_field).
    veld = SafetyFieldFilter(
        method="filter_safety_field",
        queryset=SafetyField.objects.all(),
        label=_("safety field (VNG)"),
    )
    q = django_filters.CharFilter(method="filter_text", label=_("search"))

    class Meta:
        model = Action
        fields = [
            "as_of",
            "plan",
            "municipality",
            "plan_municipality",
            "owner",
            "priority",
            "status",
            "deadline",
            "meeting",
            "unplanned",
            "added",
            "veld",
            "q",
        ]

    def filter_as_of(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.as_of(value).with_latest_progress(on=value)

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        field = "status_on" if "status_on" in queryset.query.annotations else "status"
        return queryset.filter(**{f"{field}__in": value})

    def filter_added(self, queryset, name, value):
        if not value or (value.start is None and value.stop is None):
            return queryset
        return queryset.filter(
            added_condition(value.start or dt.date.min, value.stop or dt.date.max)
        )

    def filter_priority(self, queryset, name, value):
        """A priority includes its sub-priorities (1 includes 1.1 and 1.2)."""
        if not value:
            return queryset
        ids = {value.pk}
        frontier = {value.pk}
        while frontier:
            frontier = (
                set(
                    Priority.objects.filter(parent__in=frontier).values_list(
                        "pk", flat=True
                    )
                )
                - ids
            )
            ids |= frontier
        return queryset.filter(priority__in=ids)

    def filter_safety_field(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(priority__in=Priority.objects.in_safety_field(value.pk))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(item__icontains=value)
            | Q(owner_role__icontains=value)
            | Q(note__icontains=value)
        )


class ProgressUpdateFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        field_name="action__priority__plan",
        queryset=visible_choices(Plan),
        label=_("plan"),
    )
    action = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Action), label=_("action")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("status")
    )
    date = django_filters.DateFromToRangeFilter(label=_("date"))

    class Meta:
        model = ProgressUpdate
        # organisation: one trekker's part of shared actions.
        fields = ["plan", "action", "organisation", "status", "date"]


class MeetingFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        field_name="plans", queryset=visible_choices(Plan), label=_("plan")
    )
    municipality = django_filters.ModelChoiceFilter(
        field_name="municipalities",
        queryset=municipality_choices,
        label=_("municipality"),
    )
    body = django_filters.ChoiceFilter(choices=Meeting.Body.choices, label=_("body"))
    date = django_filters.DateFromToRangeFilter(label=_("date"))

    class Meta:
        model = Meeting
        fields = ["plan", "municipality", "body", "date"]
