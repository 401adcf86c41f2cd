"""A personal agenda feed (iCalendar) for Outlook and other calendars.

The URL carries a secret (ReminderSettings.feed_token) instead of a login, as calendar
clients cannot sign in; the user can reset it, which makes the old URL stop working.
The feed goes through the permission rule like every other path.
"""

import datetime as dt

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ivp import access

from .models import Action, Meeting


def _all_day(uid: str, summary: str, day: dt.date, description: str, url: str):
    event = icalendar.Event()
    event.add("uid", f"{uid}@ivp-tracker")
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("dtstamp", timezone.now())
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def agenda_feed(user) -> bytes:
    """The deadlines of the user's own actions and the meetings of the user's plans."""
    base = getattr(settings, "SITE_URL", "")
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//IVP-tracker//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "IVP-tracker")

    officer_orgs = access.officer_organisation_ids(user)
    actions = (
        Action.objects.changeable_by(user)
        .filter(owners__in=officer_orgs, deadline__isnull=False)
        .open()
        .select_related("priority__plan")
        .distinct()
    )
    for action in actions:
        url = base + reverse("admin:actions_action_change", args=[action.pk])
        calendar.add_component(
            _all_day(
                f"action-{action.pk}-deadline",
                f"Deadline: {action.title}",
                action.deadline,
                f"{action.priority.plan.title}\n{action.deadline_text or action.deadline_display}",
                url,
            )
        )
    for meeting in Meeting.objects.visible_to(user).prefetch_related("plans"):
        url = base + reverse("admin:actions_meeting_change", args=[meeting.pk])
        plans = ", ".join(plan.title for plan in meeting.plans.all())
        calendar.add_component(
            _all_day(f"meeting-{meeting.pk}", str(meeting), meeting.date, plans, url)
        )
        if meeting.preparation_deadline:
            calendar.add_component(
                _all_day(
                    f"meeting-{meeting.pk}-preparation",
                    f"Voorbereiding {meeting}",
                    meeting.preparation_deadline,
                    plans,
                    url,
                )
            )
    return calendar.to_ical()
