""" "Programma voor <jaar> maken": next year's programme from this one (issue 17).

The page shows what actions.cycle.next_programme would create (the programme, its
priorities, the unfinished actions carried over) and saves nothing until the officer
confirms with a POST that names the year. Only who may change the whole programme
(ivp/access.py) may make the next one; others get 403, and what they may not see 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from actions.cycle import next_programme
from ivp import access
from policies.models import Plan


@login_required
def next_programme_page(request, pk):
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("parent"), pk=pk
    )
    if not access.can(request.user, access.CHANGE, plan):
        raise PermissionDenied
    preview = next_programme(plan)
    errors = list(preview.problems)
    status = 400 if errors and request.method == "POST" else 200
    if request.method == "POST" and not errors:
        # The button names the year it makes: a stale or hand-made POST makes nothing.
        if request.POST.get("jaar") != str(preview.year):
            errors = [
                _("Confirm making the programme for %(year)s with the button below.")
                % {"year": preview.year}
            ]
            status = 400
        else:
            try:
                made = preview.save(by=request.user)
            except ValidationError as refusal:
                errors, status = refusal.messages, 400
            else:
                messages.success(
                    request,
                    _(
                        "The programme “%(title)s” was made: %(priorities)s "
                        "priorities, %(actions)s actions carried over."
                    )
                    % {
                        "title": made.title,
                        "priorities": len(preview.priorities),
                        "actions": len(preview.actions),
                    },
                )
                return redirect("reports:plan", made.pk)
    return render(
        request,
        "reports/next_programme.html",
        {
            "plan": plan,
            "preview": preview,
            "errors": errors,
            "title": _("Programme for %(year)s") % {"year": preview.year},
        },
        status=status,
    )
