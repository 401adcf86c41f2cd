"""The import pages' side of an import run by a worker (actions/importjobs.py).

An upload the queue takes answers with a redirect to the import page with `?taak=<id>`;
that page says the file is being read (202, a status region report-status.js updates,
as the PDF reports' waiting page) and, once the worker is done, shows the same preview,
problems or success as an import in the request. The job is only ever looked up through
the page it belongs to: a programme's through its plan (which the import page has
found among the plans the user may change), a workbook's on the beheerder's page.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from actions import importjobs
from actions.models import ImportJob

WAITING = "admin/policies/plan/import_waiting.html"


def find(request, kind: str, plan=None) -> ImportJob | None:
    """The job `?taak=` names, if it is one of this page's (this kind, this plan)."""
    number = request.GET.get("taak", "")
    if not number.isdigit():
        return None
    return (
        ImportJob.objects.filter(pk=int(number), kind=kind, plan=plan)
        .defer("content")
        .first()
    )


def page(request, job, context, *, template, status_url, show, saved) -> object:
    """The import page of a job: the confirmation's start (POST), the waiting page, or
    the outcome the worker kept, shown as an import in the request shows it."""
    if job is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("step") == "confirm":
            importjobs.confirm(
                job,
                user=request.user,
                create_organisations=bool(request.POST.get("create_organisations")),
            )
        return redirect(request.get_full_path())
    state = importjobs.state(job)
    context["filename"] = job.filename
    if state["status"] == ImportJob.State.READY:
        if job.outcome.get("saved"):
            messages.success(request, saved(job.outcome))
            return redirect(_saved_url(job))
        context.update(show(job.outcome))
        return TemplateResponse(request, template, context)
    context.update(state=state, status_url=f"{status_url}?taak={job.pk}", job=job)
    response = TemplateResponse(
        request,
        WAITING,
        context,
        status=202 if state["status"] == ImportJob.State.BUSY else 200,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _saved_url(job) -> str:
    if job.kind == ImportJob.Kind.WORKBOOK:
        return reverse(
            "admin:policies_plan_change", args=[job.outcome["result"]["plan"]["pk"]]
        )
    return reverse("admin:policies_plan_change", args=[job.plan_id])


def status(request, job) -> JsonResponse:
    """How the job stands, for the waiting page's script (JSON)."""
    response = JsonResponse(importjobs.state(job))
    response["Cache-Control"] = "private, no-store"
    return response


# --- the two pages' outcomes, as their templates read them --------------------------


def programme_outcome(outcome: dict) -> dict:
    if "error" in outcome:
        return {"error": outcome["error"]}
    return {"preview": outcome["preview"]}


def programme_saved(outcome: dict) -> str:
    preview = outcome["preview"]
    return _("Imported: %(new)s new and %(changed)s changed actions.") % {
        "new": len(preview["creates"]),
        "changed": len(preview["updates"]),
    }


def workbook_outcome(outcome: dict) -> dict:
    return {"result": importjobs.workbook_result(outcome)}


def workbook_saved(outcome: dict) -> str:
    return _("Imported the plan “%(title)s”.") % {
        "title": outcome["result"]["plan"]["title"]
    }
