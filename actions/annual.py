"""A plan's year as the council reads it: the summary of the annual report.

`AnnualSummary(plan, year)` is, per priority of the plan's tree, what became of its
agreements (policies.results.ResultsSummary: achieved, partly, not achieved) and of its
actions as of the year's state day (actions.state.PlanState: done, late, in progress,
cancelled), with the totals. The annual PDF prints it and the council page shows it;
neither counts for itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ivp.periods import Period
from policies.models import Plan, Priority
from policies.results import COUNTS as RESULT_COUNTS
from policies.results import PriorityResults, ResultsSummary

from .models import Status
from .state import PlanState

ACTION_COUNTS = ("done", "late", "ongoing", "cancelled")


@dataclass
class SummaryRow:
    """One priority's line of the summary: its own agreements and actions (not those of
    its sub-priorities, which have lines of their own)."""

    priority: Priority
    depth: int
    has_children: bool
    results: PriorityResults
    actions: dict[str, int]

    def __getattr__(self, name):
        # row.achieved, row.done, ...: the templates read the numbers by name.
        if name in RESULT_COUNTS:
            return self.results.counts[name]
        if name in ACTION_COUNTS:
            return self.actions[name]
        raise AttributeError(name)


class AnnualSummary:
    """The summary of `plan` in `year`. With a `user`, the actions that user may see
    (a page); without one, all (the PDF, whose caller checks access to the plan)."""

    def __init__(self, plan: Plan, year: int, *, user=None, today=None):
        self.plan = plan
        self.year = year
        self.state = PlanState(plan, Period(year), user=user, today=today)
        self.results = ResultsSummary(plan, year)

    @cached_property
    def rows(self) -> list[SummaryRow]:
        rows = []
        for item in self.state.priority_rows:
            done = item.own[Status.DONE]
            cancelled = item.own[Status.CANCELLED]
            # A late action is open (actions.models.actions.late_condition), so done,
            # cancelled and late never overlap; the rest is in progress.
            late = item.own_lists["late"]
            rows.append(
                SummaryRow(
                    priority=item.priority,
                    depth=item.depth,
                    has_children=item.has_children,
                    results=self.results.of(item.priority),
                    actions={
                        "done": done,
                        "late": late,
                        "ongoing": sum(item.own.values()) - done - cancelled - late,
                        "cancelled": cancelled,
                    },
                )
            )
        return rows

    @cached_property
    def totals(self) -> dict[str, int]:
        totals = dict(self.results.totals)
        for key in ACTION_COUNTS:
            totals[key] = sum(row.actions[key] for row in self.rows)
        return totals

    @property
    def has_agreements(self) -> bool:
        return self.results.has_agreements

    @property
    def has_actions(self) -> bool:
        return bool(self.state.total)

    @property
    def sentence(self) -> str:
        return self.results.sentence
