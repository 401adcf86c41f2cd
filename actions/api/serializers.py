"""Serializers for actions (with owners, plan, latest progress), progress, meetings."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import Action, Meeting, ProgressUpdate
from policies.api.base import ScopedModelSerializer, version_field
from policies.api.serializers import OrganisationBriefSerializer, PlanBriefSerializer


class LatestProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressUpdate
        fields = ["id", "date", "status", "percentage", "text"]
        read_only_fields = fields


class ActionSerializer(ScopedModelSerializer):
    version = version_field()
    plan = PlanBriefSerializer(source="priority.plan", read_only=True)
    owner_organisations = OrganisationBriefSerializer(
        source="owners", many=True, read_only=True
    )
    latest_progress = serializers.SerializerMethodField()
    deadline_display = serializers.CharField(read_only=True)

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
            "meetings",
            "status",
            "percentage",
            "last_update_on",
            "latest_progress",
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

    @staticmethod
    def _latest(action):
        prefetched = getattr(action, "latest_progress_list", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return action.progress_updates.order_by("-date", "-id").first()

    @extend_schema_field(LatestProgressSerializer(allow_null=True))
    def get_latest_progress(self, action):
        latest = self._latest(action)
        return LatestProgressSerializer(latest).data if latest else None


class ProgressUpdateSerializer(ScopedModelSerializer):
    version = version_field()

    class Meta(ScopedModelSerializer.Meta):
        model = ProgressUpdate
        # The author is recorded (history) but not published: no data about persons.
        fields = [
            "id",
            "action",
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
