"""Several short lists of one set of actions, in one query: the dashboards' lists
(late, due now, due next, unplanned) and the organisation page's, each cut after its
first rows with a link to the rest."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, Q, RowRange, Sum, When, Window
from django.utils import timezone

from .models import Action, ProgressUpdate
from .models.actions import _combined_percentage

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
    if with_latest_progress:
        attach_latest_progress(rows, on=latest_progress_on)

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


def attach_latest_progress(actions: list[Action], *, on: dt.date | None = None) -> None:
    """Give fetched actions what `ActionQuerySet.with_latest_progress(on=)` gives a
    query's rows (`latest_id`, `latest_date`, ..., `latest_shared_percentage`), in one
    query of their progress updates, for a short list whose owners are prefetched.

    The same answer: the latest update by `on` (newest date, then newest entry), and a
    shared action's percentage from its parts as `Action.parts()` and
    `_combined_percentage` work it out (stored for today). Asked in SQL, a past day's
    parts took longer to build and compile than PostgreSQL took to run them; a list
    has a few updates per action. tests/test_latest_progress.py compares the two.
    """
    if not actions:
        return
    updates = defaultdict(list)
    for update in (
        ProgressUpdate.objects.filter(action__in=[action.pk for action in actions])
        .order_by("-date", "-id")
        .values_list(
            "action_id",
            "pk",
            "date",
            "status",
            "percentage",
            "text",
            "organisation_id",
            named=True,
        )
    ):
        updates[update.action_id].append(update)
    current = on is None or on >= timezone.localdate()
    for action in actions:
        every = updates.get(action.pk, [])
        known = every if on is None else [u for u in every if u.date <= on]
        latest = known[0] if known else None
        action.latest_id = latest.pk if latest else None
        action.latest_date = latest.date if latest else None
        action.latest_status = latest.status if latest else None
        action.latest_percentage = latest.percentage if latest else None
        action.latest_text = latest.text if latest else None
        action.latest_owners = len(action.owners.all())
        if action.latest_owners <= 1:
            shared = None
        elif current or not every:
            shared = action.percentage
        elif not known:
            shared = None  # its parts had no update yet on that day
        else:
            shared = _combined_percentage(action.parts(known))
        action.latest_shared_percentage = shared
