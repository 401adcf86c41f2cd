"""The state of a plan in a period: the one answer the dashboard and the reports show.

`PlanState(plan, period)` says, as of the period's state day (its last day once it has
ended, today while it runs): how many actions have each status, which are late, which
are due in the period and the next, which unplanned actions came in, and all of that per
priority, rolled up from sub-priorities to their parents. An IVP's state holds its own
actions and those of its programmes of the period's year (`Plan.covered_plans`), and
lists its programmes with their numbers (`programme_rows`). The plan dashboard, the
quarterly and annual PDFs and the API's `?as_of=` all ask this module and
`ActionQuerySet.as_of()`, so the same quarter shows the same figures everywhere
(tests/test_one_truth.py walks every seed plan and period to prove it).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Func,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ivp.periods import Period
from policies.models import Plan, Priority, SafetyField

from .models import CLOSED_STATUSES, Action, Status
from .models.actions import added_condition

# The lists a period has, besides the counts per status.
LISTS = ("late", "due_now", "due_next", "unplanned")
# The safety field a priority's actions are counted under (PlanState.field_rows).
_FIELD_COLUMNS = (
    "priority__safety_fields",
    "priority__safety_fields__name",
    "priority__safety_fields__position",
)
# PlanState's cached figures that follow the safety field it is narrowed to.
_NARROWED_FIGURES = frozenset(
    {
        "programme_rows",
        "_per_priority_and_field",
        "_per_priority",
        "priority_rows",
        "counts",
        "list_totals",
        "due_before_meeting",
    }
)


def status_aggregates(prefix: str = "") -> dict:
    """Count(...) per status (n_done, n_ongoing, ...) plus n_total, for annotate/aggregate."""
    counts = {
        f"n_{status}": Count(
            f"{prefix}pk", filter=Q(**{f"{prefix}status": status}), distinct=True
        )
        for status in Status.values
    }
    counts["n_total"] = Count(f"{prefix}pk", distinct=True)
    return counts


def counts_of(row) -> dict[str, int]:
    """The per-status numbers from an annotated object or an aggregate dict."""
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
    return {status: get(f"n_{status}") or 0 for status in Status.values}


def zero_counts() -> dict[str, int]:
    return {status.value: 0 for status in Status.in_order()}


class StatusCounted:
    """Something with `counts` per status: its total and its numbers in reading order
    (every status, zeros included, so that tables add up)."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def status_counts(self) -> list[tuple[Status, int]]:
        return [(status, self.counts[status.value]) for status in Status.in_order()]


@dataclass
class PriorityRow(StatusCounted):
    """A priority with the state of its own actions and of those of its sub-priorities."""

    priority: Priority
    depth: int
    own: dict[str, int]
    # Own plus every descendant's, per status and per list.
    counts: dict[str, int] = field(default_factory=zero_counts)
    lists: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LISTS, 0))
    has_children: bool = False
    # Its own actions per list, without the sub-priorities' (the annual summary's rows).
    own_lists: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LISTS, 0))


@dataclass
class FieldRow(StatusCounted):
    """A VNG safety field with the actions of the plan's priorities tagged with it,
    per status, and those priorities (the numbers PlanState(safety_field=) gives)."""

    field: SafetyField | None  # None: the priorities tagged with no field
    counts: dict[str, int]
    priority_ids: set[int]


@dataclass
class ProgrammeRow(StatusCounted):
    """A yearly programme of an IVP with its actions per status."""

    plan: Plan
    counts: dict[str, int]


