"""The data version of plans: one fingerprint that changes with every write to what
the plan shows (its priorities, agreements, results, actions, progress, indicators).

Pages, charts and PDFs use it as their cache key, so a write anywhere in a plan gives
new keys at once.
"""

import hashlib

from django.db.models import F, Func, Q, Subquery

from actions.models import Action, ProgressUpdate
from policies.models import Agreement, Indicator, Plan, Priority, Result
from policies.models.indicators import Measurement, Target


def _count(queryset):
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    )


def _total(queryset, field: str, function: str):
    return Subquery(
        queryset.order_by().annotate(n=Func(F(field), function=function)).values("n")
    )


def _latest_history(model, **where):
    history = model.history.model.objects.filter(**where)
    return Subquery(
        history.order_by().annotate(n=Func(F("history_id"), function="MAX")).values("n")
    )


def data_version(plan_ids) -> str:
    """A fingerprint of everything the public pages show of these plans (and of their
    programmes), in one query: per part the number of rows (deletions, bulk writes)
    and the latest history entry (every create, edit and delete through the models,
    django-simple-history), and of the plans their versions and update times.

    Computed per request rather than bumped by signals: nothing has to remember to
    bump it. It misses a QuerySet.update() that bypasses the history; issue 19 makes
    this a version the database maintains.
    """
    plans = Plan.objects.filter(Q(pk__in=plan_ids) | Q(parent__in=plan_ids))
    plan_pks = plans.values("pk")
    priorities = Priority.objects.filter(plan__in=plan_pks)
    agreements = Agreement.objects.filter(priority__plan__in=plan_pks)
    actions = Action.objects.filter(priority__plan__in=plan_pks)
    indicators = Indicator.objects.filter(plan__in=plan_pks)
    parts = {
        "priorities": _count(priorities),
        "priorities_h": _latest_history(Priority, plan_id__in=plan_pks),
        "agreements": _count(agreements),
        "agreements_h": _latest_history(
            Agreement, priority_id__in=priorities.values("pk")
        ),
        "results": _count(
            Result.objects.filter(
                Q(agreement__priority__plan__in=plan_pks)
                | Q(priority__plan__in=plan_pks)
            )
        ),
        "results_h": _latest_history(Result, agreement_id__in=agreements.values("pk")),
        "priority_results_h": _latest_history(
            Result, priority_id__in=priorities.values("pk")
        ),
        "actions": _count(actions),
        "actions_h": _latest_history(Action, priority_id__in=priorities.values("pk")),
        "actions_at": Subquery(
            actions.order_by()
            .annotate(n=Func(F("updated_at"), function="MAX"))
            .values("n")
        ),
        "progress": _count(ProgressUpdate.objects.filter(action__in=actions)),
        "progress_h": _latest_history(
            ProgressUpdate, action_id__in=actions.values("pk")
        ),
        "indicators": _count(indicators),
        "indicators_h": _latest_history(Indicator, plan_id__in=plan_pks),
        "measurements_h": _latest_history(
            Measurement, indicator_id__in=indicators.values("pk")
        ),
        "targets_h": _latest_history(Target, indicator_id__in=indicators.values("pk")),
    }
    parts["plans_version"] = _total(plans, "version", "SUM")
    parts["plans_at"] = _total(plans, "updated_at", "MAX")
    # One row of scalar subqueries: any plan row carries them (there is one: the
    # caller found a published plan, or shows none and needs no version).
    parts = {f"v_{name}": value for name, value in parts.items()}
    row = Plan.objects.order_by().annotate(**parts).values(*parts).first() or {}
    return hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:24]
