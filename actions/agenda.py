"""What is on the agenda of a meeting: one answer for the meeting page and the agenda PDF.

The agenda holds the actions put on the meeting and the other open actions of its plans
that are late on the day of the meeting, each with its state as of that day
(ActionQuerySet.as_of), grouped by who carries them: one owner, or several together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Cast
from django_cte import CTE, with_cte

from policies.models import Organisation, Plan

from .lists import attach_latest_progress
from .models import Action, Meeting


@dataclass
class AgendaGroup:
    """The agenda items that one owner, or several owners together, report on."""

    owners: tuple[Organisation, ...]
    actions: list[Action] = field(default_factory=list)

    @property
    def names(self) -> str:
        return ", ".join(owner.name for owner in self.owners)

    def sort_key(self) -> tuple:
        # Single municipalities first, then other single owners (the police), then
        # owners together, then items without an owner (as Veluwe-Noord's agenda lists).
        if not self.owners:
            return (3, "")
        if len(self.owners) > 1:
            return (2, self.owners[0].name, len(self.owners))
        first = self.owners[0]
        return (0 if first.kind == Organisation.Kind.MUNICIPALITY else 1, first.name)


class Agenda:
    """The agenda of `meeting` for the plans a user may see (all, without a user)."""

    def __init__(self, meeting: Meeting, *, user=None):
        self.meeting = meeting
        self.user = user
        self.day = meeting.date

    @cached_property
    def plans(self) -> list[Plan]:
        plans = Plan.objects.filter(meetings=self.meeting)
        if self.user is not None:
            plans = plans.visible_to(self.user)
        return list(plans.order_by("title"))

    def actions(self):
        """The items, as of the meeting's day, in the order they are read out
        (`items` adds their latest progress)."""
        on_meeting = Action.meetings.through.objects.filter(
            meeting=self.meeting, action=OuterRef("pk")
        )
        queryset = Action.objects.filter(priority__plan__in=[p.pk for p in self.plans])
        if self.user is not None:
            queryset = queryset.visible_to(self.user)
        return (
            queryset.as_of(self.day, once=True)
            .annotate(on_meeting=Exists(on_meeting))
            .filter(Q(on_meeting=True) | Q(late_on=True))
            .with_list_relations()
            .order_by(
                F("deadline").asc(nulls_last=True),
                "priority__plan__title",
                "priority__sort_key",
                "position",
                "id",
            )
        )

    @cached_property
    def items(self) -> list[Action]:
        """The items, each with its latest progress known on the meeting's day."""
        items = list(self.actions())
        attach_latest_progress(items, on=self.day)
        return items

    @property
    def on_meeting_count(self) -> int:
        return sum(1 for action in self.items if action.on_meeting)

    @property
    def late_count(self) -> int:
        """Late actions that were not put on the meeting but are on its agenda anyway."""
        return sum(1 for action in self.items if not action.on_meeting)

    @cached_property
    def groups(self) -> list[AgendaGroup]:
        """An action that six municipalities carry together appears once, under all six."""
        groups: dict[tuple, AgendaGroup] = {}
        for action in self.items:
            owners = tuple(sorted(action.owners.all(), key=lambda o: (o.name, o.pk)))
            key = tuple(owner.pk for owner in owners)
            groups.setdefault(key, AgendaGroup(owners)).actions.append(action)
        return sorted(groups.values(), key=AgendaGroup.sort_key)


