"""Import jobs: an uploaded spreadsheet read (and saved) by a worker, and what came of it.

A large import takes longer than a request should (issue 19), so its file waits in the
database (several app servers, nothing on local disk) for a task (actions/tasks.py) to
read it. actions/importjobs.py decides when an upload goes this way and does the work;
this module only holds the rows.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ivp.queued import QueuedWork


class ImportJob(QueuedWork, models.Model):
    """An uploaded file being imported on the task queue, and the import's outcome."""

    class Kind(models.TextChoices):
        PROGRAMME = "programma", _("actions of a programme")
        WORKBOOK = "werkboek", _("a plan's workbook")

    class State(models.TextChoices):
        BUSY = "bezig", _("being read")
        READY = "klaar", _("ready")
        FAILED = "mislukt", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The plan the actions go into; none for a workbook, which makes a new plan. Who
    # may see the job follows from it (a programme's: who may change the plan; a
    # workbook's: the beheerder), so no person is kept. A job is a passing thing: it
    # goes with its plan.
    plan = models.ForeignKey(
        "policies.Plan",
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_jobs",
    )
    filename = models.CharField(_("file name"), max_length=255)
    # The upload itself; emptied once the import is saved.
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    # What the running step does: only read and check (the preview), or save.
    commit = models.BooleanField(_("save"), default=False)
    create_organisations = models.BooleanField(
        _("create unknown organisations"), default=False
    )
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.BUSY
    )
    # What the import page shows: the problems per sheet, row and column, or what will
    # be (or was) created and changed (actions.importjobs.outcome_*).
    outcome = models.JSONField(_("outcome"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="programma", plan__isnull=False)
                | Q(kind="werkboek", plan__isnull=True),
                name="import_job_programme_has_plan",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename} ({self.status})"
