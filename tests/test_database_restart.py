"""A restart of PostgreSQL under load: no request gets a 500, no answered write is lost.

Real, not simulated: gunicorn with two workers (persistent, health-checked connections,
as in production) serves the test database on 127.0.0.1, while a few threads send a
bounded number of API reads and writes (progress updates) and the test restarts the
database server with `pg_ctl restart -m fast`. Every answer must be 2xx, or 503 with
Retry-After; every write answered 201 must be in the database afterwards. (A write
answered 503 may or may not have been saved: the client is told to check.)

It needs the server's pg_ctl: IVP_TEST_PGBIN (its bin directory) and IVP_TEST_PGDATA
(its data directory), which .ci/run exports. Without them the test is skipped, except
under CI=true, where a missing variable fails it.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from actions.models import ProgressUpdate

from .factories import ActionFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 3
READERS = 2
MAX_REQUESTS_PER_THREAD = 1000
WARM_UP_REQUESTS = 10  # per thread, before the restart: every worker is connected
RUN_SECONDS = 60  # the whole exchange, at most
HTTP_TIMEOUT = 20


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def restart_command():
    pgbin = os.environ.get("IVP_TEST_PGBIN")
    pgdata = os.environ.get("IVP_TEST_PGDATA")
    if not (pgbin and pgdata):
        message = (
            "needs IVP_TEST_PGBIN and IVP_TEST_PGDATA: the bin and data directory "
            "of the test database server (.ci/run exports them)"
        )
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    if connection.vendor != "postgresql":
        pytest.skip("restarts a PostgreSQL server")  # under CI, conftest fails
    command = [
        f"{pgbin}/pg_ctl",
        "-D",
        pgdata,
        # Without a log file the new server would write to our pipe and keep it open.
        "-l",
        f"{pgdata}/server.log",
        "restart",
        "-m",
        "fast",
        "-w",
        "-t",
        "60",
    ]
    if os.geteuid() == 0:  # pg_ctl refuses root; the cluster belongs to postgres
        command = ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port, method, path, token, body=None):
    """(status, Retry-After, parsed JSON or None) of one request on a new connection."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    try:
        client.request(method, path, body=body, headers=headers)
        response = client.getresponse()
        content = response.read()
        try:
            data = json.loads(content)
        except ValueError:
            data = content[:300]
        return response.status, response.getheader("Retry-After"), data
    finally:
        client.close()


@dataclass
class Outcome:
    thread: str
    started: float
    ended: float
    status: int  # 0: no HTTP answer at all
    retry_after: str | None
    data: object
    marker: str | None = None  # a write's text, to find it in the database


