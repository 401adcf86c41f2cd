"""Serializers for actions (with owners, plan, latest progress), progress, meetings."""

import datetime as dt
from collections import namedtuple
from functools import cached_property
from itertools import groupby
from operator import attrgetter

from django.db.models.manager import BaseManager
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from actions.models import Action, Meeting, ProgressUpdate
from ivp.periods import Precision, parse_period
from policies.api.base import ScopedModelSerializer, version_field
from policies.api.serializers import OrganisationBriefSerializer, PlanBriefSerializer


class LatestProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressUpdate
        fields = ["id", "date", "status", "percentage", "text"]
        read_only_fields = fields


# The latest progress update as a list reads it (with_latest_progress's annotations).
LatestRow = namedtuple("LatestRow", ["id", "date", "status", "percentage", "text"])


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


class ActionListSerializer(serializers.ListSerializer):
    """A page of actions: reads the progress updates of its shared actions in one query
    and hands each its own (Action.split(updates)), so that the rows with one trekker,
    most of them, read none."""

    def to_representation(self, data):
        actions = list(data.all() if isinstance(data, BaseManager) else data)
        shared = [action.pk for action in actions if action.is_shared]
        updates = {}
        if shared:
            rows = ProgressUpdate.objects.filter(action__in=shared).order_by(
                "action_id", "-date", "-id"
            )
            updates = {
                pk: list(group) for pk, group in groupby(rows, attrgetter("action_id"))
            }
        self.child.shared_updates = {pk: updates.get(pk, []) for pk in shared}
        return [self.child.to_representation(action) for action in actions]


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
        list_serializer_class = ActionListSerializer

    # Given by ActionListSerializer for a page's shared actions: action pk -> its
    # updates newest first. An action not in it reads its own (Action.split()).
    shared_updates: dict = {}

    def validate(self, attrs):
        deadline = attrs.get("deadline")
        precision = getattr(deadline, "precision", Precision.DAY)
        if precision != Precision.DAY:
            # "2021-Q1" says its precision; a full date keeps the one given with it.
            attrs["deadline_precision"] = precision
        if deadline is not None:
            attrs["deadline"] = dt.date(deadline.year, deadline.month, deadline.day)
        return super().validate(attrs)

    @cached_property
    def _readers(self):
        """The readers of the fields (field_readers), built once per serializer; the
        relations and nested representations are built once per list (_plan,
        _organisation) and from the prefetched lists."""
        special = {
            "plan": self._plan,
            "owners": lambda action: [o.pk for o in action.trekkers()],
            "owner_organisations": lambda action: [
                self._organisation(o) for o in action.trekkers()
            ],
            "partners": lambda action: [o.pk for o in action.listed("partners")],
            "meetings": lambda action: [m.pk for m in action.listed("meetings")],
        }
        return field_readers(self, special)

    @cached_property
    def _brief_plans(self):
        return {}

    @cached_property
    def _brief_organisations(self):
        return {}

    def _plan(self, action):
        plan = action.priority.plan
        brief = self._brief_plans.get(plan.pk)
        if brief is None:
            brief = self._brief_plans[plan.pk] = self.fields["plan"].to_representation(
                plan
            )
        return brief

    def _organisation(self, organisation):
        if organisation is None:
            return None
        brief = self._brief_organisations.get(organisation.pk)
        if brief is None:
            brief = self._brief_organisations[organisation.pk] = self.fields[
                "owner_organisations"
            ].child.to_representation(organisation)
        return brief

    def to_representation(self, action):
        if action.pk is None:
            data = super().to_representation(action)
        else:
            data = {name: read(action) for name, read in self._readers}
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
            # Only shown: the annotations as they are, no model instance per row.
            return LatestRow(
                id=action.latest_id,
                date=action.latest_date,
                status=action.latest_status,
                percentage=action.latest_percentage,
                text=action.latest_text,
            )
        # Just created or changed: not read through the viewset's queryset.
        return action.latest_progress_update()

    # One nested serializer for all rows of a list: a ModelSerializer builds its fields
    # from the model on first use, which per row was a third of the API list's time;
    # their readers once too (field_readers).
    @cached_property
    def _part_readers(self):
        parts = OwnerPartSerializer()
        return field_readers(
            parts, {"organisation": lambda part: self._organisation(part.organisation)}
        )

    @cached_property
    def _latest_readers(self):
        return field_readers(LatestProgressSerializer(), {})

    @extend_schema_field(OwnerPartSerializer(many=True))
    def get_per_owner(self, action):
        split = action.split(self.shared_updates.get(action.pk))
        if not split:
            return []
        readers = self._part_readers
        return [{name: read(part) for name, read in readers} for part in split.parts]

    @extend_schema_field(LatestProgressSerializer(allow_null=True))
    def get_latest_progress(self, action):
        latest = self._latest(action)
        if latest is None:
            return None
        return {name: read(latest) for name, read in self._latest_readers}


def field_readers(serializer, special: dict) -> list:
    """Per readable field of `serializer`, in order: (name, function of the object
    giving the field's value in the representation).

    DRF's Serializer.to_representation asks every field to find its attribute (dotted
    sources, callables, related managers) and then to represent it; for a page of fifty
    actions with forty fields that lookup was a quarter of the API list's time. A field
    read from attributes is read here directly and represented by the field itself (so
    dates, decimals and choices are written as DRF writes them); `special` names the
    fields the caller builds itself; anything else goes DRF's way.
    """
    readers = []
    for field in serializer._readable_fields:
        name = field.field_name
        attrs = field.source_attrs
        if name in special:
            readers.append((name, special[name]))
        elif isinstance(field, serializers.SerializerMethodField):
            readers.append((name, getattr(serializer, field.method_name)))
        elif isinstance(field, serializers.PrimaryKeyRelatedField) and len(attrs) == 1:
            readers.append((name, _pk_reader(serializer, field)))
        elif isinstance(field, (serializers.RelatedField, serializers.BaseSerializer)):
            readers.append((name, _drf_reader(field)))
        elif len(attrs) == 1 or (attrs and field.allow_null):
            readers.append((name, _plain_reader(field)))
        else:
            readers.append((name, _drf_reader(field)))
    return readers


def _plain_reader(field):
    """A field read from attributes, as DRF's Serializer.to_representation reads it; a
    dotted source through a missing object (a part without an update) gives None, as
    DRF gives a field that allows null."""
    read = attrgetter(".".join(field.source_attrs))
    represent = field.to_representation

    def reader(obj):
        try:
            value = read(obj)
        except AttributeError:
            if len(field.source_attrs) == 1:
                raise
            return None
        return None if value is None else represent(value)

    return reader


def _pk_reader(serializer, field):
    """A foreign key shown as its id: read from the column, as DRF does (PKOnlyObject)."""
    model = serializer.Meta.model
    read = attrgetter(model._meta.get_field(field.source_attrs[0]).attname)
    represent = field.to_representation

    def reader(action):
        value = read(action)
        return None if value is None else represent(PKOnlyObject(pk=value))

    return reader


def _drf_reader(field):
    def reader(action):
        attribute = field.get_attribute(action)
        check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check is None else field.to_representation(attribute)

    return reader


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
