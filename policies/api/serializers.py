"""Serializers for organisations, plans, priorities, agreements, indicators and
measurements."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from policies.models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Measurement,
    Municipality,
    Organisation,
    Plan,
    Priority,
    Result,
    SafetyRegion,
    Target,
)

from .base import ScopedModelSerializer, version_field


class SafetyRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyRegion
        fields = ["code", "name"]
        read_only_fields = fields


class OrganisationSerializer(ScopedModelSerializer):
    """A municipality is named, not coded: its name (official or common, "Den Bosch")
    is looked up in the CBS list, which gives its code and safety region."""

    safety_region = SafetyRegionSerializer(read_only=True)

    class Meta(ScopedModelSerializer.Meta):
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "cbs_code",
            "safety_region",
            "police_unit",
            "police_district",
            "description",
        ]
        read_only_fields = ["cbs_code"]
        extra_kwargs = {
            "name": {
                "help_text": _(
                    "For a municipality: its name in the CBS list, official or common "
                    "(Den Bosch); its CBS code and safety region follow from it."
                )
            }
        }

    # The entry of the list is found by name, so an error about it is one about the name.
    error_fields = {"municipality": "name", "cbs_code": "name"}

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        name = attrs.get("name", getattr(self.instance, "name", ""))
        was_municipality = self.instance is not None and self.instance.is_municipality
        municipality = None
        if kind == Organisation.Kind.MUNICIPALITY and (
            not was_municipality or "name" in attrs
        ):
            municipality = Municipality.objects.named(name)
            if municipality is None and not was_municipality:
                self._unlisted(name)
            # A municipality renamed to a name the list does not know ("Gemeente
            # Hattem") is a new name for the same municipality: it keeps its entry.
            if municipality is not None and municipality.pk == getattr(
                self.instance, "municipality_id", None
            ):
                municipality = None
        if municipality is not None:
            attrs["municipality"] = municipality
            attrs["name"] = municipality.name
            taken = Organisation.objects.filter(municipality=municipality)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            existing = taken.first()
            if existing is not None:
                raise serializers.ValidationError(
                    {
                        "name": [
                            _(
                                "%(municipality)s is already here, as “%(name)s” "
                                "(id %(id)s)."
                            )
                            % {
                                "municipality": municipality.name,
                                "name": existing.name,
                                "id": existing.pk,
                            }
                        ]
                    }
                )
        elif kind is not None and kind != Organisation.Kind.MUNICIPALITY:
            attrs["municipality"] = None
            attrs["cbs_code"] = None
            attrs["safety_region"] = None
        return super().validate(attrs)

    def _unlisted(self, name: str):
        close = Municipality.objects.close_to(name)
        if close:
            message = _(
                "“%(name)s” is not a municipality in the CBS list. Did you mean: "
                "%(names)s?"
            ) % {"name": name, "names": ", ".join(close)}
        else:
            message = _(
                "“%(name)s” is not a municipality in the CBS list; give its official "
                "or common name."
            ) % {"name": name}
        raise serializers.ValidationError({"name": [message]})


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
            "agenda_priorities",
            "version",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "agenda_priorities" in attrs:
            plan = attrs.get("plan") or self.instance.plan
            try:
                Priority.check_agenda_priorities(plan.pk, attrs["agenda_priorities"])
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.message_dict) from error
        return attrs


class AgendaPrioritySerializer(ScopedModelSerializer):
    """A priority of a local, regional or national agenda that a plan cites; the
    priorities of the plan that serve it."""

    class Meta(ScopedModelSerializer.Meta):
        model = AgendaPriority
        fields = [
            "id",
            "plan",
            "level",
            "agenda",
            "issuer",
            "title",
            "kind",
            "start_year",
            "end_year",
            "position",
            "priorities",
        ]
        read_only_fields = fields


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


class TargetSerializer(ScopedModelSerializer):
    """An interim or final target of an indicator for a year."""

    class Meta(ScopedModelSerializer.Meta):
        model = Target
        fields = [
            "id",
            "indicator",
            "kind",
            "value",
            "year",
            "reference_year",
            "is_final",
            "description",
        ]


class ResultSerializer(ScopedModelSerializer):
    """The result achieved in a year, for an agreement or for a whole priority."""

    # "Either an agreement or a priority": a result is mostly an agreement's.
    constraint_fields = {"result_for_agreement_or_priority": "agreement"}

    class Meta(ScopedModelSerializer.Meta):
        model = Result
        fields = ["id", "agreement", "priority", "year", "text", "assessment"]
