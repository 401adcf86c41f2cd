"""Benchmark: who hears what on one day (`send_reminders`), without sending anything.

Run: DATABASE_URL=... .venv/bin/python bench/reminders.py [--day 2026-11-30]
Prints the time, the number of queries and what would be sent: the collection of the
day's reminders is read-only, so any database (the national dataset) can be used.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from actions.models import Action  # noqa: E402
from actions.reminders import collect  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--day", type=dt.date.fromisoformat, default=dt.date(2026, 11, 30)
    )
    day = parser.parse_args().day
    print(
        f"database: {connection.vendor}; {Action.objects.count():,} actions; day {day}"
    )
    for run in range(2):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            per_user = collect(day)
            elapsed = time.perf_counter() - started
        items = sum(len(v) for v in per_user.values())
        print(
            f"run {run + 1}: {elapsed:6.2f} s, {len(queries):>5} queries; "
            f"{len(per_user)} recipients, {items} items"
        )


if __name__ == "__main__":
    main()
