"""Benchmark: importing a programme of 1,000 actions (aim: under 5 s on a 2-core machine).

Run: .venv/bin/python bench/import_actions.py [--rows 1000]
Uses the configured database (DATABASE_URL, SQLite by default) inside a transaction that
is rolled back, so it leaves nothing behind. Prints the timing of each step.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from actions.imports import programme_import  # noqa: E402
from policies.models import Organisation, Plan  # noqa: E402


class Rollback(Exception):
    pass


def workbook(rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Speerpunt",
            "Subspeerpunt",
            "Actie",
            "Toelichting",
            "Trekker",
            "Deadline",
            "Status",
        ]
    )
    for i in range(rows):
        top, sub = i % 5 + 1, i % 20 // 5 + 1
        sheet.append(
            [
                f"{top}. Speerpunt {top}",
                f"{top}.{sub}. Subspeerpunt {top}.{sub}",
                f"Actie {i}: bench-import",
                f"Omschrijving van actie {i}, zoals een OOV'er die typt.",
                "Bench-gemeente A" if i % 2 else "Bench-gemeente A, Bench-politie",
                f"{i % 28 + 1}-{i % 12 + 1}-2021",
                ["loopt", "afgerond", "niet gestart", "risico"][i % 4],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    rows = parser.parse_args().rows
    data = workbook(rows)
    print(
        f"database: {connection.vendor}; file: {rows} rows, {len(data) / 1024:.0f} kB"
    )
    try:
        with transaction.atomic():
            municipality = Organisation.objects.create(
                name="Bench-gemeente A", kind="municipality", cbs_code="GM9999"
            )
            police = Organisation.objects.create(name="Bench-politie", kind="police")
            plan = Plan.objects.create(
                title="Bench",
                slug="bench-import",
                kind="programme",
                start_year=2021,
                end_year=2021,
            )
            plan.municipalities.add(municipality)
            plan.partners.add(police)
            for label, commit in [
                ("preview (first)", False),
                ("import (commit)", True),
                ("re-import (no changes)", True),
            ]:
                started = time.perf_counter()
                result = programme_import(
                    plan=plan, data=data, filename="bench.xlsx", commit=commit
                )
                elapsed = time.perf_counter() - started
                print(
                    f"{label:<24} {elapsed:6.2f} s  new={len(result.creates)} "
                    f"changed={len(result.updates)} unchanged={result.unchanged} "
                    f"problems={len(result.problems)}"
                )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
