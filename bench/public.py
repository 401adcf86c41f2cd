"""Benchmark of the public plan page (issue 18): median and throughput, built and cached.

A script, not a test: it prints figures. On a database with the seeds and the demo data
(`make run` prepares one; `load_demo_progress` publishes the Stadskanaal IVP):

    DATABASE_URL=sqlite:////tmp/ivp.sqlite3 .venv/bin/python bench/public.py --runs 200

Through Django's full stack in this process (Django's test client): "built" empties the
cache before every request, so each one asks the database and renders the page; "cached"
is what residents get while the published data does not change (one query for the data
version, then the stored page); "304" is a browser that sends the ETag it holds.
Throughput is sequential requests per second of one process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = "/openbaar/stadskanaal/stadskanaal-ivp-2020-2024/"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")
    import django

    django.setup()


def run(client, runs: int, *, clear: bool, headers=None) -> dict:
    from django.core.cache import cache

    times = []
    status = None
    for _ in range(runs):
        if clear:
            cache.clear()
        start = time.perf_counter()
        response = client.get(URL, headers=headers or {})
        times.append((time.perf_counter() - start) * 1000)
        status = response.status_code
    return {
        "median": statistics.median(times),
        "per_second": len(times) / (sum(times) / 1000),
        "status": status,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    # Production serves hashed static files (DEBUG off): collect them as a deploy does.
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.test import Client

    client = Client()
    first = client.get(URL)
    if first.status_code != 200:
        sys.exit(f"{URL} answers {first.status_code}: load the seeds and demo data")
    rows = {
        "built": run(client, args.runs, clear=True),
        "cached": run(client, args.runs, clear=False),
        "304": run(
            client, args.runs, clear=False, headers={"If-None-Match": first["ETag"]}
        ),
    }
    print(f"Public plan page {URL} ({args.runs} requests each, one process)")
    for name, row in rows.items():
        print(
            f"  {name:<7} median {row['median']:6.1f} ms, "
            f"{row['per_second']:7.1f} requests/s (HTTP {row['status']})"
        )


if __name__ == "__main__":
    main()
