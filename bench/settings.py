"""Settings of the benchmark's processes: the product's, with the benchmark's URLconf.

`bench/pages.py` sets DJANGO_SETTINGS_MODULE=bench.settings for its measuring process and
for the gunicorn it starts, so the do-nothing page of `bench/urls.py` exists there and
nowhere else.
"""

import os

from ivp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

if os.environ.get("IVP_BENCH_UNCACHED"):
    # Every page built, none kept: what the pages cost without the page cache.
    CACHES = {  # noqa: F811
        **globals().get("CACHES", {}),
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
