"""Large imports off the request path: when an upload is imported by a worker, and how.

The programme import (actions.imports.programme_import) and the workbook import
(policies.workbook.import_plan) read a file, check every row and save in one
transaction; a file of thousands of rows holds a request for many seconds. With a real
queue (REDIS_URL) an upload larger than settings.IMPORT_QUEUE_BYTES therefore becomes an
`ImportJob`: its bytes wait in the database, a task (actions/tasks.py) runs the same
import, and the row keeps what the import page shows (the `outcome_*` dicts, shaped as
the page reads the live results). The preview and the saving are both such runs of the
same job, so the file is uploaded once. Small files, and every file where tasks run
eagerly (`make run`, the SQLite tests), go through the request as before.

Who may see a job is the import pages' rule (a programme's job only through the plan
it belongs to, which the user must be allowed to change; a workbook's the beheerder's):
no person is kept on the row; the user whose name the history records is passed to the
task, as the agenda PDF's is.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .imports import ImportError_, ImportPreview, programme_import
from .models import ImportJob

# A job still "bezig" this long after it started lost its worker (a restart, a crash).
STALE_AFTER = dt.timedelta(minutes=15)
# Finished jobs are kept this long (the page that shows their outcome), then pruned.
KEEP_FOR = dt.timedelta(days=1)


def _eager() -> bool:
    from .tasks import run_import

    return bool(run_import.app.conf.task_always_eager)


def queued(size: int) -> bool:
    """Whether an upload of `size` bytes is imported by a worker."""
    return size > settings.IMPORT_QUEUE_BYTES and not _eager()


def start(kind: str, *, data: bytes, filename: str, user, plan=None) -> ImportJob:
    """A job for an uploaded file, its preview handed to a worker."""
    ImportJob.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    job = ImportJob.objects.create(
        kind=kind,
        plan=plan,
        filename=filename[:255],
        content=data,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    _hand_over(job, user)
    return job


def confirm(job: ImportJob, *, user, create_organisations: bool = False) -> bool:
    """Save a job whose preview showed no problem (or only names, which the user chose
    to create as organisations): the same run once more, now saving. False when the
    job cannot be saved (still busy, failed, already saved)."""
    started = ImportJob.objects.filter(
        pk=job.pk,
        status=ImportJob.State.READY,
        content__isnull=False,
        outcome__confirmable=True,
    ).update(
        status=ImportJob.State.BUSY,
        commit=True,
        create_organisations=create_organisations,
        outcome=None,
        error="",
        started_at=timezone.now(),
        finished_at=None,
    )
    if started:
        _hand_over(job, user)
    job.refresh_from_db()
    return bool(started)


def state(job: ImportJob | None) -> dict:
    """What the waiting page and its status answer say about a job."""
    if job is None:
        return {
            "status": "weg",
            "message": _("This import is no longer there. Read the file in again."),
            "link": _("Read the file in again"),
        }
    if job.is_stale(STALE_AFTER):
        return {
            "status": ImportJob.State.FAILED,
            "message": _(
                "The import was interrupted and nothing was saved. "
                "Read the file in again."
            ),
            "link": _("Read the file in again"),
        }
    if job.status == ImportJob.State.FAILED:
        return {"status": job.status, "message": job.error, "link": _("Look again")}
    if job.status == ImportJob.State.READY:
        return {
            "status": job.status,
            "message": _("The file has been read."),
            "link": _("Show the result"),
        }
    if job.commit:
        message = _(
            "The import is being saved. This can take a minute; you can leave "
            "this page and come back."
        )
    else:
        message = _(
            "The file is being read and checked. This can take a minute; you can "
            "leave this page and come back."
        )
    return {"status": job.status, "message": message, "link": _("Look again")}


def _hand_over(job: ImportJob, user) -> None:
    from .tasks import run_import

    user_id = user.pk if user is not None else None
    # The worker must find the row: hand it over once the request's transaction
    # (ATOMIC_REQUESTS) has written it. Eager, on_commit runs it at once outside one.
    transaction.on_commit(lambda: run_import.delay(job.pk, user_id))


# --- the work (the task's) -------------------------------------------------------------


def run(job_id: int, user_id: int | None = None) -> None:
    """Run a job's import (preview, or saving) and keep its outcome.

    The import's own transaction is a savepoint inside this one, which also writes the
    outcome: a job says "saved" exactly when the rows are.
    """
    job = (
        ImportJob.objects.filter(pk=job_id, status=ImportJob.State.BUSY)
        .select_related("plan")
        .first()
    )
    if job is None or job.content is None:
        return  # finished, pruned or saved meanwhile
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        with translation.override(job.language), transaction.atomic():
            outcome = _import(job, bytes(job.content), user)
            done = {"status": ImportJob.State.READY, "outcome": outcome}
            if outcome.get("saved"):
                done["content"] = None  # the file has done its work: not kept
            ImportJob.objects.filter(pk=job.pk).update(
                **done, finished_at=timezone.now()
            )
    except Exception:
        with translation.override(job.language):
            error = _(
                "Something went wrong while reading this file; nothing was saved. "
                "Read the file in again."
            )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.State.FAILED, error=error, finished_at=timezone.now()
        )
        raise


def _import(job: ImportJob, data: bytes, user) -> dict:
    if job.kind == ImportJob.Kind.WORKBOOK:
        from policies.workbook import import_plan

        result = import_plan(data, user=user, filename=job.filename, commit=job.commit)
        return outcome_of_workbook(result)
    try:
        preview = programme_import(
            plan=job.plan,
            data=data,
            filename=job.filename,
            user=user,
            create_organisations=job.create_organisations,
            commit=job.commit,
        )
    except ImportError_ as error:
        return {"saved": False, "confirmable": False, "error": str(error)}
    return outcome_of_programme(preview)


# --- outcomes: what the import pages show, kept as JSON -----------------------------------


def _shown(value):
    """A value as the page prints it ("—" for an empty one, as its default filter)."""
    return str(formats.localize(value)) if value else ""


def outcome_of_programme(preview: ImportPreview) -> dict:
    """What templates/admin/policies/plan/import.html reads of a preview."""
    return {
        "saved": preview.saved,
        # Names that match no organisation may be confirmed: the page offers to
        # create them (create_organisations); problems in the rows may not.
        "confirmable": not preview.problems and not preview.saved,
        "preview": {
            "problems": [
                {"row": p.row, "column": p.column, "message": p.message}
                for p in preview.problems
            ],
            "unmatched_names": preview.unmatched_names,
            "creates": [parsed.title for parsed in preview.creates],
            "updates": [
                [
                    str(action),
                    {
                        name: [_shown(old), _shown(new)]
                        for name, (old, new) in changes.items()
                    },
                ]
                for action, changes in preview.updates
            ],
            "unchanged": preview.unchanged,
            "new_priorities": list(preview.new_priorities),
            "created_organisations": list(preview.created_organisations),
        },
    }


def outcome_of_workbook(result) -> dict:
    """What templates/admin/policies/plan/workbook_import.html reads of a result."""
    plan = result.plan
    return {
        "saved": result.saved,
        "confirmable": result.ok and not result.saved,
        "result": {
            "problems": [
                {
                    "sheet": p.sheet,
                    "row": p.row,
                    "column": p.column,
                    "text": str(p),
                }
                for p in result.problems
            ],
            "plan": None
            if plan is None
            else {
                # The preview's plan was rolled back: only a saved one has a page.
                "pk": plan.pk if result.saved else None,
                "title": plan.title,
                "slug": plan.slug,
            },
            "counts": result.counts,
            "created_organisations": list(result.created_organisations),
        },
    }


class ShownProblem(str):
    """A kept workbook problem as the page prints it: its sentence, and its parts."""

    def __new__(cls, kept: dict):
        problem = super().__new__(cls, kept["text"])
        problem.sheet, problem.row, problem.column = (
            kept["sheet"],
            kept["row"],
            kept["column"],
        )
        return problem


def workbook_result(outcome: dict) -> dict:
    result = dict(outcome["result"])
    result["problems"] = [ShownProblem(p) for p in result["problems"]]
    return result
