"""The plan's workbook as a download (policies.workbook makes it; this only wraps it)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from policies.models import Plan
from policies.workbook import export_plan

from .views import dashboard_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@dashboard_page
def plan_workbook(request, pk):
    """Everything of the plan the user may see, one sheet per kind (404 for a plan
    they may not see)."""
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(export_plan(plan, user=request.user), content_type=XLSX)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{plan.slug}-werkboek-{stamp}.xlsx"'
    )
    return response
