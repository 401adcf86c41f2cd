"""Several short lists of one set of actions, in one query: the dashboards' lists
(late, due now, due next, unplanned) and the organisation page's, each cut after its
first rows with a link to the rest."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, Q, RowRange, Sum, When, Window

from .models import Action, ActionQuerySet

# Rows per list on the plan dashboard and the organisation page; the rest is linked.
LIST_LIMIT = 25


def capped_lists(
    queryset,
    conditions: dict[str, Q],
    order: tuple[str, ...],
    *,
    totals: dict[str, int],
    filters: dict[str, dict],
    limit: int = LIST_LIMIT,
    latest_progress_on: dt.date | None = None,
    with_latest_progress: bool = False,
) -> dict[str, dict]:
    """Several short lists of one queryset: per list its first rows, total and filter query.

    List `name` shows what `queryset.filter(conditions[name]).order_by(*order)[:limit]`
    would, but all lists come from ONE query (plus one for the prefetches of `queryset`,
    e.g. the owners) instead of one query and one prefetch per list. The database numbers
    the rows of each list in `order` (a running count, a window function) and returns only
    the rows within the limit of at least one list; an action in two lists is fetched
    once. A list of a large plan stays short (and the page fast); the rest is one click
    away on the filtered actions page, whose link is `query`. `totals` are the lists'
    lengths, counted by an aggregate the page already makes. The conditions are on the
    row's own fields: one across a many-valued relation would repeat rows.

    `with_latest_progress` adds each shown row's latest progress (by
    `latest_progress_on`, see ActionQuerySet.with_latest_progress) in one more query,
    only for the rows shown rather than for every row the window function numbers.
    """
    ordering = [
        F(field[1:]).desc() if field.startswith("-") else F(field).asc()
        for field in order
    ]
    positions = {}
    any_list = Q()
    for name, condition in conditions.items():
        # The position of the row in this list; NULL when the row is not in it.
        positions[f"position_{name}"] = Case(
            When(
                condition,
                then=Window(
                    Sum(Case(When(condition, then=1), default=0)),
                    order_by=ordering,
                    frame=RowRange(start=None, end=0),
                ),
            ),
            output_field=IntegerField(),
        )
        any_list |= condition
    shown = Q()
    for position in positions:
        shown |= Q(**{f"{position}__lte": limit})
    rows = list(
        queryset.filter(any_list).annotate(**positions).filter(shown).order_by(*order)
    )
    if with_latest_progress and rows:
        fields = ActionQuerySet.LATEST_PROGRESS_FIELDS
        extra = {
            row["pk"]: row
            for row in Action.objects.filter(pk__in=[r.pk for r in rows])
            .with_latest_progress(on=latest_progress_on)
            .values("pk", *fields)
        }
        for row in rows:
            for name in fields:
                setattr(row, name, extra[row.pk][name])

    def listed(row, name):
        position = getattr(row, f"position_{name}")
        return position is not None and position <= limit

    return {
        name: {
            "actions": [row for row in rows if listed(row, name)],
            "total": totals[name],
            "query": urlencode(filters.get(name, {}), doseq=True),
        }
        for name in conditions
    }
