"""A user's own pages: the actions that need them, reminder settings, agenda feed."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ivp import access

from .feeds import agenda_feed
from .forms import ProgressForm
from .models import Action, Meeting, ReminderSettings
from .models.reminders import new_feed_token
from .reminders import RoundAlreadyOpen, may_open_round, round_open, round_status

DUE_SOON_DAYS = 30


def attention_actions(user, today: dt.date):
    """The user's own open actions that are late, due soon, or not updated since the
    plan's last meeting."""
    last_meeting = (
        Meeting.objects.filter(plans=OuterRef("priority__plan"), date__lt=today)
        .order_by("-date")
        .values("date")[:1]
    )
    own = Action.objects.changeable_by(user).filter(
        owners__in=access.officer_organisation_ids(user)
    )
    return (
        Action.objects.filter(pk__in=own.values("pk"))
        .open()
        .annotate(last_meeting=Subquery(last_meeting))
        .filter(
            Q(deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
            | Q(last_meeting__isnull=False, last_update_on__isnull=True)
            | Q(last_update_on__lt=F("last_meeting"))
        )
        .select_related("priority__plan")
        # The progress too: a shared action shows the officer's own part (Action.split).
        .prefetch_related("owners", "progress_updates")
        .order_by(F("deadline").asc(nulls_last=True), "pk")
    )


@login_required
def my_actions(request, *, form_for=None, invalid=None):
    today = timezone.localdate()
    actions = list(attention_actions(request.user, today))
    rows = []
    for action in actions:
        form = (
            invalid
            if form_for == action.pk
            else ProgressForm(
                prefix=f"a{action.pk}",
                initial={"status": action.status},
                action=action,
                user=request.user,
            )
        )
        if action.is_late(today):
            reason = _("overdue")
        elif action.deadline and action.deadline <= today + dt.timedelta(
            days=DUE_SOON_DAYS
        ):
            reason = _("due soon")
        else:
            reason = _("not updated since the last meeting")
        split = action.split()
        own = split.of(access.officer_organisation_ids(request.user)) if split else []
        if own and all(part.closed for part in own) and form_for != action.pk:
            # A shared action whose own part is finished needs this officer no more.
            continue
        rows.append(
            {
                "action": action,
                "form": form,
                "reason": reason,
                "split": split,
                "own_parts": own,
            }
        )
    return render(
        request,
        "actions/my_actions.html",
        {"rows": rows, "today": today},
        status=400 if invalid is not None else 200,
    )


@login_required
@require_POST
def quick_update(request, pk):
    action = get_object_or_404(Action.objects.changeable_by(request.user), pk=pk)
    form = ProgressForm(
        request.POST, prefix=f"a{action.pk}", action=action, user=request.user
    )
    if not form.is_valid():
        return my_actions(request, form_for=action.pk, invalid=form)
    form.save()
    messages.success(request, form.saved_message())
    return redirect(reverse("actions:my-actions") + f"#actie-{action.pk}")


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}


def _settings_for(user) -> ReminderSettings:
    return ReminderSettings.objects.get_or_create(user=user)[0]


@login_required
def reminder_settings(request):
    prefs = _settings_for(request.user)
    form = ReminderSettingsForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your reminder settings have been saved."))
        return redirect("actions:reminder-settings")
    feed_url = request.build_absolute_uri(
        reverse("actions:agenda-feed", args=[prefs.feed_token])
    )
    return render(
        request,
        "actions/reminder_settings.html",
        {"form": form, "feed_url": feed_url, "title": _("Reminders and agenda")},
    )


@login_required
@require_POST
def reset_feed(request):
    prefs = _settings_for(request.user)
    prefs.feed_token = new_feed_token()
    prefs.save(update_fields=["feed_token"])
    messages.success(
        request, _("Your agenda has a new address; the old address no longer works.")
    )
    return redirect("actions:reminder-settings")


@require_GET
def agenda(request, token):
    prefs = (
        ReminderSettings.objects.select_related("user")
        .filter(feed_token=token, user__is_active=True)
        .first()
    )
    if prefs is None:
        raise Http404
    response = HttpResponse(
        agenda_feed(prefs.user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="ivp-agenda.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
def progress_round(request, pk):
    """The progress round of a meeting: open it, and see who has and has not reported."""
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    may_open = may_open_round(request.user, meeting)
    if request.method == "POST":
        if not may_open:
            raise PermissionDenied  # the Dutch 403 page, as everywhere
        try:
            _round, sent = round_open(meeting=meeting, user=request.user)
            messages.success(
                request,
                _("The round is open: %(count)s owners have been asked to report.")
                % {"count": sent},
            )
        except RoundAlreadyOpen:
            messages.error(request, _("This meeting already has a progress round."))
        return redirect("actions:progress-round", meeting.pk)
    existing = getattr(meeting, "progress_round", None)
    rows = round_status(existing) if existing else []
    return render(
        request,
        "actions/progress_round.html",
        {
            "meeting": meeting,
            "round": existing,
            "rows": rows,
            "may_open": may_open,
            "n_updated": sum(row.updated for row in rows),
        },
    )
