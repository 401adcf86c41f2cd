"""Serializers for organisations, plans, priorities, agreements, indicators and
measurements."""

from rest_framework import serializers

from policies.models import (
    Agreement,
    Indicator,
    Measurement,
    Organisation,
    Plan,
    Priority,
)

from .base import ScopedModelSerializer, version_field


class OrganisationSerializer(ScopedModelSerializer):
    class Meta(ScopedModelSerializer.Meta):
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "cbs_code",
            "police_unit",
            "police_district",
            "description",
        ]


class OrganisationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class PlanBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "title", "slug"]
        read_only_fields = fields


class PlanSerializer(ScopedModelSerializer):
    version = version_field()

    class Meta(ScopedModelSerializer.Meta):
        model = Plan
        fields = [
            "id",
            "title",
            "slug",
            "kind",
            "status",
            "start_year",
            "end_year",
            "parent",
            "municipalities",
            "partners",
            "adopted_on",
            "adopted_by",
            "description",
            "local_priorities",
            "regional_priorities",
            "national_priorities",
            "version",
            "created_at",
            "updated_at",
        ]


class PrioritySerializer(ScopedModelSerializer):
    version = version_field()

    class Meta(ScopedModelSerializer.Meta):
        model = Priority
        fields = [
            "id",
            "plan",
            "parent",
            "code",
            "position",
            "title",
            "kind",
            "objective",
            "description",
            "attention_points",
            "regional_alignment",
            "national_alignment",
            "safety_fields",
            "version",
        ]


class AgreementSerializer(ScopedModelSerializer):
    version = version_field()
    plan = PlanBriefSerializer(source="priority.plan", read_only=True)

    class Meta(ScopedModelSerializer.Meta):
        model = Agreement
        fields = [
            "id",
            "priority",
            "plan",
            "text",
            "expected_result",
            "planning",
            "planning_precision",
            "planning_text",
            "owners",
            "partners",
            "position",
            "version",
        ]


class IndicatorSerializer(ScopedModelSerializer):
    version = version_field()

    class Meta(ScopedModelSerializer.Meta):
        model = Indicator
        fields = [
            "id",
            "plan",
            "priority",
            "name",
            "unit",
            "source",
            "area",
            "direction",
            "baseline_value",
            "baseline_year",
            "description",
            "version",
        ]


class MeasurementSerializer(ScopedModelSerializer):
    class Meta(ScopedModelSerializer.Meta):
        model = Measurement
        fields = [
            "id",
            "indicator",
            "year",
            "period_type",
            "period_number",
            "value",
            "provisional",
            "note",
        ]
