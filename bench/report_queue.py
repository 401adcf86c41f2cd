"""Benchmark of PDF requests through the task queue (issue 19): what a user waits for.

    DATABASE_URL=... .venv/bin/python bench/report_queue.py                      # eager
    DATABASE_URL=... REDIS_URL=redis://... .venv/bin/python bench/report_queue.py  # a worker

For the seed programme Veluwe-Noord 2021 seen by its driehoek member
(lezer.veluwe-noord: load_seeds, load_demo_progress, load_demo_users), and each report
(quarterly, annual, agenda of its first meeting), it prints:

- the first request, for a report not yet kept: with REDIS_URL the response (the page
  "Het rapport wordt gemaakt", 202) and the time until a worker has made the PDF (the
  status URL asked every 20 ms, as no browser would); without REDIS_URL the request
  that makes the PDF itself (Celery eager). Median of --first-runs, the report's kept
  rows deleted before each;
- the repeated request, for the kept report: median and slowest of --runs.

With REDIS_URL the script starts its own worker (`celery -A ivp worker --pool solo`, one
PDF at a time) on the same database and stops it at the end. Requests run in process
through Django's test client, with DEBUG off, as bench/pages.py does. The report rows it
made are deleted at the end.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-use")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from policies.models import Plan  # noqa: E402
from reports.models import KeptReport  # noqa: E402

PLAN, USER = "veluwe-noord-uvp-2021", "lezer.veluwe-noord"


def targets(plan):
    meeting = plan.meetings.order_by("date").first()
    return {
        "quarterly": (
            reverse("pdf:quarterly", args=[plan.pk]) + "?year=2021&quarter=2",
            reverse("pdf:quarterly-status", args=[plan.pk]) + "?year=2021&quarter=2",
            {"plan": plan, "kind": KeptReport.Kind.QUARTERLY},
        ),
        "annual": (
            reverse("pdf:annual", args=[plan.pk, 2021]),
            reverse("pdf:annual-status", args=[plan.pk, 2021]),
            {"plan": plan, "kind": KeptReport.Kind.ANNUAL},
        ),
        "agenda": (
            reverse("pdf:agenda", args=[meeting.pk]),
            reverse("pdf:agenda-status", args=[meeting.pk]),
            {"meeting": meeting, "kind": KeptReport.Kind.AGENDA},
        ),
    }


def first_request(client, url, status_url, rows) -> tuple[float, float]:
    """(ms until the response, ms until the PDF is kept) for a report not yet kept."""
    KeptReport.objects.filter(**rows).delete()
    started = time.perf_counter()
    response = client.get(url)
    answered = time.perf_counter()
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        return (answered - started) * 1000, (answered - started) * 1000
    assert response.status_code == 202, (url, response.status_code)
    deadline = started + 120
    while client.get(status_url).json()["status"] == "bezig":
        assert time.perf_counter() < deadline, "no worker made the report in 120 s"
        time.sleep(0.02)
    ready = time.perf_counter()
    assert client.get(status_url).json()["status"] == "klaar"
    return (answered - started) * 1000, (ready - started) * 1000


def repeated_requests(client, url, runs) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        assert response["Content-Type"] == "application/pdf"
    return times


def start_worker():
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ivp", "worker", "--pool", "solo"]
        + ["--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env={**os.environ, "CONN_MAX_AGE": "0"},
        stdin=subprocess.DEVNULL,
    )
    time.sleep(3)  # the worker connects to Redis and waits; tasks sent earlier wait too
    return process


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--first-runs", type=int, default=3)
    args = parser.parse_args()

    # DEBUG off serves hashed static files (the waiting page links its script):
    # collect them as a deploy does.
    call_command("collectstatic", interactive=False, verbosity=0)
    plan = Plan.objects.get(slug=PLAN)
    client = Client()
    client.force_login(get_user_model().objects.get(username=USER))
    queued = bool(settings.REDIS_URL)
    worker = start_worker() if queued else None
    mode = "with a worker (REDIS_URL)" if queued else "in the request (eager)"
    print(f"PDF requests through the queue, {mode}, {plan.title}:")
    print(
        f"{'':12}{'first: response':>18}{'first: PDF ready':>18}"
        f"{'repeated: median':>19}{'slowest':>10}"
    )
    try:
        for name, (url, status_url, rows) in targets(plan).items():
            firsts = [
                first_request(client, url, status_url, rows)
                for _ in range(args.first_runs)
            ]
            times = repeated_requests(client, url, args.runs)
            print(
                f"{name:12}"
                f"{statistics.median(t[0] for t in firsts):15.1f} ms"
                f"{statistics.median(t[1] for t in firsts):15.1f} ms"
                f"{statistics.median(times):16.1f} ms"
                f"{max(times):7.1f} ms"
            )
            KeptReport.objects.filter(**rows).delete()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
