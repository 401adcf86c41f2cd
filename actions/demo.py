"""Illustrative progress for the seed plans, so dashboards have something to show.

The source documents hold almost no progress. These updates are invented, deterministic
(derived from a checksum of each action's place in its plan, never from random numbers or
database ids) and say in their own text that they are illustrative. They are kept apart
from the seed data: `load_seeds` never creates them, `load_demo_progress` does.
"""

import datetime as dt
import zlib

from django.db import transaction

from policies.demo import MARKER

from .models import Action, ProgressUpdate, Status

# (status of the first update, status of the latest update or None, percentage)
SCENARIOS = [
    (Status.ONGOING, Status.DONE, 100),
    (Status.ONGOING, Status.DONE, 100),
    (Status.ONGOING, Status.DONE, 100),
    (Status.ONGOING, None, 50),
    (Status.ONGOING, Status.AT_RISK, 30),
    (Status.ONGOING, Status.ONGOING, 70),
    (None, None, None),  # no update yet: the owner still has to report
]

TEXTS = {
    Status.ONGOING: "{marker} De trekker is gestart; de eerste stappen zijn gezet.",
    Status.DONE: "{marker} Afgerond en teruggekoppeld in het overleg.",
    Status.AT_RISK: "{marker} Vertraagd: capaciteit ontbreekt, bijsturing in de driehoek nodig.",
}


def _checksum(action: Action) -> int:
    key = f"{action.priority.plan.slug}|{action.priority.code}|{action.priority.title}|"
    key += f"{action.position}|{action.title}"
    return zlib.crc32(key.encode("utf-8"))


def _first_update_date(action: Action, checksum: int) -> dt.date:
    start = dt.date(action.priority.plan.start_year, 1, 15)
    latest = action.deadline or dt.date(action.priority.plan.end_year, 12, 1)
    span = max((latest - start).days // 2, 1)
    return start + dt.timedelta(days=checksum % span)


def demo_progress_load() -> int:
    """Add illustrative updates to actions without any progress; returns how many.

    Actions that already have progress (demo or real) are left alone, so a second run
    adds nothing and real progress is never mixed with invented progress.
    """
    created = 0
    actions = (
        Action.objects.select_related("priority__plan")
        .filter(progress_updates__isnull=True)
        .order_by("priority__plan__slug", "priority__sort_key", "position")
    )
    with transaction.atomic():
        for action in actions:
            checksum = _checksum(action)
            first, latest, percentage = SCENARIOS[checksum % len(SCENARIOS)]
            if action.status == Status.CONTINUOUS:
                first, latest, percentage = Status.CONTINUOUS, None, None
            if first is None:
                continue
            first_date = _first_update_date(action, checksum)
            updates = [(first_date, first, None if latest else percentage)]
            if latest is not None:
                second_date = action.deadline or dt.date(
                    action.priority.plan.end_year, 11, 1
                )
                if latest == Status.AT_RISK or second_date <= first_date:
                    second_date = first_date + dt.timedelta(days=30)
                updates.append((second_date, latest, percentage))
            for date, status, pct in updates:
                text = TEXTS.get(
                    status, "{marker} Loopt door als vast onderdeel van het werk."
                )
                ProgressUpdate.objects.create(
                    action=action,
                    date=date,
                    status=status,
                    percentage=pct,
                    text=text.format(marker=MARKER),
                )
                created += 1
    return created
