"""Benchmark of the pages on the seed data and on the national dataset, side by side.

A script, not a test: it prints figures. Prepare two PostgreSQL databases (README,
"Performance"): one with the seeds, one with the seeds plus `generate_national_dataset`,
then run

    .venv/bin/python bench/pages.py \\
        --database seeds=postgres://ivp:ivp@127.0.0.1:5432/ivp_seeds \\
        --database national=postgres://ivp:ivp@127.0.0.1:5432/ivp_national

For every database and target it prints, per page kind (start page, plan dashboard, actions
list, meeting page, municipality page, action page, API list):
- the median and p95 server time of `--runs` requests through Django's full stack (middleware,
  permission rule, templates) in this process, without any cache, and the number of SQL
  queries;
- the ratios in one table: each page against its SQL floor (EXPLAIN ANALYZE of all its
  reads, planning + execution) and against the do-nothing page of bench/urls.py (the same
  middleware and a signed-in user, nothing else), uncached and with the page cache
  (ivp/pagecache.py, in this process's cache: the first request fills it); the API list's
  p95 against its median;
- the PDF reports (quarterly, annual, agenda): median of `--pdf-runs` generations;
- throughput: gunicorn (2 workers, ivp/gunicorn.conf.py) on 127.0.0.1 under wrk for
  `--load-seconds` (at most 60), cycling through the page kinds as the target user, once
  without a cache and once with each worker's own cache: requests/s, p50/p95/p99, errors;
  and the do-nothing page alone under the same load, the framework's ceiling.

The measuring process and gunicorn run with bench/settings.py: the product's settings with
bench/urls.py as URLconf, so the do-nothing page exists only in the benchmark. After warming
up, the measuring process does what a gunicorn worker does once it has loaded the app
(ivp.wsgi.freeze_loaded_objects), including the collection of the young objects after
every request: Django's test client closes the response as gunicorn does, so that
collection runs inside each timed request here (the client waits for it), where in
gunicorn it runs after the body has been written (the worker's next request waits).

Targets: "Veluwe-Noord" is the seed programme (the demo reader lezer.veluwe-noord) and is
measured on both databases, so the same page with the same content is compared on a small
and a national database. "basisteam" is a generated 2026 programme of the largest generated
basisteam, with its driehoek member; it exists only in the national dataset.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-production-use",
    "ALLOWED_HOSTS": "127.0.0.1,testserver,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    # The product's settings with bench/urls.py, which adds the do-nothing page.
    "DJANGO_SETTINGS_MODULE": "bench.settings",
}
# "Uncached": no cache at all, so every page is built (bench/settings.py for gunicorn).
UNCACHED = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# The do-nothing page of bench/urls.py: what the framework costs a signed-in request.
EMPTY_PAGE = "/bench/empty/"


# --- measuring inside one database (a child process per database) ------------------------


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in BENCH_ENV.items() if k not in os.environ})
    os.environ["DJANGO_SETTINGS_MODULE"] = BENCH_ENV["DJANGO_SETTINGS_MODULE"]
    import django

    django.setup()


def targets():
    """The pages to measure, per target that exists in this database."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.urls import reverse

    from actions.models import Action, Meeting
    from policies.models import Plan

    User = get_user_model()
    found = {}
    candidates = [
        ("Veluwe-Noord", "veluwe-noord-uvp-2021", "lezer.veluwe-noord", "2021", "2")
    ]
    largest = (
        Plan.objects.filter(
            slug__startswith="nl-", kind=Plan.Kind.PROGRAMME, start_year=2026
        )
        .annotate(n=Count("municipalities"))
        .order_by("-n", "slug")
        .first()
    )
    if largest is not None:
        team = largest.slug.split("-")[1]
        candidates.append(
            ("basisteam", largest.slug, f"driehoek.team{team}", "2026", "3")
        )
    for name, slug, username, year, quarter in candidates:
        plan = Plan.objects.filter(slug=slug).first()
        user = User.objects.filter(username=username).first()
        if plan is None or user is None:
            continue
        meeting = (
            Meeting.objects.filter(plans=plan)
            .annotate(n=Count("actions"))
            .order_by("-n", "date")
            .first()
        )
        action = (
            Action.objects.for_plan(plan)
            .order_by("priority__sort_key", "position")
            .first()
        )
        town = plan.municipalities.order_by("name").first()
        pages = {
            "do-nothing page": EMPTY_PAGE,
            "start page": reverse("reports:home"),
            "plan dashboard": reverse("reports:plan", args=[plan.pk])
            + f"?periode=kwartaal&jaar={year}&kwartaal={quarter}",
            "actions list": reverse("reports:plan_actions", args=[plan.pk]),
            "meeting page": reverse("reports:meeting", args=[meeting.pk]),
            "municipality page": reverse("reports:organisation", args=[town.pk]),
            "action page": reverse("reports:action", args=[action.pk]),
            "API list": "/api/v1/actions/",
        }
        pdfs = {
            "PDF quarterly": reverse("pdf:quarterly", args=[plan.pk])
            + f"?year={year}&quarter={quarter}",
            "PDF annual": reverse("pdf:annual", args=[plan.pk, int(year)]),
            "PDF agenda": reverse("pdf:agenda", args=[meeting.pk]),
        }
        found[name] = {
            "user": user,
            "pages": pages,
            "pdfs": pdfs,
            "n_actions": Action.objects.for_plan(plan).count(),
        }
    return found


