"""What the rows that a Celery task works on share (reports.KeptReport, the PDFs;
actions.ImportJob, the large imports)."""

import datetime as dt

from django.utils import timezone


class QueuedWork:
    """A row with a `State` (BUSY "bezig" until the task finishes it) and the moment
    its task started (`started_at`)."""

    def is_stale(self, after: dt.timedelta) -> bool:
        """Still busy longer than its task can take: the worker was lost, and the
        work may be started again."""
        return (
            self.status == self.State.BUSY and timezone.now() - self.started_at > after
        )
