"""The task queue for slow work: PDFs, large imports and the daily reminders.

With REDIS_URL set, tasks go to Celery workers through Redis (`celery -A ivp worker`,
and `celery -A ivp beat` for the schedule). Without it (`make run`, the tests on
SQLite) tasks run in-process at once (CELERY_TASK_ALWAYS_EAGER), so nothing else has
to be started.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")

app = Celery("ivp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
