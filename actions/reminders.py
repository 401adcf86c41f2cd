"""Reminders: the product chases owners so that the officer does not have to.

`reminders_send(today=...)` (run daily by `manage.py send_reminders`, from cron) mails each
user ONE digest listing the actions that need them:

- preparation: the action is on the agenda of a meeting whose preparation deadline is
  14 or 2 days away ("update before the driehoek of 17 June, deadline 3 June");
- due in 14, 7 or 1 day(s); overdue (the day after the deadline, then weekly);
- stale: not updated for REMINDER_STALE_DAYS days (then every 14 days);
- escalation: to the plan's coordinators, 14 days after a deadline that passed without
  any progress update from the owners.

Who is asked: the users with an officer role in an organisation that owns the action and
who may change it under the permission rule (ivp/access.py) — nobody hears about another
municipality's action. Each user chooses daily, weekly (Mondays) or no mail.

Idempotent and safe to run concurrently: the digest row (user, day) is unique and is
inserted in the same transaction that sends the mail; a second run, or a concurrent one
waiting on that row, finds it and sends nothing. If sending fails the row is rolled back
and the next run tries again.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from ivp import access
from policies.models import Membership

from .models import (
    Action,
    Meeting,
    ProgressRound,
    ProgressUpdate,
    ReminderItem,
    ReminderMail,
    ReminderSettings,
    Status,
)

logger = logging.getLogger(__name__)

Reason = ReminderItem.Reason
DUE_REASONS = {14: Reason.DUE_14, 7: Reason.DUE_7, 1: Reason.DUE_1}
PREPARATION_LEAD_DAYS = (14, 2)
ESCALATION_AFTER_DAYS = 14


@dataclass(frozen=True)
class Item:
    action: Action
    reason: str
    meeting: Meeting | None = None


@dataclass
class SendReport:
    mails: int = 0
    items: int = 0
    skipped_already_sent: int = 0
    recipients: list[str] = field(default_factory=list)


def stale_days() -> int:
    return getattr(settings, "REMINDER_STALE_DAYS", 60)


def _open_actions():
    return (
        Action.objects.open()
        .select_related("priority__plan")
        .prefetch_related("owners", "meetings")
    )


def _reasons_for(action: Action, today: dt.date) -> list[Item]:
    items = []
    if action.deadline is not None:
        days_left = (action.deadline - today).days
        if days_left in DUE_REASONS:
            items.append(Item(action, DUE_REASONS[days_left]))
        elif action.is_late(today) and (-days_left - 1) % 7 == 0:
            items.append(Item(action, Reason.OVERDUE))
    reference = action.last_update_on or action.created_at.date()
    idle = (today - reference).days
    plan = action.priority.plan
    if (
        plan.start_year <= today.year <= plan.end_year
        and idle >= stale_days()
        and (idle - stale_days()) % 14 == 0
    ):
        items.append(Item(action, Reason.STALE))
    return items


def _preparation_items(today: dt.date) -> list[Item]:
    dates = [today + dt.timedelta(days=lead) for lead in PREPARATION_LEAD_DAYS]
    meetings = Meeting.objects.filter(preparation_deadline__in=dates).prefetch_related(
        "actions__priority__plan", "actions__owners"
    )
    return [
        Item(action, Reason.PREPARATION, meeting)
        for meeting in meetings
        for action in meeting.actions.all()
        if not Status(action.status).closed
    ]


def _escalations(today: dt.date):
    """Actions whose deadline passed ESCALATION_AFTER_DAYS ago without any update since."""
    deadline = today - dt.timedelta(days=ESCALATION_AFTER_DAYS)
    return (
        _open_actions()
        .filter(deadline=deadline)
        .annotate(last_update=Max("progress_updates__date"))
        .filter(Q(last_update__isnull=True) | Q(last_update__lte=deadline))
        .prefetch_related("priority__plan__coordinators")
    )


def _officers_by_org() -> dict[int, set]:
    """Organisation id -> the active users with an officer role there (one query)."""
    officers_by_org = defaultdict(set)
    memberships = Membership.objects.filter(
        role=access.Role.OFFICER, user__is_active=True
    ).select_related("user")
    for membership in memberships:
        officers_by_org[membership.organisation_id].add(membership.user)
    return officers_by_org


def _finished_parts(actions) -> dict[int, set[int]]:
    """Shared action pk -> the trekkers whose own part is closed (Action.parts), from
    the progress of all those actions in one query."""
    shared = [action for action in actions if action.is_shared]
    updates = defaultdict(list)
    for update in ProgressUpdate.objects.filter(action__in=shared).order_by(
        "-date", "-id"
    ):
        updates[update.action_id].append(update)
    return {
        action.pk: {
            part.organisation.pk
            for part in action.parts(updates[action.pk])
            if part.closed
        }
        for action in shared
    }


def _who_may_change(actions, officers_by_org) -> dict[int, set]:
    """Action pk -> the officers of its owners who may change it.

    The same answer as `user.has_perm("actions.change_action", action)` for each pair,
    asked once per officer for all their candidate actions (ActionQuerySet.changeable_by)
    instead of once per pair: on the national dataset a day's reminders went from 3,453
    queries to one per recipient.
    """
    candidates = defaultdict(set)  # officer -> pks of actions their organisation owns
    finished = _finished_parts(actions)
    for action in actions:
        for organisation in action.owners.all():
            if organisation.pk in finished.get(action.pk, ()):
                continue  # its part of a shared action is done: nothing to ask
            for user in officers_by_org.get(organisation.pk, ()):
                candidates[user].add(action.pk)
    allowed = defaultdict(set)
    for user, pks in candidates.items():
        for pk in (
            Action.objects.changeable_by(user)
            .filter(pk__in=pks)
            .values_list("pk", flat=True)
        ):
            allowed[pk].add(user)
    return allowed


def collect(today: dt.date) -> dict:
    """{user: [Item, ...]}: what each user should hear about today."""
    officers_by_org = _officers_by_org()
    per_user = defaultdict(dict)  # user -> {(action pk, reason): Item}
    candidates = [i for a in _open_actions() for i in _reasons_for(a, today)]
    candidates += _preparation_items(today)
    changers = _who_may_change({item.action for item in candidates}, officers_by_org)
    for item in candidates:
        for user in changers.get(item.action.pk, ()):
            per_user[user][(item.action.pk, item.reason)] = item
    for action in _escalations(today):
        for user in action.priority.plan.coordinators.filter(is_active=True):
            if user.has_perm("actions.view_action", action):
                per_user[user][(action.pk, Reason.ESCALATION)] = Item(
                    action, Reason.ESCALATION
                )
    return {user: list(items.values()) for user, items in per_user.items() if items}


def _wants_mail_today(user, today: dt.date) -> bool:
    prefs = ReminderSettings.objects.filter(user=user).first()
    frequency = prefs.frequency if prefs else ReminderSettings.Frequency.DAILY
    if frequency == ReminderSettings.Frequency.NEVER:
        return False
    if frequency == ReminderSettings.Frequency.WEEKLY:
        return today.weekday() == 0
    return True


def _message(user, items: list[Item], today: dt.date) -> EmailMultiAlternatives:
    order = {reason: index for index, reason in enumerate(Reason.values)}
    items = sorted(
        items, key=lambda i: (order[i.reason], i.action.deadline or dt.date.max)
    )
    groups = defaultdict(list)
    for item in items:
        groups[item.reason].append(item)
    context = {
        "user": user,
        "today": today,
        "groups": [
            (Reason(reason).label, groups[reason]) for reason in order if groups[reason]
        ],
        "site_url": getattr(settings, "SITE_URL", "http://127.0.0.1:8000"),
    }
    subject = ngettext(
        "IVP tracker: %(count)d action needs your attention",
        "IVP tracker: %(count)d actions need your attention",
        len(items),
    ) % {"count": len(items)}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("email/reminder_digest.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("email/reminder_digest.html", context), "text/html"
    )
    return message


def reminders_send(*, today: dt.date) -> SendReport:
    """Send today's digests; a second call on the same day sends nothing."""
    report = SendReport()
    with translation.override(settings.LANGUAGE_CODE):
        for user, items in sorted(
            collect(today).items(), key=lambda kv: kv[0].username
        ):
            if not user.email or not _wants_mail_today(user, today):
                continue
            try:
                with transaction.atomic():
                    mail = ReminderMail.objects.create(user=user, date=today)
                    ReminderItem.objects.bulk_create(
                        ReminderItem(
                            mail=mail,
                            action=i.action,
                            reason=i.reason,
                            meeting=i.meeting,
                        )
                        for i in items
                    )
                    _message(user, items, today).send()
            except IntegrityError:
                report.skipped_already_sent += 1
                continue
            logger.info(
                "reminder digest user=%s items=%d", user.get_username(), len(items)
            )
            report.mails += 1
            report.items += len(items)
            report.recipients.append(user.get_username())
    return report


