"""API resources for actions, progress updates and meetings.

Filters: the shared FilterSets of actions/filtersets.py.
"""

import django_filters
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from rest_framework import filters
from rest_framework.permissions import SAFE_METHODS

from actions import filtersets
from actions.models import Action, Meeting, ProgressUpdate
from policies.api.base import ScopedModelViewSet

from . import serializers


class ActionFilterSet(filtersets.ActionFilterSet):
    """The pages' action filters; the free-text one is called `search` in the API."""

    search = django_filters.CharFilter(method="filter_text", label=_("search"))


class ActionViewSet(ScopedModelViewSet):
    """Actions with owners, plan and latest progress; status follows progress."""

    # Each row's latest progress by the one rule (ActionQuerySet.with_latest_progress);
    # ?as_of= (the FilterSet) asks it as of that day instead.
    queryset = Action.objects.select_related("priority__plan").with_latest_progress()
    serializer_class = serializers.ActionSerializer
    filterset_class = ActionFilterSet
    ordering_fields = ["id", "deadline", "status", "title", "position", "updated_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.method in SAFE_METHODS:
            # Only shown: the owners, partners and meetings as plain lists (to_attr,
            # as Action.listed() reads them) instead of a related manager
            # and a filtered queryset per row, which cost more than the queries. The
            # shared actions' progress updates (per_owner) are read for the shared
            # rows of a page only (serializers.ActionListSerializer).
            return queryset.prefetch_related(
                *(Prefetch(name, to_attr=to) for name, to in Action.LISTED.items())
            )
        # A write sets them through the related managers, which keep a prefetched
        # relation current; a list taken before the write would show the old ones.
        return queryset.prefetch_related("owners", "partners", "meetings")

    def perform_update(self, serializer):
        with transaction.atomic():
            action = serializer.save()
            # Other trekkers, other parts: the status sums up the parts anew.
            action.refresh_from_progress(by=self.request.user)


class ProgressUpdateViewSet(ScopedModelViewSet):
    """Dated progress on an action; the latest one sets the action's status."""

    queryset = ProgressUpdate.objects.all()
    serializer_class = serializers.ProgressUpdateSerializer
    filterset_class = filtersets.ProgressUpdateFilterSet
    filter_backends = [*ScopedModelViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["text"]
    ordering_fields = ["id", "date", "status"]

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save(author=self.request.user)


class MeetingViewSet(ScopedModelViewSet):
    """Driehoek and other meetings at which progress is reported."""

    queryset = Meeting.objects.prefetch_related("municipalities", "plans")
    serializer_class = serializers.MeetingSerializer
    filterset_class = filtersets.MeetingFilterSet
    filter_backends = [*ScopedModelViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["title", "notes", "decisions"]
    ordering_fields = ["id", "date", "body"]
