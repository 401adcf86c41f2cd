"""Benchmark of the PDF reports (a script, not a test): time and peak memory per report.

    .venv/bin/python bench/reports.py            # all seed plans and a synthetic plan
    .venv/bin/python bench/reports.py --runs 3   # best of three timings

For each report kind and each seed plan, and for a synthetic plan of 300 actions, it prints
the data and template work (queries and rendering the HTML), the whole generation time
(data + template + WeasyPrint), WeasyPrint alone on a second run on the same HTML, the ratio
of the two and the share of the data and template work in the whole, the peak Python memory (tracemalloc, a separate
run because tracing slows everything down), the process's peak RSS so far, and the pages.

Everything runs inside one transaction that is rolled back: the seeds and the synthetic
plan are loaded into the configured database and leave no trace.
"""

import argparse
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")

import django

django.setup()

from django.db import transaction

from actions.demo import demo_progress_load
from actions.models import Action, Meeting, ProgressUpdate, Status
from policies.models import Organisation, Plan, Priority
from policies.seeds import seeds_load
from reports import pdf

TODAY = dt.date(2022, 1, 15)


def synthetic_plan() -> Plan:
    """A plan of 10 priorities, 300 actions with owners and two progress updates each."""
    towns = [
        Organisation.objects.get_or_create(
            name=f"Bench-gemeente {n}",
            defaults={"kind": "municipality", "cbs_code": f"GM98{n:02d}"},
        )[0]
        for n in range(4)
    ]
    plan = Plan.objects.create(
        title="Synthetisch plan met 300 acties",
        slug="bench-300",
        kind=Plan.Kind.PROGRAMME,
        start_year=2021,
        end_year=2021,
    )
    plan.municipalities.set(towns)
    statuses = [
        Status.DONE,
        Status.ONGOING,
        Status.AT_RISK,
        Status.NOT_STARTED,
        Status.CONTINUOUS,
    ]
    for p in range(10):
        priority = Priority.objects.create(
            plan=plan,
            code=str(p + 1),
            title=f"Prioriteit {p + 1}",
            objective="Minder overlast en meer veiligheid in wijken en buurten. " * 3,
        )
        actions = Action.objects.bulk_create(
            Action(
                priority=priority,
                position=a,
                title=f"Actie {p + 1}.{a + 1}: aanpak van overlast met de ketenpartners in de wijk",
                description="Beschrijving van de actie. " * 4,
                deadline=dt.date(2021, 1 + (a % 12), 28),
            )
            for a in range(30)
        )
        for a, action in enumerate(actions):
            action.owners.add(towns[a % len(towns)])
        ProgressUpdate.objects.bulk_create(
            ProgressUpdate(
                action=action,
                date=dt.date(2021, 1 + (a % 12), day),
                status=statuses[(a + day) % 5],
                text="Voortgang: de trekker meldt dat de afspraken met de partners lopen. "
                * 2,
            )
            for a, action in enumerate(actions)
            for day in (5, 20)
        )
    return plan


def cases(plan: Plan):
    year = min(max(2021, plan.start_year), plan.end_year)
    yield (
        "annual",
        f"{year}",
        lambda: pdf.annual_report_html(plan, year=year, today=TODAY),
    )
    yield (
        "quarterly",
        f"{year}-K2",
        lambda: pdf.quarterly_report_html(plan, year=year, quarter=2, today=TODAY),
    )
    meeting = (
        Meeting.objects.filter(plans=plan).order_by("-date").first()
        if plan.meetings.exists()
        else None
    )
    if meeting is not None:
        yield "agenda", f"{meeting.date}", lambda: pdf.agenda_html(meeting, today=TODAY)


def _pages(content: bytes) -> int:
    info = subprocess.run(
        ["pdfinfo", "-"], input=content, capture_output=True, check=False
    ).stdout
    found = re.search(rb"Pages:\s+(\d+)", info)
    return int(found.group(1)) if found else 0


def measure(make_html, runs: int):
    """Best-of-`runs` seconds for the data + template work and for WeasyPrint, and memory."""
    best_data = best_total = best_weasy = float("inf")
    pages = 0
    for _ in range(runs):
        start = time.perf_counter()
        html = make_html()
        data_done = time.perf_counter()
        content = pdf.html_to_pdf(html)
        end = time.perf_counter()
        best_data = min(best_data, data_done - start)
        best_total = min(best_total, end - start)
        alone = time.perf_counter()
        pdf.html_to_pdf(html)  # WeasyPrint alone on the same HTML
        best_weasy = min(best_weasy, time.perf_counter() - alone)
        pages = _pages(content)
    tracemalloc.start()
    pdf.html_to_pdf(make_html())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return best_data, best_total, best_weasy, peak / 2**20, rss, pages


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    import weasyprint  # the import (~0.8 s) is not part of any report

    print(
        f"WeasyPrint {weasyprint.__version__}, {os.cpu_count()} cores, best of {args.runs}"
    )
    header = (
        f"{'plan':<44} {'kind':<9} {'period':<10} {'pages':>5} {'data s':>6} {'total s':>7} "
        f"{'weasy s':>7} {'ratio':>5} {'data %':>6} {'py MB':>5} {'rss MB':>6}"
    )
    print(header)
    print("-" * len(header))
    with transaction.atomic():
        seeds_load()
        demo_progress_load()
        plans = [p for p in Plan.objects.order_by("slug") if p.priorities.exists()] + [
            synthetic_plan()
        ]
        for plan in plans:
            for kind, period, make_html in cases(plan):
                data, total, weasy, peak, rss, pages = measure(make_html, args.runs)
                print(
                    f"{plan.slug[:44]:<44} {kind:<9} {period:<10} {pages:>5} {data:>6.2f} "
                    f"{total:>7.2f} {weasy:>7.2f} {total / weasy:>5.2f} "
                    f"{100 * data / total:>5.1f}% {peak:>5.1f} {rss:>6.0f}"
                )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