class PlanState(StatusCounted):
    """The actions of `plan` in `period` as of the period's state day.

    With a `user`, only what that user may see; without one (the PDF generators, whose
    callers check access to the plan) everything. With a `safety_field` (a VNG field's
    code), only the priorities tagged with it and their actions: every figure below
    then covers that field alone (the dashboard's ?veld=).
    """

    def __init__(
        self,
        plan: Plan,
        period: Period,
        *,
        user=None,
        today: dt.date | None = None,
        meeting_day: dt.date | None = None,
        safety_field: str | None = None,
    ):
        self.plan = plan
        self.safety_field = safety_field or None
        self.period = period
        # An IVP's state holds its programmes of the period's year (Plan.covered_plans).
        self.plan_ids = plan.covered_plans(period.year)
        self.user = user
        self.today = today or timezone.localdate()
        self.day = period.state_day(self.today)
        self.upcoming = period.next()
        # The day of the next driehoek after the state day, if the caller knows one:
        # what is due before it is a key figure of the dashboard.
        self.meeting_day = meeting_day

    def narrowed(self, code: str | None) -> PlanState:
        """This state narrowed to one of the safety fields the plan's actions lie in
        (`field_rows`), or with None to the whole plan; a code the plan does not use
        (an unknown ?veld=) means the whole plan too. The copy keeps `field_rows`,
        which do not depend on the narrowing."""
        if code and code not in {r.field.code for r in self.field_rows if r.field}:
            code = None
        code = code or None
        if code == self.safety_field:
            return self
        state = copy.copy(self)
        state.__dict__ = {
            name: value
            for name, value in self.__dict__.items()
            if name not in _NARROWED_FIGURES
        }
        state.safety_field = code
        return state

    @property
    def safety_field_object(self) -> SafetyField | None:
        """The field the state is narrowed to (None: the whole plan)."""
        return next(
            (
                r.field
                for r in self.field_rows
                if r.field and r.field.code == self.safety_field
            ),
            None,
        )

    @property
    def covers_programmes(self) -> bool:
        """An IVP's state: its own actions and those of its programmes of the year."""
        return not isinstance(self.plan_ids, list)

    @cached_property
    def programme_rows(self) -> list[ProgrammeRow]:
        """An IVP's programmes of every year, each with its actions per status on the
        state day (the numbers its own PlanState of this period gives). One query,
        however many programmes and actions; [] for a plan that is not an IVP."""
        if self.plan.kind != Plan.Kind.IVP:
            return []
        programmes = Plan.objects.filter(parent=self.plan)
        actions = Action.objects.all()
        if self.user is not None:
            programmes = programmes.visible_to(self.user)
            actions = actions.visible_to(self.user)
        actions = (
            self._narrow(actions).as_of(self.day).filter(priority__plan=OuterRef("pk"))
        )

        def number(status):
            # A count per status as a subquery: the programmes and their numbers in
            # one round trip (a join would have to repeat as_of's subqueries per plan).
            return Coalesce(
                Subquery(
                    actions.filter(status_on=status)
                    .order_by()
                    .annotate(n=Func("pk", function="COUNT"))
                    .values("n")
                ),
                0,
            )

        programmes = programmes.annotate(
            **{f"n_{status}": number(status) for status in Status.values}
        ).order_by("start_year", "end_year", "title")
        return [
            ProgrammeRow(programme, counts_of(programme)) for programme in programmes
        ]

    @property
    def shows_today(self) -> bool:
        """The period still runs (or lies ahead): the state shown is today's."""
        return self.day == self.today

    # --- the actions -----------------------------------------------------------------

    def _narrow(self, actions):
        """Only the actions of the chosen safety field's priorities (all without one)."""
        if self.safety_field is None:
            return actions
        return actions.filter(
            priority__in=Priority.objects.in_safety_field(self.safety_field)
        )

    def _all_actions(self):
        """The plan's actions on the state day, whatever the safety field. The same
        queryset as the list its links open (`list_filters`)."""
        return self._actions_on_day

    @cached_property
    def _actions_on_day(self):
        # Built once: the counts and the lists both start from it, and building the
        # day's status (as_of) is a large part of making either query. A queryset is
        # only chained from here, never changed, so they can share it.
        queryset = Action.objects.covered_by(self.plan, self.period.year)
        if self.user is not None:
            queryset = queryset.visible_to(self.user)
        return queryset.as_of(self.day, once=True)

    def actions(self):
        """The plan's actions on the state day, each with `status_on` and `late_on`."""
        return self._narrow(self._all_actions())

    def conditions(self) -> dict[str, Q]:
        """What puts an action (from `actions()`) on each list of the period."""
        period, upcoming = self.period, self.upcoming
        return {
            "late": Q(late_on=True),
            "due_now": Q(deadline__range=(period.start, period.end)),
            # What is already finished needs no attention in the next period.
            "due_next": Q(deadline__range=(upcoming.start, upcoming.end))
            & ~Q(status_on__in=CLOSED_STATUSES),
            "unplanned": added_condition(period.start, period.end),
        }

    def list_filters(self) -> dict[str, dict]:
        """The query of the plan's actions page (actions/filtersets.py) that lists what
        each number of this state counts, with the statuses of the state day: per list
        (`conditions`), per status, and "all" for `total`. An IVP's list holds its
        programmes of the year (`?jaar=`, Action.objects.covered_by), a past state
        day's (or today's, before the period begins) gives the statuses known then and
        leaves out later actions (`?as_of=`), a safety field narrows it as it narrows
        this state (`?veld=`)."""
        base = {}
        if self.covers_programmes:
            base["jaar"] = self.period.year
        # A period that has not begun shows today, when the actions that join the
        # plan on its first day (a programme made in advance) are not in it yet.
        if not self.shows_today or self.day < self.period.start:
            base["as_of"] = self.day
        if self.safety_field:
            base["veld"] = self.safety_field
        open_statuses = [s for s in Status.values if s not in CLOSED_STATUSES]
        period, upcoming = self.period, self.upcoming
        filters = {
            "all": {},
            # late_condition: a deadline before the state day and not closed then.
            "late": {
                "deadline_before": self.day - dt.timedelta(days=1),
                "status": open_statuses,
            },
            "due_now": {"deadline_after": period.start, "deadline_before": period.end},
            "due_next": {
                "deadline_after": upcoming.start,
                "deadline_before": upcoming.end,
                "status": open_statuses,
            },
            "unplanned": {
                "unplanned": "true",
                "added_after": period.start,
                "added_before": period.end,
            },
            **{status: {"status": [status]} for status in Status.values},
        }
        return {name: {**base, **query} for name, query in filters.items()}

    def actions_with_lists(self):
        """actions() with a flag per list: `in_late`, `in_due_now`, `in_due_next`,
        `in_unplanned` (for a report that walks all rows once)."""
        return self.actions().annotate(
            **{
                f"in_{name}": ExpressionWrapper(q, output_field=BooleanField())
                for name, q in self.conditions().items()
            }
        )

    # --- the figures -----------------------------------------------------------------

    @cached_property
    def _per_priority_and_field(self) -> list[dict]:
        """Per priority and each VNG safety field it is tagged with (one row with field
        None when it has none): its own actions per status and per list. One query, the
        page's figures and the per-field table from the same count.

        Grouped by the status as well, and the status groups added up here: a count
        per status with a filter would write the status of the day (a subquery for a
        past day) into the SQL once per status, and building that SQL took longer
        than PostgreSQL took to run it. The groups are bounded by the plan's
        priorities, not its actions."""
        aggregates = {
            f"n_{name}": Count("pk", filter=q) for name, q in self.conditions().items()
        }
        if self.meeting_day is not None:
            aggregates["n_due_before_meeting"] = Count(
                "pk", filter=self.due_before_condition(self.meeting_day)
            )
        key_columns = ("priority_id", *_FIELD_COLUMNS)
        merged: dict[tuple, dict] = {}
        for row in (
            self.actions()
            .order_by()
            .values(*key_columns, "status_on")
            .annotate(n_in_status=Count("pk"), **aggregates)
        ):
            key = tuple(row[column] for column in key_columns)
            numbers = merged.get(key)
            if numbers is None:
                numbers = merged[key] = {
                    **dict(zip(key_columns, key, strict=True)),
                    **{f"n_{status}": 0 for status in Status.values},
                    **{name: 0 for name in aggregates},
                }
            numbers[f"n_{row['status_on']}"] += row["n_in_status"]
            for name in aggregates:
                numbers[name] += row[name]
        return list(merged.values())

    @cached_property
    def _per_priority(self) -> dict[int, dict[str, int]]:
        """Per priority: its own actions per status and per list (a priority of two
        fields has two rows with the same numbers: one of them)."""
        per_priority = {}
        for row in self._per_priority_and_field:
            numbers = {k: v for k, v in row.items() if k.startswith("n_")}
            per_priority.setdefault(row["priority_id"], numbers)
        return per_priority

    @cached_property
    def priority_rows(self) -> list[PriorityRow]:
        """Every priority of the plan in tree order, its numbers rolled up to its parents."""
        priorities = Priority.objects.filter(plan__in=self.plan_ids)
        if self.user is not None:
            priorities = priorities.visible_to(self.user)
        if self.safety_field is not None:
            priorities = priorities.in_safety_field(self.safety_field)
        order = ("sort_key", "position", "id")
        if self.covers_programmes:
            # The IVP's own priorities, then each programme's, each plan a tree.
            priorities = priorities.select_related("plan")
            order = ("plan__start_year", "plan__kind", "plan_id", *order)
        priorities = list(priorities.order_by(*order))
        children = defaultdict(list)
        for priority in priorities:
            children[priority.parent_id].append(priority)
        known = {priority.pk for priority in priorities}
        rows: list[PriorityRow] = []

        def walk(priority: Priority, depth: int) -> PriorityRow:
            numbers = self._per_priority.get(priority.pk, {})
            own = {s: numbers.get(f"n_{s}", 0) for s in zero_counts()}
            row = PriorityRow(priority, depth, own, counts=dict(own))
            row.own_lists = {name: numbers.get(f"n_{name}", 0) for name in LISTS}
            row.lists = dict(row.own_lists)
            rows.append(row)
            for child in children.get(priority.pk, []):
                row.has_children = True
                sub = walk(child, depth + 1)
                for status, n in sub.counts.items():
                    row.counts[status] += n
                for name, n in sub.lists.items():
                    row.lists[name] += n
            return row

        # A priority whose parent is not shown (cannot happen in one plan, but the tree
        # must never lose actions) counts as a top priority.
        for priority in priorities:
            if priority.parent_id is None or priority.parent_id not in known:
                walk(priority, 0)
        return rows

    def _plan_sum(self, numbers: str) -> Counter:
        """The plan's totals: the sums of its top priorities' rolled-up numbers (every
        action lies under exactly one priority of its plan)."""
        totals = Counter()
        for row in self.priority_rows:
            if row.depth == 0:
                totals.update(getattr(row, numbers))
        return totals

    @cached_property
    def counts(self) -> dict[str, int]:
        """The plan's actions per status (every status, in reading order)."""
        totals = self._plan_sum("counts")
        return {status: totals[status] for status in zero_counts()}

    @cached_property
    def list_totals(self) -> dict[str, int]:
        """How many actions each list holds (late, due_now, due_next, unplanned)."""
        totals = self._plan_sum("lists")
        return {name: totals[name] for name in LISTS}

    @property
    def late(self) -> int:
        return self.list_totals["late"]

    def due_before_condition(self, day: dt.date) -> Q:
        """Open on the state day, with a deadline from the state day up to `day`: what
        must be finished before a meeting on `day` (the late ones are already late)."""
        return Q(deadline__gte=self.day, deadline__lte=day) & ~Q(
            status_on__in=CLOSED_STATUSES
        )

    @cached_property
    def due_before_meeting(self) -> int | None:
        """How many actions are due before the meeting on `meeting_day` (None without
        one); counted in the same query as the per-status numbers."""
        if self.meeting_day is None:
            return None
        shown = {row.priority.pk for row in self.priority_rows}
        return sum(
            numbers.get("n_due_before_meeting", 0)
            for pk, numbers in self._per_priority.items()
            if pk in shown
        )

    # --- per VNG safety field ----------------------------------------------------------

    @cached_property
    def field_rows(self) -> list[FieldRow]:
        """Per safety field the plan's actions lie in (in the VNG order), its actions per
        status on the state day, whatever field the state is narrowed to: the figures
        PlanState(safety_field=code) gives for each, and a last row for the actions of
        priorities without a field (absent when there are none). An action under a
        priority of two fields counts in both, so the rows can add up to more than the
        plan's total. No query of its own: the per-priority count brings the fields."""
        if self.safety_field is not None:
            return self.narrowed(None).field_rows
        rows: dict[str | None, FieldRow] = {}
        for row in sorted(
            self._per_priority_and_field,
            key=lambda r: (r[_FIELD_COLUMNS[2]] is None, r[_FIELD_COLUMNS[2]] or 0),
        ):
            code = row[_FIELD_COLUMNS[0]]
            if code not in rows:
                field = code and SafetyField(
                    code=code,
                    name=row[_FIELD_COLUMNS[1]],
                    position=row[_FIELD_COLUMNS[2]],
                )
                rows[code] = FieldRow(field or None, zero_counts(), set())
            rows[code].priority_ids.add(row["priority_id"])
            for status in zero_counts():
                rows[code].counts[status] += row[f"n_{status}"]
        return list(rows.values())
