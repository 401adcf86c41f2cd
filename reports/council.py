"""The council's page of a plan: "Afspraken en resultaten" in a year.

Per priority of the plan's tree its objective and its agreements, each with the result
expected and the result achieved in the chosen year (and in the plan's other years), the
indicators against baseline and targets, and the year's summary. The summary and the
results are actions.annual.AnnualSummary, which the annual PDF prints: the page and the
report cannot disagree (tests/test_pages_council.py compares them). It only reads, for
everyone who may see the plan.
"""

from django import forms
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.annual import AnnualSummary
from ivp.periods import Period
from policies.models import Plan

from .views import dashboard_page, indicator_items, pdf_url


class YearForm(forms.Form):
    """?jaar=2021: a year of the plan."""

    jaar = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jaar"].choices = [
            (year, year) for year in range(plan.start_year, plan.end_year + 1)
        ]


@dashboard_page
def plan_results(request, pk):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    today = timezone.localdate()
    form = YearForm(request.GET or None, plan=plan)
    # The year the dashboard opens on, unless another year of the plan is asked for.
    year = Period.default_for(plan.start_year, plan.end_year, today).year
    if form.is_valid() and form.cleaned_data["jaar"]:
        year = form.cleaned_data["jaar"]
    summary = AnnualSummary(plan, year, user=request.user, today=today)
    return render(
        request,
        "reports/plan_results.html",
        {
            "plan": plan,
            "form": form,
            "year": year,
            "years": [choice for choice, _label in form.fields["jaar"].choices],
            "summary": summary,
            "indicators": indicator_items(request.user, plan, year),
            "pdf_annual": pdf_url("pdf:annual", plan.pk, year),
        },
    )