class RoundAlreadyOpen(Exception):
    """A meeting has one progress round."""


def may_open_round(user, meeting: Meeting) -> bool:
    """Who keeps the meeting may open its round: who may change it, or a plan coordinator."""
    return (
        user.has_perm("actions.change_meeting", meeting)
        or meeting.plans.filter(coordinators=user).exists()
    )


def round_open(*, meeting: Meeting, user) -> tuple[ProgressRound, int]:
    """Open the round: each owner gets ONE mail now listing their items on the agenda."""
    deadline = meeting.preparation_deadline or meeting.date
    try:
        with transaction.atomic():
            progress_round = ProgressRound.objects.create(
                meeting=meeting, opened_by=user, deadline=deadline
            )
    except IntegrityError:
        raise RoundAlreadyOpen from None
    officers_by_org = _officers_by_org()
    per_user = defaultdict(list)
    agenda = list(
        meeting.actions.open()
        .select_related("priority__plan")
        .prefetch_related("owners")
    )
    changers = _who_may_change(agenda, officers_by_org)
    for action in agenda:
        for owner in changers.get(action.pk, ()):
            per_user[owner].append(Item(action, Reason.PREPARATION, meeting))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for owner, items in sorted(per_user.items(), key=lambda kv: kv[0].username):
            if owner.email:
                _message(owner, items, timezone.localdate()).send()
                sent += 1
    logger.info("progress round opened meeting=%s mails=%d", meeting.pk, sent)
    return progress_round, sent


@dataclass
class RoundRow:
    action: Action
    owners: str
    updated: bool
    # A shared action: the trekkers whose part has no update since the round opened.
    waiting: tuple[str, ...] = ()


def round_status(progress_round: ProgressRound) -> list[RoundRow]:
    """Per agenda item: has its owner reported since the round was opened? For a shared
    action, every trekker its own part (or someone the whole action)."""
    opened_on = timezone.localtime(progress_round.opened_at).date()
    actions = (
        progress_round.meeting.actions.select_related("priority")
        .prefetch_related("owners", "progress_updates")
        .order_by("priority__sort_key", "position")
    )
    rows = []
    for action in actions:
        split = action.split()
        waiting = tuple(
            part.organisation.name
            for part in (split.parts if split else ())
            if part.update is None or part.update.date < opened_on
        )
        rows.append(
            RoundRow(
                action=action,
                owners=", ".join(o.name for o in action.owners.all())
                or action.owner_role,
                updated=not waiting
                if split
                else bool(action.last_update_on and action.last_update_on >= opened_on),
                waiting=waiting,
            )
        )
    return rows
