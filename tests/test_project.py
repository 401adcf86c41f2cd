"""The project as a whole: migrations in step with the models, production settings safe."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "ivp.example.nl",
}


def test_deploy_check_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_dutch_first_with_english_available():
    assert settings.LANGUAGE_CODE == "nl"
    assert [code for code, _ in settings.LANGUAGES] == ["nl", "en"]
    assert settings.TIME_ZONE == "Europe/Amsterdam"


def _settings_with(env, *names):
    """Settings of a fresh process with this environment (settings are read once)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
            "DJANGO_SETTINGS_MODULE": "ivp.settings",
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_redis_url_cache_sessions_and_tasks_are_shared_through_redis():
    shared = _settings_with(
        {"REDIS_URL": "redis://redis.intern:6379/4"},
        "CACHES",
        "SESSION_ENGINE",
        "SESSION_CACHE_ALIAS",
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
    )
    caches = shared["CACHES"]
    assert caches["default"]["BACKEND"].endswith("RedisCache")
    # The queue in database 4, the cache in 5, sessions in 6: clearing one leaves the
    # others alone.
    assert shared["CELERY_BROKER_URL"] == "redis://redis.intern:6379/4"
    assert caches["default"]["LOCATION"] == "redis://redis.intern:6379/5"
    assert caches["sessions"]["LOCATION"] == "redis://redis.intern:6379/6"
    assert shared["SESSION_ENGINE"] == "django.contrib.sessions.backends.cache"
    assert shared["SESSION_CACHE_ALIAS"] == "sessions"
    assert shared["CELERY_TASK_ALWAYS_EAGER"] is False


def test_without_redis_url_everything_stays_in_one_process():
    alone = _settings_with(
        {"REDIS_URL": ""},  # also over a REDIS_URL in a developer's .env
        "CACHES",
        "SESSION_ENGINE",
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
    )
    assert alone["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert alone["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert alone["CELERY_BROKER_URL"] == "memory://"
    assert alone["CELERY_TASK_ALWAYS_EAGER"] is True