def read_of(sql: str) -> str | None:
    """The read a query makes, or None for a write or a transaction statement; a
    server-side cursor's read too (`.iterator()` on PostgreSQL: DECLARE ... FOR SELECT),
    which the floor once left out."""
    if sql.startswith("DECLARE") and " FOR " in sql:
        sql = sql.split(" FOR ", 1)[1]
    return sql if sql.lstrip("(").startswith(("SELECT", "WITH")) else None


def explain_ms(sql: str, repeats: int = 5) -> float:
    """Planning + execution time of one query as PostgreSQL reports it (median)."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
    return statistics.median(times)


def timed(client, url: str, runs: int) -> list[float]:
    """Milliseconds of `runs` requests of `url`."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(runs: int, pdf_runs: int) -> dict:
    setup_django()
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from actions.models import Action, ProgressUpdate
    from policies.models import Measurement, Organisation, Plan
    from reports.models import KeptReport

    result = {
        "vendor": connection.vendor,
        "size": {
            "municipalities": Organisation.objects.municipalities().count(),
            "plans": Plan.objects.count(),
            "actions": Action.objects.count(),
            "progress updates": ProgressUpdate.objects.count(),
            "measurements": Measurement.objects.count(),
        },
        "targets": {},
    }
    from ivp.wsgi import freeze_loaded_objects

    for name, target in targets().items():
        client = Client()
        client.force_login(target["user"])
        rows = {}
        for url in target["pages"].values():
            for _ in range(3):  # warm caches and connections
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
        # What a gunicorn worker does once it has loaded the app (ivp/gunicorn.conf.py).
        freeze_loaded_objects()
        for kind, url in target["pages"].items():
            with override_settings(CACHES=UNCACHED):
                # Each request empties the query log (request_started): start empty.
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as capture:
                    client.get(url)
                queries = list(capture.captured_queries)  # the next request empties it
                times = timed(client, url, runs)
            row = {
                "median": statistics.median(times),
                "p95": p95(times),
                "queries": len(queries),
                "url": url,
            }
            # With the cache the settings name (the page cache, ivp/pagecache.py):
            # the first request fills it, the rest are hits.
            client.get(url)
            row["cached"] = statistics.median(timed(client, url, runs))
            if connection.vendor == "postgresql":
                # The SQL floor: what PostgreSQL spends on all the page's reads.
                selects = [read for q in queries if (read := read_of(q["sql"]))]
                row["floor"] = sum(explain_ms(sql) for sql in selects)
            rows[kind] = row
        # --pdf-runs 0: the pages alone, no PDF row. Each timed request makes its PDF:
        # what the previous one kept (reports.KeptReport) is taken away first, and at
        # the end, so the data is left as found (bench/report_queue.py times the kept).
        kept_before = set(KeptReport.objects.values_list("pk", flat=True))
        for kind, url in target["pdfs"].items() if pdf_runs else ():
            times = []
            for _ in range(pdf_runs):
                KeptReport.objects.exclude(pk__in=kept_before).delete()
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            rows[kind] = {
                "median": statistics.median(times),
                "p95": max(times),
                "url": url,
            }
        KeptReport.objects.exclude(pk__in=kept_before).delete()
        session = SessionStore()
        session.cycle_key()
        session.update(client.session.items())
        session.save()
        result["targets"][name] = {
            "rows": rows,
            "n_actions": target["n_actions"],
            "cookie": f"sessionid={session.session_key}",
        }
    return result


