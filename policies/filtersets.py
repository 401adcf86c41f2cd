"""FilterSets for policy objects, shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ivp.access import visible_choices

from .models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Measurement,
    Organisation,
    Plan,
    Priority,
    Result,
    Target,
)

_visible_plans = visible_choices(Plan)


@extend_schema_field(OpenApiTypes.INT)
class PlanIdFilter(django_filters.ModelChoiceFilter):
    """A plan chosen by id whose lookup is a method (the schema cannot guess its type)."""


def municipality_choices(request):
    """A FilterSet `queryset` callable: the municipalities of the plans the requesting
    user sees, so a municipality filter names no other."""
    user = getattr(request, "user", None)
    if user is None:
        return Organisation.objects.none()
    return Organisation.objects.municipalities().in_plans_visible_to(user)


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("search"))

    class Meta:
        model = Organisation
        fields = ["kind", "cbs_code", "q"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(cbs_code__iexact=value))


class PlanFilterSet(django_filters.FilterSet):
    municipality = django_filters.ModelChoiceFilter(
        field_name="municipalities",
        queryset=municipality_choices,
        label=_("municipality"),
    )
    year = django_filters.NumberFilter(method="filter_year", label=_("year"))
    q = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", label=_("search")
    )

    class Meta:
        model = Plan
        fields = ["kind", "status", "municipality", "year", "q"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)


class PriorityFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_visible_plans, label=_("plan"))

    class Meta:
        model = Priority
        fields = ["plan", "kind", "parent"]


class AgendaPriorityFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_visible_plans, label=_("plan"))
    priority = django_filters.ModelChoiceFilter(
        field_name="priorities",
        queryset=visible_choices(Priority),
        label=_("priority"),
    )

    class Meta:
        model = AgendaPriority
        fields = ["plan", "level", "kind", "priority"]


class AgreementFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        field_name="priority__plan", queryset=_visible_plans, label=_("plan")
    )
    owner = django_filters.ModelChoiceFilter(
        field_name="owners",
        queryset=lambda request: Organisation.objects.all(),
        label=_("owner"),
        distinct=True,
    )
    q = django_filters.CharFilter(method="filter_text", label=_("search"))

    class Meta:
        model = Agreement
        fields = ["plan", "priority", "owner", "q"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(text__icontains=value) | Q(expected_result__icontains=value)
        )


class IndicatorFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_visible_plans, label=_("plan"))

    class Meta:
        model = Indicator
        fields = ["plan", "priority", "source"]


class MeasurementFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        field_name="indicator__plan", queryset=_visible_plans, label=_("plan")
    )

    class Meta:
        model = Measurement
        fields = ["plan", "indicator", "year", "period_type", "provisional"]


class TargetFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        field_name="indicator__plan", queryset=_visible_plans, label=_("plan")
    )

    class Meta:
        model = Target
        fields = ["plan", "indicator", "year", "kind", "is_final"]


class ResultFilterSet(django_filters.FilterSet):
    """A result hangs on an agreement or on a priority; `plan` finds both kinds."""

    plan = PlanIdFilter(queryset=_visible_plans, method="filter_plan", label=_("plan"))

    class Meta:
        model = Result
        fields = ["plan", "agreement", "priority", "year", "assessment"]

    def filter_plan(self, queryset, name, value):
        return queryset.filter(
            Q(agreement__priority__plan=value) | Q(priority__plan=value)
        )
