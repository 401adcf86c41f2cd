"""Fixtures for tests that need the real scale-out parts: Redis, a Celery worker, gunicorn.

Imported by tests/conftest.py, so every test module can ask for them:

- ``redis_url``: a Redis server only for the tests. ``IVP_TEST_REDIS_URL`` when set
  (.ci/run sets it), otherwise a private ``redis-server`` on a free port, started once
  per test session without persistence. Without either the test is skipped, except
  under CI=true, where it fails. Each test starts with the databases it uses emptied.
- ``use_redis``: the test process itself on that Redis, as a server with REDIS_URL
  runs: the cache and sessions in Redis (``override_settings`` with
  ``ivp.settings.redis_scale_out``; Django rebuilds ``caches`` when CACHES changes) and
  Celery sending tasks to the broker instead of running them in-process. Use it when
  the test reads a cache or session that a server wrote, or sends a task to a worker.
- ``celery_worker``: a real ``celery -A ivp worker`` subprocess on that Redis and on
  pytest-django's TEST database (its name read from ``connection.settings_dict``), with
  CONN_MAX_AGE=0 so that pytest can drop the test database at the end; its mail goes to
  files in ``celery_worker.mail_dir`` (one file per message); it runs in an empty
  working directory (``celery_worker.cwd``). Stopped at teardown.
- ``app_server``: a factory; ``app_server()`` starts a gunicorn on a free port with
  REDIS_URL and the test database, in an empty working directory
  (``server.cwd``, to check that it keeps nothing on local disk). All are stopped at
  teardown.

Other processes only see committed data, so tests using ``celery_worker`` or
``app_server`` need ``transactional_db`` (both fixtures ask for it) and PostgreSQL:
pytest-django's SQLite test database lives in memory, where no other process can reach
it. On SQLite they are skipped (under CI=true conftest fails a run on SQLite anyway).
"""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30  # seconds for a server or worker to come up


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _missing(message: str):
    """Skip locally; under CI a missing part is a failure, so green means it ran."""
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(ready, process, log: Path, what: str):
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"{what} stopped:\n{_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not start in {START_TIMEOUT} s:\n{_tail(log)}")
        time.sleep(0.1)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def _stop(process: subprocess.Popen):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def _redis_server(tmp_path_factory):
    url = os.environ.get("IVP_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if not binary:
        _missing("needs Redis: set IVP_TEST_REDIS_URL or install redis-server")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    log = workdir / "redis.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                *("--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_until(lambda: _answers(port), process, log, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url(_redis_server):
    """The test Redis, its broker, cache and session databases emptied."""
    import redis

    from ivp.settings import redis_database

    for offset in range(3):  # ivp.settings.redis_scale_out: queue, cache, sessions
        redis.Redis.from_url(redis_database(_redis_server, offset)).flushdb()
    return _redis_server


@pytest.fixture
def use_redis(redis_url):
    """This process on the test Redis: cache, sessions and Celery as with REDIS_URL."""
    from django.core.cache import caches

    from ivp.celery import app
    from ivp.settings import redis_scale_out

    celery_conf = {
        "broker_url": redis_url,
        "result_backend": redis_url,
        "task_always_eager": False,
    }
    saved = {key: app.conf[key] for key in celery_conf}
    with override_settings(REDIS_URL=redis_url, **redis_scale_out(redis_url)):
        app.conf.update(celery_conf)
        _reset_celery_connections(app)
        try:
            yield redis_url
        finally:
            caches.close_all()
            app.conf.update(saved)
            _reset_celery_connections(app)


def _reset_celery_connections(app):
    """Celery keeps its producer pool and result backend once made; drop them so the
    next task uses the broker now configured."""
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def test_database_url() -> str:
    """DATABASE_URL of pytest-django's test database, for processes the test starts."""
    if connection.vendor != "postgresql":
        _missing(
            "other processes need PostgreSQL (the SQLite test database is in memory)"
        )
    db = connection.settings_dict
    return "postgres://{}:{}@{}:{}/{}".format(
        quote(db["USER"] or "", safe=""),
        quote(db["PASSWORD"] or "", safe=""),
        db["HOST"] or "127.0.0.1",
        db["PORT"] or 5432,
        quote(db["NAME"], safe=""),
    )


test_database_url.__test__ = False  # a helper, not a test


def server_environment(redis_url: str, **extra) -> dict:
    """The environment of a production process on the test database and Redis."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ivp.settings",
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_URL": test_database_url(),
        # No connection outlives its request or task: pytest drops the test database
        # at the end and cannot while another process holds a connection to it.
        "CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "scale-out-tests-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": "http://127.0.0.1",
        **extra,
    }


@pytest.fixture
def celery_worker(transactional_db, redis_url, tmp_path):
    """A real Celery worker on the test Redis and test database (see module doc)."""
    mail_dir = tmp_path / "worker-mail"
    mail_dir.mkdir()
    log = tmp_path / "celery-worker.log"
    name = f"ivp-test-{free_port()}@%h"
    # filemail:// + an absolute path: django-environ drops the first slash after "//".
    env = server_environment(redis_url, EMAIL_URL=f"filemail:///{mail_dir}")
    cwd = tmp_path / "worker"
    cwd.mkdir()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "ivp", "worker"),
                *("--loglevel", "INFO", "--hostname", name),
                # One task at a time is enough for a test and spares the two cores.
                *("--pool", "solo", "--concurrency", "1"),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_until(
            lambda: " ready." in log.read_text(errors="replace"),
            process,
            log,
            "celery worker",
        )
        yield SimpleNamespace(process=process, log=log, mail_dir=mail_dir, cwd=cwd)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def collected_static():
    """A production server (DEBUG off) serves the static files collectstatic listed in
    its manifest (whitenoise); without the manifest every page fails. Collected once,
    as a deployment does before it starts the servers."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "false", "SECRET_KEY": "collectstatic-only"},
        check=True,
    )


@pytest.fixture
def app_server(transactional_db, redis_url, tmp_path, collected_static):
    """Factory: ``app_server(workers=2)`` starts one more gunicorn (see module doc)."""
    started = []

    def start(workers: int = 2, **extra_env) -> SimpleNamespace:
        number = len(started) + 1
        port = free_port()
        cwd = tmp_path / f"server{number}"
        cwd.mkdir()
        log = tmp_path / f"gunicorn{number}.log"  # beside, not inside, its cwd
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "ivp.wsgi"),
                    *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                    *("--graceful-timeout", "5"),
                    # gunicorn's control socket is a file in $HOME, one path for all.
                    "--no-control-socket",
                ],
                cwd=cwd,
                env=server_environment(redis_url, **extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        started.append(process)
        _wait_until(lambda: _serves(port), process, log, f"gunicorn {number}")
        return SimpleNamespace(
            port=port, url=f"http://127.0.0.1:{port}", log=log, cwd=cwd
        )

    try:
        yield start
    finally:
        for process in started:
            _stop(process)


def _serves(port: int) -> bool:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        client.request("GET", "/api/v1/", headers={"Accept": "application/json"})
        return client.getresponse().status == 401  # up, and asking for credentials
    except OSError:
        return False
    finally:
        client.close()
