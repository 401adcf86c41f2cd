"""Work that runs on a Celery worker (in-process without REDIS_URL, ivp/celery.py)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import importjobs
from .reminders import reminders_send


@shared_task(name="actions.tasks.send_reminders")
def send_reminders(day: str | None = None) -> dict:
    """The day's reminder digests, as `manage.py send_reminders` sends them.

    Celery beat starts it every morning (CELERY_BEAT_SCHEDULE in ivp/settings.py); a
    second run on the same day sends nothing twice (ReminderMail per user and day).
    """
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    report = reminders_send(today=today)
    return {
        "day": today.isoformat(),
        "mails": report.mails,
        "items": report.items,
        "already_sent": report.skipped_already_sent,
    }


@shared_task(name="actions.tasks.run_import")
def run_import(job_id: int, user_id: int | None = None) -> None:
    """Read (and, once confirmed, save) the uploaded file of import job `job_id`
    (actions/importjobs.py); `user_id` is who the history names, passed, not kept."""
    importjobs.run(job_id, user_id)
