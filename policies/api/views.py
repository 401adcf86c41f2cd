"""API resources of this app: organisations, plans, priorities, agreements with their
results, indicators with their targets and measurements.

Filters are the shared FilterSets of policies/filtersets.py; the API only adds `search`
as the name of their free-text filter (`q` on the pages).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import filters, mixins, viewsets

from policies import filtersets
from policies.models import (
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

from . import serializers
from .base import (
    RulePermission,
    ScopedModelViewSet,
    StrictFilterBackend,
    StrictOrderingFilter,
)


class OrganisationFilterSet(filtersets.OrganisationFilterSet):
    search = django_filters.CharFilter(method="filter_text", label=_("search"))
    # Exact look-ups for a script that must take the one row it names, never a guess.
    name = django_filters.CharFilter(label=_("name (exact)"))
    code = django_filters.CharFilter(field_name="cbs_code", label=_("CBS code (exact)"))
    safety_region = django_filters.CharFilter(
        field_name="safety_region__code", label=_("safety region (code, e.g. VR06)")
    )


class PlanFilterSet(filtersets.PlanFilterSet):
    search = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", label=_("search")
    )
    slug = django_filters.CharFilter(label=_("slug (exact)"))
    name = django_filters.CharFilter(field_name="title", label=_("title (exact)"))


class PriorityFilterSet(filtersets.PriorityFilterSet):
    code = django_filters.CharFilter(label=_("code (exact)"))
    name = django_filters.CharFilter(field_name="title", label=_("title (exact)"))


class AgendaPriorityFilterSet(filtersets.AgendaPriorityFilterSet):
    search = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", label=_("search")
    )
    name = django_filters.CharFilter(field_name="title", label=_("title (exact)"))


class AgreementFilterSet(filtersets.AgreementFilterSet):
    search = django_filters.CharFilter(method="filter_text", label=_("search"))


class OrganisationViewSet(ScopedModelViewSet):
    """Municipalities and partner organisations (reference data: everyone sees them)."""

    queryset = Organisation.objects.select_related("safety_region")
    serializer_class = serializers.OrganisationSerializer
    filterset_class = OrganisationFilterSet
    ordering_fields = ["id", "name", "kind", "cbs_code"]


class PlanViewSet(ScopedModelViewSet):
    """Plans: IVPs, yearly programmes, regional strategies and progress reports."""

    queryset = Plan.objects.prefetch_related("municipalities", "partners")
    serializer_class = serializers.PlanSerializer
    filterset_class = PlanFilterSet
    ordering_fields = ["id", "title", "start_year", "end_year", "kind", "status"]


class PriorityViewSet(ScopedModelViewSet):
    """Priorities (themes, speerpunten) of a plan, sub-priorities below their parent."""

    queryset = Priority.objects.prefetch_related("safety_fields", "agenda_priorities")
    serializer_class = serializers.PrioritySerializer
    filterset_class = PriorityFilterSet
    filter_backends = [*ScopedModelViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["title", "code", "objective", "description"]
    ordering_fields = ["id", "sort_key", "position", "title"]


class AgendaPriorityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The local, regional and national agenda priorities a plan cites, with the plan's
    priorities that serve each. Read only: they are kept with the plan (admin,
    workbook)."""

    queryset = AgendaPriority.objects.prefetch_related("priorities")
    serializer_class = serializers.AgendaPrioritySerializer
    filterset_class = AgendaPriorityFilterSet
    permission_classes = [RulePermission]
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]
    ordering_fields = ["id", "position", "title"]

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)


class AgreementViewSet(ScopedModelViewSet):
    """Agreements (afspraken) under a priority, with owners and partners."""

    queryset = Agreement.objects.select_related("priority__plan").prefetch_related(
        "owners", "partners"
    )
    serializer_class = serializers.AgreementSerializer
    filterset_class = AgreementFilterSet
    ordering_fields = ["id", "position", "planning"]


class IndicatorViewSet(ScopedModelViewSet):
    """Indicators a plan steers on, with their baseline."""

    queryset = Indicator.objects.all()
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filtersets.IndicatorFilterSet
    filter_backends = [*ScopedModelViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["name", "area", "description"]
    ordering_fields = ["id", "name", "source"]


class MeasurementViewSet(ScopedModelViewSet):
    """Values of an indicator per year, quarter or month."""

    queryset = Measurement.objects.all()
    serializer_class = serializers.MeasurementSerializer
    filterset_class = filtersets.MeasurementFilterSet
    filter_backends = [*ScopedModelViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["note"]
    ordering_fields = ["id", "year", "period_type", "period_number", "value"]


class TargetViewSet(ScopedModelViewSet):
    """Interim and final targets of an indicator, per year."""

    queryset = Target.objects.all()
    serializer_class = serializers.TargetSerializer
    filterset_class = filtersets.TargetFilterSet
    ordering_fields = ["id", "year", "is_final", "value"]


class ResultViewSet(ScopedModelViewSet):
    """Results achieved per year, of an agreement or of a whole priority."""

    queryset = Result.objects.all()
    serializer_class = serializers.ResultSerializer
    filterset_class = filtersets.ResultFilterSet
    filter_backends = [*ScopedModelViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["text"]
    ordering_fields = ["id", "year", "assessment"]