# --- throughput under load ------------------------------------------------------------


WRK_SCRIPT = ROOT / "bench" / "wrk_paths.lua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(
    database_url: str,
    paths: list[str],
    cookie: str,
    seconds: int,
    connections: int,
    *,
    cached: bool,
) -> dict:
    """gunicorn (2 workers, the product's config) on 127.0.0.1, wrk cycling through
    `paths` as the user of `cookie`; without any cache unless `cached`."""
    if not shutil.which("wrk"):
        return {"error": "wrk is not installed (apt-get install wrk)"}
    port = free_port()
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url}
    if not cached:
        env["IVP_BENCH_UNCACHED"] = "1"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--config",
            str(ROOT / "ivp" / "gunicorn.conf.py"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "ivp.wsgi",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        # Until a worker answers (not only the master listens): a worker loads the app
        # after the port opens, which on a busy machine takes seconds.
        for _ in range(600):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}{EMPTY_PAGE}", timeout=5
                ).close()
                break
            except OSError:
                time.sleep(0.1)
        env = {**os.environ, "IVP_PATHS": " ".join(paths), "IVP_COOKIE": cookie}
        # Warm both workers, then measure.
        subprocess.run(
            [
                "wrk",
                "-t1",
                "-c2",
                "-d2s",
                "-s",
                str(WRK_SCRIPT),
                f"http://127.0.0.1:{port}",
            ],
            env=env,
            capture_output=True,
            check=True,
            timeout=30,
        )
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(WRK_SCRIPT),
                f"http://127.0.0.1:{port}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
        line = next(line for line in out.splitlines() if line.startswith("{"))
        return json.loads(line)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- the report -----------------------------------------------------------------------


def cell(row: dict | None) -> str:
    if row is None:
        return "–"
    text = f"{row['median']:7.1f} / {row['p95']:7.1f} ms"
    if "queries" in row:
        text += f"  {row['queries']:>2} q"
    return text


