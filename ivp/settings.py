"""Settings for the IVP tracker, read from the environment (twelve-factor).

Development needs nothing set: DEBUG is on and the database is a SQLite file under var/.
Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (PostgreSQL).
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# A development key is only acceptable while DEBUG is on; production must bring its own.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "simple_history",
    "axes",
    "csp",
    "ivp",
    "policies",
    "actions",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ivp.middleware.SlidingSessionMiddleware",
    "ivp.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "ivp.audit.LogRefusalsMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ivp.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ivp.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "ivp.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A worker keeps its connection for a minute instead of connecting per request; the
    # health check (one "SELECT 1" before a request first uses it) replaces a connection
    # that died meanwhile, as after a database restart, instead of failing the request.
    # A request that still meets a lost database answers 503 (ivp/errors.py).
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # An unreachable database host answers 503 after 5 s rather than holding the worker
    # until gunicorn kills it (30 s). DATABASE_URL may say ?connect_timeout=N.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses to even check a password while the account or address is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Sign-in, and the user admin's permissions; nothing about the domain apps.
    "ivp.access.AccountBackend",
    # The one permission rule for plans, actions and everything in them (ivp/access.py).
    "ivp.access.AccessBackend",
]

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Dutch first, English available through Django's i18n.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The NL Design System CSS comes from npm (package.json; `make install` runs npm ci), as
# published: npm's postinstall puts the three files the pages use in one folder, because
# the packages' dist folders also hold CSS whose url() targets are not shipped, which
# collectstatic's manifest refuses.
STATICFILES_DIRS = [("nlds", BASE_DIR / "node_modules" / ".ivp-static" / "nlds")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security: strict in production, relaxed only where local HTTP development needs it.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

# Sessions end after inactivity (every request renews the clock) and with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# The idle timeout slides: ivp.middleware.SlidingSessionMiddleware refreshes the expiry
# at most once a minute instead of writing the session at every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy: only our own scripts, styles, images and fonts. The admin sets
# a few inline style attributes, hence 'unsafe-inline' for styles only; no inline scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Lock-out after repeated failed logins (BIO): 5 failures per username and address,
# for an hour; a success resets the count. Every lock-out is logged by django-axes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
# The template above with Retry-After, or a Dutch JSON detail, as the other error answers.
AXES_LOCKOUT_CALLABLE = "ivp.errors.lockout"

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # API issue: scripts use a personal token, the browser its session (with CSRF).
    # Token first, so that a request without credentials gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PAGINATION_CLASS": "policies.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Dutch details without internal names; errors outside DRF: ivp/errors.py.
    "EXCEPTION_HANDLER": "policies.api.base.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IVP-tracker API",
    "DESCRIPTION": "Plans, priorities, agreements, actions, progress, meetings and "
    "indicators of the integral safety policy. Authenticate with a session or with "
    "'Authorization: Token <key>' (make one at /api/token/).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a "status" or "kind": one clear name per choice set.
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "actions.models.Status",
        "PlanStatusEnum": "policies.models.Plan.Status",
        "PlanKindEnum": "policies.models.Plan.Kind",
        "PriorityKindEnum": "policies.models.Priority.Kind",
        "OrganisationKindEnum": "policies.models.Organisation.Kind",
        "PrecisionEnum": "ivp.periods.Precision",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Sign-ins, failures, lock-outs and refused authorisations: the security audit trail.
    "loggers": {
        "ivp.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes.apps": {"level": "WARNING"},
        # WeasyPrint logs every layout step of every PDF report at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# Mail (reminders). Development prints mail to the console; production sets EMAIL_URL,
# e.g. smtp+tls://user:password@smtp.gemeente.nl:587.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="IVP-tracker <noreply@ivp-tracker.local>"
)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# An action without progress for this many days is reported as stale.
REMINDER_STALE_DAYS = env.int("REMINDER_STALE_DAYS", default=60)

# Where the five source documents live (read by load_seeds' tests, never at run time).
SHARED_DIR = Path(env.str("IVP_SHARED_DIR", default=str(BASE_DIR.parent / "shared")))

# Scale-out parts: with REDIS_URL the task queue runs on Celery workers through Redis
# (ivp/celery.py); without it tasks run in-process and nothing else has to be started.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# An uploaded spreadsheet larger than this is imported by a worker while the page says
# so (actions/importjobs.py); smaller ones, and all of them without REDIS_URL, in the
# request. A programme of 1,000 actions is about 150 kB.
IMPORT_QUEUE_BYTES = env.int("IMPORT_QUEUE_BYTES", default=200 * 1024)


def redis_database(url: str, offset: int) -> str:
    """REDIS_URL with its database number moved up by offset (…/0 -> …/1)."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{number}"))


def redis_scale_out(url: str) -> dict:
    """The settings that let several app servers share one Redis (tests apply them too).

    Whatever one server keeps, all must see, and nothing may live only in one process
    or on one machine's disk.
    """
    return {
        "CACHES": {
            # Pages and charts kept under a plan's data version are shared by every
            # server (Django's own Redis backend). Its own Redis database beside the
            # queue's: cache.clear() empties a whole database and must not drop tasks.
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_database(url, 1),
                "KEY_PREFIX": "ivp",
            },
            # Sessions apart from the page cache: clearing the cache signs no one out.
            "sessions": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_database(url, 2),
                "KEY_PREFIX": "ivp-session",
            },
        },
        # A session made by one server is read by the next request on another, with no
        # database write per login or per refresh of the idle timeout.
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        "SESSION_CACHE_ALIAS": "sessions",
    }


if REDIS_URL:
    vars().update(redis_scale_out(REDIS_URL))
# Without REDIS_URL: Django's per-process memory cache and sessions in the database, as
# one process needs. Either way lock-outs hold on every server: django-axes keeps failed
# attempts in the database (its default AxesDatabaseHandler). Uploads over 2.5 MB are
# spooled to a temporary file for the one request that reads them, never kept.

# The day's reminders (actions.tasks.send_reminders) at 06:30 Amsterdam time, before
# the working day starts, run by `celery -A ivp beat` beside the workers. One beat per
# installation; a second one would do no harm: a day's digest is sent once per user
# (ReminderMail is unique per user and day).
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "actions.tasks.send_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
}
