"""Kept reports: a PDF as made for one plan (or meeting), period and data version.

A PDF takes 0.5 to 60 s to make, so it is made once, by a task (reports/tasks.py), and
kept in the database (several app servers share it; nothing on local disk) until the
plan's data version moves on. reports/queue.py decides which kept report answers a
request; this module only holds the rows.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ivp.queued import QueuedWork


class KeptReportQuerySet(models.QuerySet):
    def same_report(self, report: "KeptReport"):
        """Every version of the report `report` is one of: same kind, subject, period,
        language and audience, whatever its data version or day."""
        return self.filter(
            kind=report.kind,
            plan_id=report.plan_id,
            meeting_id=report.meeting_id,
            period=report.period,
            language=report.language,
            audience=report.audience,
        )


class KeptReport(QueuedWork, models.Model):
    """A generated PDF report, kept per plan or meeting, period and data version."""

    class Kind(models.TextChoices):
        QUARTERLY = "quarterly", _("quarterly progress report")
        ANNUAL = "annual", _("annual report")
        AGENDA = "agenda", _("agenda")

    class State(models.TextChoices):
        BUSY = "bezig", _("being made")
        READY = "klaar", _("ready")
        FAILED = "mislukt", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # A kept report is derived data: it goes with its plan or meeting.
    plan = models.ForeignKey(
        "policies.Plan",
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kept_reports",
    )
    meeting = models.ForeignKey(
        "actions.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kept_reports",
    )
    # "2021-K2", "2021"; empty for an agenda (its meeting is its period).
    period = models.CharField(_("period"), max_length=20, blank=True)
    # The day whose state the report shows (Period.state_day): today while the period
    # runs, so a running quarter's report is made anew each day.
    as_of = models.DateField(_("state as of"))
    data_version = models.CharField(_("data version"), max_length=64)
    language = models.CharField(_("language"), max_length=10)
    # Whose view of the subject the report shows, where that depends on the user (the
    # agenda lists only the plans the user may see): a fingerprint of those plans, no
    # user. Empty where everyone who may see the subject sees the same report.
    audience = models.CharField(_("audience"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.BUSY
    )
    content = models.BinaryField(_("PDF"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    # The HTTP status the error answers with (400, 413), as when made in the request.
    error_status = models.PositiveSmallIntegerField(
        _("error status"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = KeptReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("kept report")
        verbose_name_plural = _("kept reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, meeting__isnull=True)
                | Q(plan__isnull=True, meeting__isnull=False),
                name="kept_report_of_plan_or_meeting",
            ),
            # Two partial constraints: NULLs are distinct in a plain unique index, so
            # one over both subjects would let two requests make the same report.
            models.UniqueConstraint(
                fields=["kind", "plan", "period", "as_of", "data_version"]
                + ["language", "audience"],
                condition=Q(plan__isnull=False),
                name="kept_report_unique_per_plan",
            ),
            models.UniqueConstraint(
                fields=["kind", "meeting", "period", "as_of", "data_version"]
                + ["language", "audience"],
                condition=Q(meeting__isnull=False),
                name="kept_report_unique_per_meeting",
            ),
        ]

    def __str__(self):
        subject = (
            self.plan_id and f"plan {self.plan_id}" or f"meeting {self.meeting_id}"
        )
        return f"{self.get_kind_display()} {subject} {self.period} ({self.status})"
