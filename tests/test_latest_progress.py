"""The latest progress of a listed action, two ways: `with_latest_progress(on=)` in SQL
(the actions list, the API, the exports) and `attach_latest_progress(on=)` for rows
already fetched (the dashboard's lists, the meeting agenda). They must agree on every
field for every kind of action and day."""

import datetime as dt
import itertools

import pytest

from actions.lists import attach_latest_progress
from actions.models import Action, Status

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db

FIELDS = Action.objects.none().LATEST_PROGRESS_FIELDS


@pytest.fixture
def actions():
    a, b, c, gone = MunicipalityFactory.create_batch(4)
    plan = PlanFactory(municipalities=[a, b, c], start_year=2021, end_year=2021)
    priority = PriorityFactory(plan=plan)

    def action(owners=(), **kwargs):
        made = ActionFactory(priority=priority, **kwargs)
        made.owners.set(owners)
        return made

    def update(made, day, status, percentage=None, organisation=None):
        ProgressUpdateFactory(
            action=made,
            date=day,
            status=status,
            percentage=percentage,
            organisation=organisation,
            text=f"{status} {percentage}",
        )

    # No progress at all, with and without a percentage from the plan's document.
    action([a], percentage=30)
    action([a, b], percentage=50)
    # One trekker: two updates on one day (the newest entry counts), one later.
    single = action([a])
    update(single, dt.date(2021, 3, 1), Status.ONGOING, 10)
    update(single, dt.date(2021, 3, 1), Status.AT_RISK, 15)
    update(single, dt.date(2021, 9, 1), Status.DONE)
    # Shared by three: an update for the whole action, then the parts' own, one of
    # them cancelled, one done without a percentage, and one by a former trekker.
    shared = action([a, b, c])
    update(shared, dt.date(2021, 2, 1), Status.ONGOING, 20)
    update(shared, dt.date(2021, 4, 1), Status.DONE, None, a)
    update(shared, dt.date(2021, 5, 1), Status.ONGOING, 25, b)
    update(shared, dt.date(2021, 6, 1), Status.CANCELLED, None, c)
    update(shared, dt.date(2021, 6, 15), Status.ONGOING, 90, gone)
    # Shared by two, the parts reporting in turn on every pair of values.
    pairs = action([a, b])
    day = dt.date(2021, 1, 1)
    values = [(Status.DONE, None), (Status.ONGOING, 25), (Status.NOT_STARTED, None)]
    values += [(Status.AT_RISK, None), (Status.CANCELLED, None)]
    days = [dt.date(2020, 12, 31), dt.date(2021, 2, 15), dt.date(2021, 3, 1)]
    days += [dt.date(2021, 4, 15), dt.date(2021, 6, 10), dt.date(2021, 6, 20)]
    for (s1, p1), (s2, p2) in itertools.product(values, repeat=2):
        day += dt.timedelta(days=1)
        update(pairs, day, s1, p1, a)
        update(pairs, day, s2, p2, b)
        days.append(day)
    # Progress only after every day asked for, by one part.
    later = action([a, b])
    update(later, dt.date(2030, 1, 1), Status.DONE, None, a)
    for made in Action.objects.all():
        made.refresh_from_progress()
    return days


def test_attached_progress_is_what_the_query_gives(actions):
    for on in [None, *actions, dt.date.today(), dt.date(2031, 1, 1)]:
        expected = {
            row["pk"]: row
            for row in Action.objects.with_latest_progress(on=on).values("pk", *FIELDS)
        }
        rows = list(Action.objects.prefetch_related("owners").order_by("pk"))
        attach_latest_progress(rows, on=on)
        for row in rows:
            got = {name: getattr(row, name) for name in FIELDS}
            assert got == {name: expected[row.pk][name] for name in FIELDS}, (
                on,
                row.title,
            )


def test_attaching_asks_one_query_for_any_number_of_actions(
    actions, django_assert_num_queries
):
    rows = list(Action.objects.prefetch_related("owners"))
    assert len(rows) == 6
    with django_assert_num_queries(1):
        attach_latest_progress(rows, on=dt.date(2021, 6, 30))
    with django_assert_num_queries(0):
        attach_latest_progress([], on=dt.date(2021, 6, 30))
