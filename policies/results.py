"""What became of a plan's agreements in a year: the one answer the council reads.

`ResultsSummary(plan, year)` holds, per priority, its agreements, each with the result
recorded for the year (achieved / partly / not achieved, with the explanation) and the
results of the plan's other years, the priority's own result for the year, and the
numbers per assessment with their totals and the sentence that sums them up. The annual
PDF (reports/pdf.py, through actions.annual.AnnualSummary) and the council page
(reports/council.py) both ask it, so the council reads the same figures and words in
either (tests/test_pages_council.py compares them).

Who may see the plan is the caller's business: everything in a plan a user may see is
visible to them (ivp/access.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Agreement, Plan, Result

Assessment = Result.Assessment
# The columns of the summary, in reading order.
COUNTS = ("agreements", "achieved", "partly", "not_achieved", "not_reported")


@dataclass
class AgreementResults:
    """One agreement with its result of the year and those of the plan's other years."""

    agreement: Agreement
    result: Result | None
    other_years: list[Result] = field(default_factory=list)

    @property
    def owners(self) -> str:
        return ", ".join(o.name for o in self.agreement.owners.all())

    @property
    def partners(self) -> str:
        return ", ".join(o.name for o in self.agreement.partners.all())


@dataclass
class PriorityResults:
    """The agreements of one priority (not of its sub-priorities) and their numbers."""

    agreements: list[AgreementResults] = field(default_factory=list)
    result: Result | None = None  # the priority's own result for the year

    @cached_property
    def counts(self) -> dict[str, int]:
        assessments = Counter(a.result.assessment for a in self.agreements if a.result)
        return {
            "agreements": len(self.agreements),
            "achieved": assessments[Assessment.ACHIEVED],
            "partly": assessments[Assessment.PARTLY],
            "not_achieved": assessments[Assessment.NOT_ACHIEVED],
            "not_reported": sum(1 for a in self.agreements if a.result is None),
        }


class ResultsSummary:
    """The agreements of `plan` and what was achieved in `year`.

    Four queries, however many agreements: the agreements, their owners, their partners
    and every result of the plan.
    """

    def __init__(self, plan: Plan, year: int):
        self.plan = plan
        self.year = year

    @cached_property
    def _by_priority(self) -> dict[int, PriorityResults]:
        # An IVP's year holds its programmes of that year (Plan.covered_plans).
        plans = self.plan.covered_plans(self.year)
        agreements = list(
            Agreement.objects.filter(priority__plan__in=plans)
            .prefetch_related("owners", "partners")
            .order_by("priority__sort_key", "position", "id")
        )
        # Results of agreements and of priorities, of every year, in one query.
        results = Result.objects.filter(
            Q(agreement__priority__plan__in=plans) | Q(priority__plan__in=plans)
        ).order_by("year", "id")
        per_agreement = defaultdict(list)
        priority_result = {}
        for result in results:
            if result.agreement_id is not None:
                per_agreement[result.agreement_id].append(result)
            elif result.year == self.year:
                priority_result[result.priority_id] = result
        by_priority: dict[int, PriorityResults] = defaultdict(PriorityResults)
        for agreement in agreements:
            of_year = [r for r in per_agreement[agreement.pk] if r.year == self.year]
            by_priority[agreement.priority_id].agreements.append(
                AgreementResults(
                    agreement,
                    of_year[0] if of_year else None,
                    [r for r in per_agreement[agreement.pk] if r.year != self.year],
                )
            )
        for priority_id, result in priority_result.items():
            by_priority[priority_id].result = result
        return dict(by_priority)

    def of(self, priority) -> PriorityResults:
        """The agreements and results of one priority (a Priority or its id)."""
        priority_id = getattr(priority, "pk", priority)
        return self._by_priority.get(priority_id) or PriorityResults()

    @cached_property
    def totals(self) -> dict[str, int]:
        return {
            key: sum(p.counts[key] for p in self._by_priority.values())
            for key in COUNTS
        }

    @property
    def has_agreements(self) -> bool:
        return bool(self.totals["agreements"])

    @property
    def reported(self) -> int:
        return self.totals["agreements"] - self.totals["not_reported"]

    @property
    def sentence(self) -> str:
        """The year's results in one sentence ("" for a plan without agreements)."""
        totals = self.totals
        if not totals["agreements"]:
            return ""
        if not self.reported:
            return _("No achieved results have been recorded for %(year)s yet.") % {
                "year": self.year
            }
        return ngettext(
            "Results %(year)s of %(agreements)s agreement: %(achieved)s achieved, "
            "%(partly)s partly achieved, %(not_achieved)s not achieved, "
            "%(not_reported)s not yet reported.",
            "Results %(year)s of %(agreements)s agreements: %(achieved)s achieved, "
            "%(partly)s partly achieved, %(not_achieved)s not achieved, "
            "%(not_reported)s not yet reported.",
            totals["agreements"],
        ) % {"year": self.year, **totals}
