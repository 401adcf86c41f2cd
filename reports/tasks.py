"""The reports' tasks for the queue (ivp/celery.py): making a kept PDF report."""

from celery import shared_task

from . import queue


@shared_task
def make_report(report_id: int, user_id: int | None = None) -> None:
    """Make the kept report `report_id` (reports/queue.py); `user_id` is whose view an
    agenda shows, passed along and not kept."""
    queue.make(report_id, user_id)
