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
  permission rule, templates) in this process, and the number of SQL queries;
- for the plan dashboard, the floor: the database time of its aggregate query alone and of
  all its queries together (EXPLAIN ANALYZE, planning + execution), and the page's ratio to it;
- the PDF reports (quarterly, annual, agenda): median of `--pdf-runs` generations;
- throughput: gunicorn with 2 workers on 127.0.0.1 under wrk for `--load-seconds` (at most
  60), cycling through the page kinds as the target user: requests/s, p50/p95/p99, errors.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-production-use",
    "ALLOWED_HOSTS": "127.0.0.1,testserver,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
}


# --- measuring inside one database (a child process per database) ------------------------


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in BENCH_ENV.items() if k not in os.environ})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")
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


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(runs: int, pdf_runs: int) -> dict:
    setup_django()
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from actions.models import Action, ProgressUpdate
    from policies.models import Measurement, Organisation, Plan

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
    for name, target in targets().items():
        client = Client()
        client.force_login(target["user"])
        rows = {}
        for kind, url in target["pages"].items():
            for _ in range(3):  # warm caches and connections
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            # Each request empties the query log (request_started), so start from empty.
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as capture:
                client.get(url)
            queries = list(capture.captured_queries)  # the next request empties the log
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            row = {
                "median": statistics.median(times),
                "p95": p95(times),
                "queries": len(queries),
                "url": url,
            }
            if kind == "plan dashboard" and connection.vendor == "postgresql":
                selects = [
                    q["sql"]
                    for q in queries
                    if q["sql"].lstrip("(").startswith(("SELECT", "WITH"))
                ]
                aggregate = next(sql for sql in selects if '"n_overdue"' in sql)
                row["floor aggregate"] = explain_ms(aggregate)
                row["floor all queries"] = sum(explain_ms(sql) for sql in selects)
            rows[kind] = row
        for kind, url in target["pdfs"].items():
            times = []
            for _ in range(pdf_runs):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            rows[kind] = {
                "median": statistics.median(times),
                "p95": max(times),
                "url": url,
            }
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


def load(database_url: str, target: dict, seconds: int, connections: int) -> dict:
    """gunicorn (2 workers) on 127.0.0.1, wrk cycling through the target's pages."""
    if not shutil.which("wrk"):
        return {"error": "wrk is not installed (apt-get install wrk)"}
    port = free_port()
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
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
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        paths = [
            url for kind, url in target["urls"].items() if not kind.startswith("PDF")
        ]
        env = {
            **os.environ,
            "IVP_PATHS": " ".join(paths),
            "IVP_COOKIE": target["cookie"],
        }
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
        "\nPlan dashboard against its SQL floor (EXPLAIN ANALYZE, planning + execution):"
    )
    for db, name in columns:
        row = results[db]["targets"][name]["rows"]["plan dashboard"]
        if "floor aggregate" in row:
            print(
                f"  {db + ' · ' + name:<26} page {row['median']:6.1f} ms; aggregate query "
                f"{row['floor aggregate']:5.2f} ms; all {row['queries']} queries "
                f"{row['floor all queries']:5.2f} ms; page / all queries "
                f"{row['median'] / row['floor all queries']:4.1f}x"
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
                f"  {db + ' · ' + name:<26} {res['requests'] / res['seconds']:6.1f} req/s "
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
                target["urls"] = {k: r["url"] for k, r in target["rows"].items()}
                res = load(url, target, args.load_seconds, args.connections)
                res["connections"] = args.connections
                loads[db, name] = res
    report(results, loads)


if __name__ == "__main__":
    main()
