"""Reminders: the product chases owners so that the officer does not have to.

`reminders_send(today=...)` (run daily by the Celery task `actions.tasks.send_reminders`,
which beat starts every morning, or by `manage.py send_reminders`) mails each user ONE
digest listing the actions that need them:

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

The day's selection is set-based: the database picks the due, overdue and stale actions
in one query (instead of reading every open action), and who may change them is asked
for all officers at once (access.PlanViewers), so the number of queries does not grow
with the actions or the recipients.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    DateField,
    ExpressionWrapper,
    Func,
    IntegerField,
    Max,
    Prefetch,
    Q,
    Value,
)
from django.db.models.functions import Coalesce, Mod, TruncDate
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from ivp import access
from policies.models import Membership, Organisation

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


class DaysSince(Func):
    """Whole days from a date expression to `day` (day − date), in SQL."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "(%(expressions)s)"  # PostgreSQL: date − date is a number of days

    def __init__(self, expression, day: dt.date):
        super().__init__(Value(day, output_field=DateField()), expression)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


# What a digest shows of an action (templates/email/reminder_digest.*) and what
# Action.parts() reads; the tests pin that no other field is read one row at a time.
DIGEST_FIELDS = (
    "title",
    "status",
    "percentage",
    "deadline",
    "deadline_precision",
    "priority__plan__title",
)


def _dated_items(today: dt.date) -> list[Item]:
    """Due, overdue and stale: one query picks the day's open actions and says why.

    - due: the deadline is 14, 7 or 1 day(s) away;
    - overdue: the deadline passed (late_condition), the day after and then weekly;
    - stale: no progress (or, without any, no change since it was entered) for
      REMINDER_STALE_DAYS days, then every 14 days, while its plan runs this year.
    """
    due_on = {today + dt.timedelta(days=days): r for days, r in DUE_REASONS.items()}
    last_sign = Coalesce("last_update_on", TruncDate("created_at", tzinfo=dt.UTC))
    overdue = Q(deadline__lt=today, overdue_phase=0)
    stale = Q(
        priority__plan__start_year__lte=today.year,
        priority__plan__end_year__gte=today.year,
        idle__gte=stale_days(),
        stale_phase=0,
    )
    actions = (
        Action.objects.open()
        .alias(
            overdue_phase=Mod(DaysSince("deadline", today) - 1, 7),
            idle=DaysSince(last_sign, today),
            stale_phase=Mod(DaysSince(last_sign, today) - stale_days(), 14),
        )
        .filter(Q(deadline__in=due_on) | overdue | stale)
        .annotate(is_overdue=_flag(overdue), is_stale=_flag(stale))
        .select_related("priority__plan")
        # Only what the digest and the parts of a shared action read: a national day
        # makes thousands of these objects, and filling every column of the action,
        # its priority and plan tripled the time spent in Python.
        .only(*DIGEST_FIELDS)
        .prefetch_related(Prefetch("owners", Organisation.objects.only("name")))
    )
    items = []
    for action in actions:
        if action.deadline in due_on:
            items.append(Item(action, due_on[action.deadline]))
        elif action.is_overdue:
            items.append(Item(action, Reason.OVERDUE))
        if action.is_stale:
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
        Action.objects.open()
        .filter(deadline=deadline)
        .annotate(last_update=Max("progress_updates__date"))
        .filter(Q(last_update__isnull=True) | Q(last_update__lte=deadline))
        .select_related("priority__plan")
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
    # By id: an IN list of thousands of model instances takes longer to compile in
    # Django than the query takes to run.
    for update in (
        ProgressUpdate.objects.filter(action__in=[action.pk for action in shared])
        .only("action_id", "organisation_id", "date", "status", "percentage")
        .order_by("-date", "-id")
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


def _who_may_change(actions, officers_by_org, viewers=None) -> dict[int, set]:
    """Action pk -> the officers of its owners who may change it.

    The same answer as `user.has_perm("actions.change_action", action)` for each pair,
    for all pairs at once (access.PlanViewers): the number of queries does not grow
    with the officers or the actions. `actions` come with their priority and owners.
    """
    actions = list(actions)
    if viewers is None:
        viewers = access.PlanViewers({a.priority.plan_id for a in actions})
    finished = _finished_parts(actions)
    allowed = defaultdict(set)
    for action in actions:
        for organisation in action.owners.all():
            if organisation.pk in finished.get(action.pk, ()):
                continue  # its part of a shared action is done: nothing to ask
            for user in officers_by_org.get(organisation.pk, ()):
                if viewers.changes_owned(user, action.priority.plan_id):
                    allowed[action.pk].add(user)
    return allowed


def collect(today: dt.date) -> dict:
    """{user: [Item, ...]}: what each user should hear about today."""
    officers_by_org = _officers_by_org()
    per_user = defaultdict(dict)  # user -> {(action pk, reason): Item}
    candidates = _dated_items(today) + _preparation_items(today)
    escalations = list(_escalations(today))
    viewers = access.PlanViewers(
        {item.action.priority.plan_id for item in candidates}
        | {action.priority.plan_id for action in escalations}
    )
    changers = _who_may_change(
        {item.action.pk: item.action for item in candidates}.values(),
        officers_by_org,
        viewers,
    )
    for item in candidates:
        for user in changers.get(item.action.pk, ()):
            per_user[user][(item.action.pk, item.reason)] = item
    for action in escalations:
        for user in action.priority.plan.coordinators.all():
            if viewers.sees(user, action.priority.plan_id):
                per_user[user][(action.pk, Reason.ESCALATION)] = Item(
                    action, Reason.ESCALATION
                )
    return {user: list(items.values()) for user, items in per_user.items() if items}


def _wants_mail_today(frequency: str | None, today: dt.date) -> bool:
    frequency = frequency or ReminderSettings.Frequency.DAILY
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
    per_user = collect(today)
    frequencies = dict(
        ReminderSettings.objects.filter(user__in=list(per_user)).values_list(
            "user_id", "frequency"
        )
    )
    with translation.override(settings.LANGUAGE_CODE):
        for user, items in sorted(per_user.items(), key=lambda kv: kv[0].username):
            if not user.email or not _wants_mail_today(frequencies.get(user.pk), today):
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