@pytest.fixture
def server(transactional_db, tmp_path):
    """gunicorn on 127.0.0.1 serving the test database, as production runs it."""
    db = connection.settings_dict
    url = "postgres://{}:{}@{}:{}/{}".format(
        quote(db["USER"], safe=""),
        quote(db["PASSWORD"], safe=""),
        db["HOST"] or "127.0.0.1",
        db["PORT"] or 5432,
        quote(db["NAME"], safe=""),
    )
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ivp.settings",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "restart-test-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "60",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "ivp.wsgi"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
                *("--graceful-timeout", "5"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = _request(port, "GET", "/api/v1/", "-")
                if status == 401:  # up, and asking for a real token
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield SimpleNamespace(port=port, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _postmaster_start_time():
    connection.close()  # the test's own connection does not survive a restart
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]


def test_restarting_postgresql_under_load_gives_no_500_and_loses_no_write(
    restart_command, server
):
    user = UserFactory(username="beheerder", is_superuser=True)
    token = Token.objects.create(user=user).key
    actions = ActionFactory.create_batch(WRITERS)
    started_at = _postmaster_start_time()

    outcomes: list[Outcome] = []
    lock = threading.Lock()
    stop = threading.Event()
    warm = threading.Barrier(WRITERS + READERS + 1)
    deadline = time.monotonic() + RUN_SECONDS

    def run(name, send):
        for number in range(MAX_REQUESTS_PER_THREAD):
            if stop.is_set() or time.monotonic() > deadline:
                break
            if number == WARM_UP_REQUESTS:
                try:
                    warm.wait(timeout=30)
                except threading.BrokenBarrierError:
                    pass
            begin = time.monotonic()
            try:
                outcome = send(number)
            except (OSError, http.client.HTTPException) as error:
                # Refused, reset, garbled: the server itself failed.
                outcome = (0, None, repr(error), None)
            with lock:
                outcomes.append(Outcome(name, begin, time.monotonic(), *outcome))
        if not warm.broken:
            warm.abort()  # a thread that ends early does not hold the others up

    def writer(action_pk, name):
        def send(number):
            marker = f"{name}-{number}"
            body = {
                "action": action_pk,
                "date": "2021-05-01",
                "status": "ongoing",
                "percentage": number % 101,
                "text": marker,
            }
            return (
                *_request(
                    server.port, "POST", "/api/v1/progress-updates/", token, body
                ),
                marker,
            )

        run(name, send)

    def reader(name):
        def send(number):
            path = f"/api/v1/actions/?page_size=2&page={number % 2 + 1}"
            return (*_request(server.port, "GET", path, token), None)

        run(name, send)

    threads = [
        threading.Thread(
            target=writer, args=(action.pk, f"schrijver{i}"), name=f"schrijver{i}"
        )
        for i, action in enumerate(actions)
    ] + [
        threading.Thread(target=reader, args=(f"lezer{i}",), name=f"lezer{i}")
        for i in range(READERS)
    ]
    names = {thread.name for thread in threads}

    def served_again(after):
        with lock:
            return {
                o.thread
                for o in outcomes
                if o.started > after and 200 <= o.status < 300
            }

    for thread in threads:
        thread.start()
    try:
        try:
            warm.wait(timeout=60)  # every thread has had its warm-up answers
        except threading.BrokenBarrierError:
            pytest.fail(f"no steady load before the restart: {outcomes[-5:]}")
        restart_began = time.monotonic()
        restart = subprocess.run(
            restart_command,
            capture_output=True,
            text=True,
            timeout=90,
            stdin=subprocess.DEVNULL,
        )
        restart_ended = time.monotonic()
        # Go on for a second, and until every thread has been served again (20 s).
        while time.monotonic() < restart_ended + 1 or (
            time.monotonic() < restart_ended + 20
            and served_again(restart_ended) != names
        ):
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=HTTP_TIMEOUT + 5)
    assert not any(thread.is_alive() for thread in threads)
    assert restart.returncode == 0, restart.stdout + restart.stderr

    during = [
        o for o in outcomes if o.started < restart_ended and o.ended > restart_began
    ]
    unavailable = [o for o in outcomes if o.status == 503]
    acknowledged = [o for o in outcomes if o.status == 201]
    seconds = max(o.ended for o in outcomes) - min(o.started for o in outcomes)
    statuses = Counter(o.status for o in outcomes)
    print(
        f"\n{len(outcomes)} requests in {seconds:.1f} s "
        f"({len(outcomes) / seconds:.0f}/s); restart took "
        f"{restart_ended - restart_began:.2f} s, {len(during)} requests during it; "
        f"answers {dict(sorted(statuses.items()))}; "
        f"writes acknowledged {len(acknowledged)}"
    )
    log_tail = server.log.read_text(errors="replace")[-3000:]

    assert _postmaster_start_time() > started_at, "the server was not restarted"
    assert during, "no request was under way during the restart"
    assert served_again(restart_ended) == names, "not every client was served again"
    wrong = [o for o in outcomes if o.status not in (200, 201, 503)]
    assert not wrong, (wrong[:5], log_tail)
    for outcome in unavailable:
        assert outcome.retry_after and int(outcome.retry_after) > 0
        assert outcome.data["detail"].startswith("De IVP-tracker kan zijn database")
    kept = set(
        ProgressUpdate.objects.filter(
            pk__in=[o.data["id"] for o in acknowledged]
        ).values_list("text", flat=True)
    )
    assert kept == {o.marker for o in acknowledged}