def report(results: dict, loads: dict) -> None:
    columns = [
        (db, name) for db, result in results.items() for name in result["targets"]
    ]
    print("Data:")
    for db, result in results.items():
        size = ", ".join(
            f"{n:,} {k}".replace(",", ".") for k, n in result["size"].items()
        )
        print(f"  {db:<10} {size}")
        for name, target in result["targets"].items():
            print(
                f"             target {name}: {target['n_actions']} actions in the plan"
            )
    kinds = list(next(iter(results.values()))["targets"]["Veluwe-Noord"]["rows"])
    header = "".join(f"{db + ' · ' + name:<32}" for db, name in columns)
    print(f"\nServer time median / p95, and SQL queries per page\n{'':<20}{header}")
    for kind in kinds:
        line = "".join(
            f"{cell(results[db]['targets'][name]['rows'].get(kind)):<32}"
            for db, name in columns
        )
        print(f"{kind:<20}{line}")
    if len(results) > 1:
        first, *others = results
        print(
            f"\nSame seed pages, {' and '.join(others)} compared with {first} (median):"
        )
        for other in others:
            worst = max(
                (
                    results[other]["targets"]["Veluwe-Noord"]["rows"][kind]["median"]
                    / results[first]["targets"]["Veluwe-Noord"]["rows"][kind]["median"],
                    kind,
                )
                for kind in kinds
            )
            for kind in kinds:
                a = results[first]["targets"]["Veluwe-Noord"]["rows"][kind]["median"]
                b = results[other]["targets"]["Veluwe-Noord"]["rows"][kind]["median"]
                print(f"  {kind:<20} {b / a:5.2f}x")
            print(f"  worst: {worst[1]} {worst[0]:.2f}x")
    print(
        "\nEach page against its SQL floor (EXPLAIN ANALYZE of all its reads, planning +"
        "\nexecution) and against the do-nothing page behind the same middleware (median)"
    )
    for db, name in columns:
        rows = results[db]["targets"][name]["rows"]
        empty = rows["do-nothing page"]["median"]
        print(f"  {db} · {name}: do-nothing page {empty:.1f} ms")
        print(
            f"    {'':<20}{'uncached':>9}{'SQL floor':>11}{'x floor':>9}{'x empty':>9}"
            f"{'cached':>9}{'x empty':>9}"
        )
        for kind, row in rows.items():
            if kind == "do-nothing page" or kind.startswith("PDF"):
                continue
            floor = (
                f"{row['floor']:8.2f} ms{row['median'] / row['floor']:8.1f}x"
                if row.get("floor")
                else f"{'–':>11}{'–':>9}"
            )
            cached = (
                f"{row['cached']:6.1f} ms{row['cached'] / empty:8.1f}x"
                if row.get("cached")
                else f"{'n/a':>9}{'':>9}"
            )
            print(
                f"    {kind:<20}{row['median']:6.1f} ms{floor}"
                f"{row['median'] / empty:8.1f}x{cached}"
            )
        api = rows["API list"]
        print(
            f"    API list p95 / median: {api['p95']:.1f} / {api['median']:.1f} ms = "
            f"{api['p95'] / api['median']:.2f}x"
        )
    if loads:
        print(
            "\nThroughput: gunicorn 2 workers, wrk 2 threads on 127.0.0.1, pages in turn"
        )
        for (db, name), res in loads.items():
            if "error" in res:
                print(f"  {db + ' · ' + name:<26} {res['error']}")
                continue
            errors = sum(res[k] for k in res if k.startswith("errors"))
            print(
                f"  {db + ' · ' + name:<36} {res['requests'] / res['seconds']:7.1f} req/s "
                f"({res['requests']} in {res['seconds']:.0f} s, {res['connections']} connections); "
                f"p50 {res['p50']:.1f} ms, p95 {res['p95']:.1f} ms, p99 {res['p99']:.1f} ms; "
                f"errors {errors}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database",
        action="append",
        metavar="NAME=URL",
        help="A database to measure; give seeds first. Default: DATABASE_URL as 'current'.",
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.load_seconds = min(args.load_seconds, 60)

    if args.measure:
        print(json.dumps(measure(args.runs, args.pdf_runs), default=str))
        return

    databases = dict(d.split("=", 1) for d in args.database or [])
    if not databases:
        databases = {"current": os.environ.get("DATABASE_URL", "")}
    results, loads = {}, {}
    # Production serves hashed static files (DEBUG off): collect them as a deploy does.
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env={**os.environ, **BENCH_ENV},
        check=True,
    )
    for name, url in databases.items():
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        env = {**os.environ, **BENCH_ENV}
        if url:
            env["DATABASE_URL"] = url
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                "--runs",
                str(args.runs),
                "--pdf-runs",
                str(args.pdf_runs),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"measuring {name} failed:\n{out.stderr[-3000:]}")
        out = out.stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    if args.load_seconds > 0:
        for db, url in databases.items():
            for name, target in results[db]["targets"].items():
                print(
                    f"load on {db} · {name} ({args.load_seconds} s) ...",
                    file=sys.stderr,
                    flush=True,
                )
                paths = [
                    row["url"]
                    for kind, row in target["rows"].items()
                    if kind != "do-nothing page" and not kind.startswith("PDF")
                ]
                for cached in (False, True):
                    res = load(
                        url,
                        paths,
                        target["cookie"],
                        args.load_seconds,
                        args.connections,
                        cached=cached,
                    )
                    res["connections"] = args.connections
                    loads[db, f"{name}, {'cached' if cached else 'uncached'}"] = res
            # The framework's floor under the same load: the do-nothing page alone.
            res = load(
                url,
                [EMPTY_PAGE],
                target["cookie"],
                min(args.load_seconds, 15),
                args.connections,
                cached=False,
            )
            res["connections"] = args.connections
            loads[db, "do-nothing page"] = res
    report(results, loads)


if __name__ == "__main__":
    main()
