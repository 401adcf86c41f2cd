"""The officer's screens outside the admin: add and change an action, record its
progress, record an agreement's result for a year.

Every object comes from `visible_to(user)` (what the user may not see answers 404), a
user who sees it but may not change it gets 403, and every write runs in one
transaction (ATOMIC_REQUESTS, and a savepoint around the save so a refused save leaves
nothing behind). After saving: the action's page with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ivp import access
from ivp.versioning import StaleVersion
from policies.models import Agreement, Plan, Result

from .forms import ActionForm, ProgressForm, ResultForm
from .models import Action


def _changeable_action(user, pk) -> Action:
    action = get_object_or_404(
        Action.objects.visible_to(user).select_related("priority__plan"), pk=pk
    )
    if not access.can(user, access.CHANGE, action):
        raise PermissionDenied
    return action


def _posted(request):
    """The form's data: an empty POST is a form sent empty, not an unbound one."""
    return request.POST if request.method == "POST" else None


def _save(form, request):
    """Save the form in a savepoint; a save that lost a race (someone saved the same
    object meanwhile) puts the conflict on the form instead and writes nothing."""
    try:
        with transaction.atomic():
            return form.save()
    except StaleVersion as conflict:
        form.add_error(None, str(conflict))
        return None


@login_required
def action_add(request, pk):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    if not access.may_add_action(request.user, plan):
        raise PermissionDenied
    form = ActionForm(_posted(request), user=request.user, plan=plan)
    if request.method == "POST" and form.is_valid():
        action = _save(form, request)
        if action is not None:
            messages.success(
                request, _("The action “%(action)s” was added.") % {"action": action}
            )
            return redirect("reports:action", action.pk)
    return render(
        request,
        "actions/action_form.html",
        {"form": form, "plan": plan, "title": _("Add an action")},
        status=400 if form.is_bound else 200,
    )


@login_required
def action_edit(request, pk):
    action = _changeable_action(request.user, pk)
    plan = action.priority.plan
    form = ActionForm(_posted(request), instance=action, user=request.user, plan=plan)
    if request.method == "POST" and form.is_valid():
        if _save(form, request) is not None:
            messages.success(
                request, _("The action “%(action)s” was saved.") % {"action": action}
            )
            return redirect("reports:action", action.pk)
    return render(
        request,
        "actions/action_form.html",
        {"form": form, "plan": plan, "action": action, "title": _("Change action")},
        status=400 if form.is_bound else 200,
    )


@login_required
def progress_add(request, pk):
    action = _changeable_action(request.user, pk)
    form = ProgressForm(
        _posted(request),
        initial={"status": action.status},
        action=action,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()  # and the action follows its progress
        messages.success(request, form.saved_message())
        return redirect("reports:action", action.pk)
    return render(
        request,
        "actions/progress_form.html",
        {
            "form": form,
            "action": action,
            "plan": action.priority.plan,
            "latest": action.latest_progress_update(),
        },
        status=400 if form.is_bound else 200,
    )


def _year(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def default_result_year(plan, today) -> int:
    """The year a result is asked for first: the last year that has begun, within the
    plan's years."""
    return min(max(today.year - 1, plan.start_year), plan.end_year)


@login_required
def result_edit(request, pk):
    """The result of an agreement in one year of its plan: a new one, or the year's
    result changed (one result per agreement and year)."""
    agreement = get_object_or_404(
        Agreement.objects.visible_to(request.user).select_related("priority__plan"),
        pk=pk,
    )
    if not access.can(request.user, access.CHANGE, agreement):
        raise PermissionDenied
    plan = agreement.priority.plan
    year = _year(request.POST.get("year") or request.GET.get("jaar"))
    if year is None:
        year = default_result_year(plan, timezone.localdate())
    result = Result.objects.filter(agreement=agreement, year=year).first()
    form = ResultForm(
        _posted(request),
        instance=result or Result(agreement=agreement),
        initial={"year": year},
        agreement=agreement,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if not access.may_save(request.user, form.instance):
                    raise PermissionDenied
                saved = form.save()
        except IntegrityError:
            # Someone entered this year's result at the same moment.
            form.add_error(
                "year", _("This agreement already has a result for this year.")
            )
        else:
            messages.success(
                request,
                _("The result for %(year)s was saved.") % {"year": saved.year},
            )
            return redirect(
                reverse("entry:result", args=[agreement.pk]) + f"?jaar={saved.year}"
            )
    by_year = {r.year: r for r in agreement.results.all()}
    years = range(plan.start_year, plan.end_year + 1)
    return render(
        request,
        "actions/result_form.html",
        {
            "form": form,
            "agreement": agreement,
            "plan": plan,
            "year": year,
            "rows": [(y, by_year.get(y)) for y in years],
            "actions": list(agreement.actions.visible_to(request.user).order_by("pk")),
        },
        status=400 if form.is_bound else 200,
    )
