"""The beheerder's page to read a plan's workbook into this installation.

Preview first (every problem per sheet, row and column), save on confirmation; the
workbook waits in the session between the two steps, as the programme import's does.
A large workbook is read by a worker instead (actions/importjobs.py), and waits in its
job; the page says so until the worker is done (policies/importjob_admin.py).
"""

import base64

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from actions import importjobs
from actions.imports import MAX_IMPORT_BYTES, ImportError_, check_size
from actions.models import ImportJob
from ivp.access import is_beheerder

from . import importjob_admin
from .workbook import Problem, WorkbookImport, import_plan

SESSION_KEY = "ivp-workbook-import"


def workbook_import_view(model_admin, request):
    if not is_beheerder(request.user):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Import a plan (workbook)"),
        "max_mb": MAX_IMPORT_BYTES // 1024 // 1024,
    }
    if "taak" in request.GET:
        return importjob_admin.page(
            request,
            importjob_admin.find(request, ImportJob.Kind.WORKBOOK),
            context,
            template="admin/policies/plan/workbook_import.html",
            status_url=reverse("admin:policies_plan_workbook_import_status"),
            show=importjob_admin.workbook_outcome,
            saved=importjob_admin.workbook_saved,
        )
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "preview" and "file" in request.FILES:
            upload = request.FILES["file"]
            try:
                # Before reading: an oversized upload never enters memory.
                check_size(upload.size)
            except ImportError_ as error:
                result = WorkbookImport(problems=[Problem("", None, "", str(error))])
                context.update(result=result, filename=upload.name)
                return TemplateResponse(
                    request, "admin/policies/plan/workbook_import.html", context
                )
            if importjobs.queued(upload.size):
                job = importjobs.start(
                    ImportJob.Kind.WORKBOOK,
                    data=upload.read(),
                    filename=upload.name,
                    user=request.user,
                )
                return redirect(f"{request.path}?taak={job.pk}")
            data, filename = upload.read(), upload.name
        elif step == "confirm" and SESSION_KEY in request.session:
            stored = request.session[SESSION_KEY]
            data, filename = base64.b64decode(stored["data"]), stored["filename"]
        else:
            return redirect(request.path)
        result = import_plan(
            data, user=request.user, filename=filename, commit=step == "confirm"
        )
        if result.saved:
            request.session.pop(SESSION_KEY, None)
            messages.success(
                request,
                _("Imported the plan “%(title)s”.") % {"title": result.plan.title},
            )
            return redirect("admin:policies_plan_change", result.plan.pk)
        if result.ok:
            request.session[SESSION_KEY] = {
                "data": base64.b64encode(data).decode(),
                "filename": filename,
            }
        context.update(result=result, filename=filename)
    return TemplateResponse(
        request, "admin/policies/plan/workbook_import.html", context
    )


@require_GET
def workbook_import_status_view(request):
    """How a workbook import on the task queue stands, for its waiting page's script."""
    if not is_beheerder(request.user):
        raise PermissionDenied
    return importjob_admin.status(
        request, importjob_admin.find(request, ImportJob.Kind.WORKBOOK)
    )
