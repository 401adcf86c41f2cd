"""Serializers for actions (with owners, plan, latest progress), progress, meetings."""

import datetime as dt
from functools import cached_property

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import Action, Meeting, ProgressUpdate
from ivp.periods import Precision, parse_period
from policies.api.base import ScopedModelSerializer, version_field
from policies.api.serializers import OrganisationBriefSerializer, PlanBriefSerializer


class LatestProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressUpdate
        fields = ["id", "date", "status", "percentage", "text"]
        read_only_fields = fields


class OwnerPartSerializer(serializers.Serializer):
    """One trekker's part of a shared action (Action.parts)."""

    organisation = OrganisationBriefSerializer(read_only=True)
    status = serializers.CharField(read_only=True)
    percentage = serializers.IntegerField(read_only=True, allow_null=True)
    date = serializers.DateField(source="update.date", read_only=True, allow_null=True)
    text = serializers.CharField(source="update.text", read_only=True, allow_null=True)


class PeriodDate(dt.date):
    """A date read from "2021-03", "2021-Q1" or "2021": its last day, and how precise."""

    precision = Precision.DAY


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": r"^\d{4}(-\d{2}(-\d{2})?|-[Qq][1-4])?$",
        "example": "2021-Q1",
        "description": "A day (2021-03-18), month (2021-03), quarter (2021-Q1) or year "
        "(2021); a month, quarter or year is stored as its last day and sets "
        "deadline_precision.",
    }
)
class PeriodDateField(serializers.DateField):
    """A deadline as precise as the plan gives it."""

    default_error_messages = {
        "invalid": _(
            "Give a day (2021-03-18), a month (2021-03), a quarter (2021-Q1) or a year "
            "(2021)."
        ),
    }

    def to_internal_value(self, value):
        if isinstance(value, dt.date):
            return value
        try:
            day, precision = parse_period(str(value))
        except ValueError:
            self.fail("invalid")
        result = PeriodDate(day.year, day.month, day.day)
        result.precision = precision
        return result


class ActionSerializer(ScopedModelSerializer):
    version = version_field()
    deadline = PeriodDateField(label=_("deadline"), required=False, allow_null=True)
    plan = PlanBriefSerializer(source="priority.plan", read_only=True)
    owner_organisations = OrganisationBriefSerializer(
        source="owners", many=True, read_only=True
    )
    latest_progress = serializers.SerializerMethodField()
    late = serializers.SerializerMethodField(
        help_text="Late on the as_of day (default today): deadline passed, not closed."
    )
    deadline_display = serializers.CharField(read_only=True)
    per_owner = serializers.SerializerMethodField(
        help_text="A shared action (several trekkers): each trekker's part now; the "
        "action's status sums them up. Empty for an action with one trekker or none."
    )

    class Meta(ScopedModelSerializer.Meta):
        model = Action
        fields = [
            "id",
            "plan",
            "priority",
            "agreement",
            "title",
            "description",
            "item",
            "owners",
            "owner_organisations",
            "owner_role",
            "partners",
            "internal_parties",
            "parties_text",
            "portfolio_holder",
            "budget",
            "budget_text",
            "deadline",
            "deadline_precision",
            "deadline_text",
            "deadline_display",
            "deadline_meeting",
            "meetings",
            "status",
            "percentage",
            "last_update_on",
            "latest_progress",
            "per_owner",
            "late",
            "in_plan_since",
            "unplanned",
            "added_on",
            "added_on_precision",
            "note",
            "position",
            "version",
            "created_at",
            "updated_at",
        ]
        # Status and percentage follow the latest progress update: record progress.
        read_only_fields = ["status", "percentage", "last_update_on"]

    def validate(self, attrs):
        deadline = attrs.get("deadline")
        precision = getattr(deadline, "precision", Precision.DAY)
        if precision != Precision.DAY:
            # "2021-Q1" says its precision; a full date keeps the one given with it.
            attrs["deadline_precision"] = precision
        if deadline is not None:
            attrs["deadline"] = dt.date(deadline.year, deadline.month, deadline.day)
        return super().validate(attrs)

    def to_representation(self, action):
        data = super().to_representation(action)
        if hasattr(action, "status_on"):
            # ?as_of=: the state on that day (ActionQuerySet.as_of), not today's.
            data["status"] = action.status_on
            data["percentage"] = action.percentage_as_of(
                action.latest_date, action.latest_percentage
            )
            data["last_update_on"] = (
                action.latest_date.isoformat() if action.latest_date else None
            )
        return data

    @extend_schema_field(serializers.BooleanField())
    def get_late(self, action) -> bool:
        late = getattr(action, "late_on", None)
        return action.is_late() if late is None else late

    @staticmethod
    def _latest(action):
        if hasattr(action, "latest_date"):
            if action.latest_id is None:
                return None
            return ProgressUpdate(
                id=action.latest_id,
                action=action,
                date=action.latest_date,
                status=action.latest_status,
                percentage=action.latest_percentage,
                text=action.latest_text,
            )
        # Just created or changed: not read through the viewset's queryset.
        return action.latest_progress_update()

    # One nested serializer for all rows of a list: a ModelSerializer builds its fields
    # from the model on first use, which per row was a third of the API list's time.
    @cached_property
    def _owner_parts(self):
        return OwnerPartSerializer(many=True)

    @cached_property
    def _latest_progress(self):
        return LatestProgressSerializer()

    @extend_schema_field(OwnerPartSerializer(many=True))
    def get_per_owner(self, action):
        split = action.split()
        return self._owner_parts.to_representation(split.parts) if split else []

    @extend_schema_field(LatestProgressSerializer(allow_null=True))
    def get_latest_progress(self, action):
        latest = self._latest(action)
        return self._latest_progress.to_representation(latest) if latest else None


class ProgressUpdateSerializer(ScopedModelSerializer):
    version = version_field()

    class Meta(ScopedModelSerializer.Meta):
        model = ProgressUpdate
        # The author is recorded (history) but not published: no data about persons.
        fields = [
            "id",
            "action",
            "organisation",
            "date",
            "status",
            "percentage",
            "text",
            "version",
            "created_at",
        ]


class MeetingSerializer(ScopedModelSerializer):
    version = version_field()

    class Meta(ScopedModelSerializer.Meta):
        model = Meeting
        fields = [
            "id",
            "body",
            "title",
            "date",
            "preparation_deadline",
            "municipalities",
            "plans",
            "notes",
            "decisions",
            "version",
        ]