def meeting_matrices(user, plans: list[Plan], current: Meeting | None = None) -> list:
    """Per plan: its organisations × its meetings with the number of agenda items in each
    cell. The plans come with their visible meetings prefetched as `matrix_meetings`.

    Rows: the plan's municipalities, its police partners, and any other owner with items;
    columns: the plan's meetings. Totals count distinct actions, so an action that two
    municipalities carry counts once in its column's total.

    One query counts every cell, row total, column total and grand total of all plans
    (and lists the plans' municipalities and police partners, which have a row even
    without items): a UNION ALL of one grouped count per kind of number. One more query
    fetches the organisations of the rows. So a meeting of several plans costs the same
    two queries as a meeting of one.
    """
    plan_ids = [plan.pk for plan in plans]
    # Agenda items: an action of one of the plans, at one of that plan's meetings.
    # The plans are also named outside the visibility subquery, so that PostgreSQL starts
    # from their few actions instead of joining every agenda item in the country.
    items = Action.meetings.through.objects.filter(
        action__priority__plan__in=plan_ids,
        action__in=Action.objects.visible_to(user)
        .filter(priority__plan__in=plan_ids)
        .values("pk"),
        meeting__plans=F("action__priority__plan"),
    )
    # The items with their plan and each owner, joined once (a MATERIALIZED WITH
    # clause) for the four counts below: written out in each, the joins and the
    # visibility subquery took PostgreSQL longer to plan than to run.
    owned_items = CTE(
        items.values(
            "pk",
            plan_pk=F("action__priority__plan"),
            owner_pk=F("action__owners"),
            meeting_pk=F("meeting_id"),
        ),
        name="agenda_items",
        materialized=True,
    )
    # A typed NULL for the columns a kind of number is not grouped by.
    nothing = Cast(Value(None), output_field=IntegerField())
    by_owner, by_meeting = owned_items.col.owner_pk, owned_items.col.meeting_pk

    def counted(kind, owner, meeting):
        return (
            owned_items.queryset()
            .values(
                kind=Value(kind),
                plan_pk=owned_items.col.plan_pk,
                owner_pk=owner,
                meeting_pk=meeting,
            )
            # Agenda items (an action at a meeting), each once: so a row's total is
            # the sum of its cells and the grand total the sum of the meetings'
            # totals, also when an action comes back at a later meeting.
            .annotate(n=Count(owned_items.col.pk, distinct=True))
        )

    def organisations_of(kind, through, **filters):
        return through.objects.filter(plan__in=plan_ids, **filters).values(
            kind=Value(kind),
            plan_pk=F("plan_id"),
            owner_pk=F("organisation_id"),
            meeting_pk=nothing,
            n=nothing,
        )

    numbers = with_cte(owned_items, select=counted("cell", by_owner, by_meeting)).union(
        counted("row", by_owner, nothing),
        counted("column", nothing, by_meeting),
        counted("all", nothing, nothing),
        organisations_of("member", Plan.municipalities.through),
        organisations_of(
            "member",
            Plan.partners.through,
            organisation__kind=Organisation.Kind.POLICE,
        ),
        all=True,
    )
    cells, row_totals, column_totals, grand_totals = (
        defaultdict(dict),
        defaultdict(dict),
        defaultdict(dict),
        {},
    )
    members = defaultdict(set)
    for row in numbers:
        plan_pk, n = row["plan_pk"], row["n"]
        if row["kind"] == "cell":
            cells[plan_pk][row["owner_pk"], row["meeting_pk"]] = n
        elif row["kind"] == "row":
            row_totals[plan_pk][row["owner_pk"]] = n
            if row["owner_pk"] is not None:
                members[plan_pk].add(row["owner_pk"])
        elif row["kind"] == "column":
            column_totals[plan_pk][row["meeting_pk"]] = n
        elif row["kind"] == "all":
            grand_totals[plan_pk] = n
        else:
            members[plan_pk].add(row["owner_pk"])
    organisations = Organisation.objects.in_bulk(set().union(*members.values()))

    matrices = []
    for plan in plans:
        meetings = plan.matrix_meetings
        rows = [
            {
                "organisation": o,
                "cells": [cells[plan.pk].get((o.pk, m.pk), 0) for m in meetings],
                "total": row_totals[plan.pk].get(o.pk, 0),
            }
            for o in sorted(
                (organisations[pk] for pk in members[plan.pk] if pk in organisations),
                key=lambda o: (o.kind != Organisation.Kind.MUNICIPALITY, o.name),
            )
        ]
        if None in row_totals[plan.pk]:
            rows.append(
                {
                    "organisation": None,
                    "cells": [cells[plan.pk].get((None, m.pk), 0) for m in meetings],
                    "total": row_totals[plan.pk][None],
                }
            )
        matrices.append(
            {
                "plan": plan,
                "meetings": meetings,
                "rows": rows,
                "column_totals": [
                    column_totals[plan.pk].get(m.pk, 0) for m in meetings
                ],
                "grand_total": grand_totals.get(plan.pk, 0),
                "current": current,
            }
        )
    return matrices
