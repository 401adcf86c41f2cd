"""Actions, their progress updates, and the meetings they report to."""

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django_cte import CTE, with_cte
from simple_history.models import HistoricalRecords

from ivp.access import (
    ScopedQuerySet,
    is_beheerder,
    managed_plans,
    officer_organisation_ids,
    owned_actions,
)
from ivp.periods import Precision, end_of_precision, format_period
from ivp.versioning import VersionedModel
from policies.models import Plan

from .status import (
    CLOSED_STATUSES,
    COMBINED_BY_MASK,
    STATUS_BIT,
    Status,
    combined_status,
)


class MeetingQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("plans",)

    def visible_to(self, user):
        # A meeting belongs to several plans: one row per meeting, not per plan.
        return self.filter(pk__in=super().visible_to(user).values("pk"))

    def changeable_by(self, user):
        """Meetings all of whose plans the user manages."""
        if is_beheerder(user):
            return self.all()
        managed = managed_plans(user)
        return self.filter(pk__in=super().changeable_by(user).values("pk")).exclude(
            plans__in=Plan.objects.exclude(pk__in=managed.values("pk"))
        )


class Meeting(VersionedModel):
    """A meeting (driehoek, WIV, LPO, ...) at which progress on actions is reported."""

    class Body(models.TextChoices):
        DRIEHOEK = "driehoek", _("driehoek")
        WIV = "wiv", _("WIV (integral safety working group)")
        LPO = "lpo", _("LPO (local police consultation)")
        TVO = "tvo", _("TVO (tactical safety consultation)")
        COUNCIL = "council", _("municipal council")
        OTHER = "other", _("other")

    body = models.CharField(_("body"), max_length=20, choices=Body.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    date = models.DateField(_("date"))
    preparation_deadline = models.DateField(
        _("preparation deadline"),
        null=True,
        blank=True,
        help_text=_("The date by which contributions must be in."),
    )
    municipalities = models.ManyToManyField(
        "policies.Organisation",
        verbose_name=_("municipalities"),
        related_name="meetings",
        blank=True,
        limit_choices_to={"kind": "municipality"},
    )
    plans = models.ManyToManyField(
        "policies.Plan", verbose_name=_("plans"), related_name="meetings", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[municipalities, plans])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["date", "body"]
        constraints = [
            models.CheckConstraint(
                condition=Q(preparation_deadline__isnull=True)
                | Q(preparation_deadline__lte=F("date")),
                name="meeting_preparation_before_meeting",
                violation_error_message=_(
                    "The preparation deadline cannot be after the meeting."
                ),
            ),
        ]

    def __str__(self):
        from django.utils import formats

        label = self.title or self.get_body_display().capitalize()
        return f"{label} {formats.date_format(self.date, 'SHORT_DATE_FORMAT')}"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            # A deadline written as this meeting moves with it, in the same transaction
            # (see Action.deadline_meeting). Each action is saved, not updated in bulk,
            # so that its version and history say that its deadline changed.
            for action in self.deadline_actions.exclude(deadline=self.date):
                action.deadline_meeting = self
                action.save()


def meeting_named_by_deadline(
    text: str, day: dt.date | None, precision: str, meetings
) -> Meeting | None:
    """The driehoek that a deadline as written names ("9 september Oldebroek", "voor
    de driehoek van 9 september"), among `meetings`: a driehoek on the deadline's day
    whose day and month the text says in Dutch. A text naming another day (the
    source's "18 februari" moved to the driehoek of 11 February) names no meeting."""
    if day is None or precision != Precision.DAY or not text:
        return None
    with translation.override("nl"):
        named = " ".join(formats.date_format(day, "j F").lower().split())
    if named not in " ".join(text.lower().split()):
        return None
    return next(
        (m for m in meetings if m.body == Meeting.Body.DRIEHOEK and m.date == day),
        None,
    )


def late_condition(day: dt.date, *, status: str = "status", prefix: str = "") -> Q:
    """Late on `day`: the deadline lay before `day` and the status (the field or
    annotation named `status`) is not closed. An action due on the last day of a
    quarter is not late in that quarter's report, and late in the next one.

    `Action.is_late()` says the same for one action in Python.
    """
    return Q(**{f"{prefix}deadline__lt": day}) & ~Q(
        **{f"{prefix}{status}__in": CLOSED_STATUSES}
    )


def added_condition(start: dt.date, end: dt.date, *, prefix: str = "") -> Q:
    """Unplanned actions added between start and end; one without a date of adding
    counts in the period of its deadline."""

    def q(**lookups):
        return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    return q(unplanned=True) & (
        q(added_on__range=(start, end))
        | q(added_on__isnull=True, deadline__range=(start, end))
    )


class _Lookup(Func):
    """CASE <expression> WHEN <key> THEN <value> ... END, for a table of constants.

    Django's Case(When(...)) writes the expression again in every WHEN; for the mask of
    an action's parts, a subquery of subqueries, that made the dashboard's queries 60 kB
    of SQL that took longer to build than to run. Here it is written once.
    """

    def __init__(self, expression, table: dict, output_field):
        super().__init__(expression, output_field=output_field)
        self.table = table

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        params = list(params)
        whens = []
        for key, value in self.table.items():
            whens.append("WHEN %s THEN %s")
            params += [key, value]
        return f"CASE {sql} {' '.join(whens)} END", params


def _status_bit(field: str):
    """The bit of the status in `field` (status.STATUS_BIT)."""
    return _Lookup(
        F(field),
        {str(status): bit for status, bit in STATUS_BIT.items()},
        output_field=IntegerField(),
    )


def _status_mask_on(day: dt.date):
    """Per action (OuterRef "pk"), the statuses of its parts on `day` as a bit mask:
    one part per trekker, or the action as a whole when it has none. A part's status is
    that of its latest update by `day` that is its own or the whole action's; not
    started without one (the caller asks this only of actions that have updates)."""
    not_started = Value(STATUS_BIT[Status.NOT_STARTED])

    def latest_bit(updates):
        return Coalesce(
            Subquery(
                updates.filter(date__lte=day)
                .order_by("-date", "-id")
                .annotate(bit=_status_bit("status"))
                .values("bit")[:1]
            ),
            not_started,
        )

    per_owner = (
        Action.owners.through.objects.filter(action=OuterRef("pk"))
        .annotate(
            part_bit=latest_bit(
                ProgressUpdate.objects.filter(action=OuterRef("action_id")).filter(
                    Q(organisation=OuterRef("organisation_id"))
                    | Q(organisation__isnull=True)
                )
            )
        )
        .values("action")
        .annotate(mask=Sum("part_bit", distinct=True))
        .values("mask")
    )
    whole = latest_bit(ProgressUpdate.objects.filter(action=OuterRef("pk")))
    return Coalesce(Subquery(per_owner), whole, output_field=IntegerField())


def _owner_count():
    """Per action (OuterRef "pk"), how many trekkers it has."""
    return Coalesce(
        Subquery(
            Action.owners.through.objects.filter(action=OuterRef("pk"))
            .values("action")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        Value(0),
    )


def _combined_percentage_on(day: dt.date):
    """Per shared action (OuterRef "pk"), `_combined_percentage` of its parts on `day`
    in SQL: the parts' one latest update's percentage when they share it, otherwise
    the rounded mean (done without a percentage 100, not started 0, cancelled left
    out); None when no part has an update by then."""

    def latest(field):
        return Subquery(
            ProgressUpdate.objects.filter(action=OuterRef("action_id"), date__lte=day)
            .filter(
                Q(organisation=OuterRef("organisation_id"))
                | Q(organisation__isnull=True)
            )
            .order_by("-date", "-id")
            .values(field)[:1]
        )

    parts = (
        Action.owners.through.objects.filter(action=OuterRef("pk"))
        .annotate(
            part_id=latest("pk"),
            part_status=latest("status"),
            part_pc=latest("percentage"),
        )
        .annotate(
            part_value=Case(
                When(part_status=Status.CANCELLED, then=Value(None)),
                When(part_pc__isnull=False, then=F("part_pc")),
                When(part_status=Status.DONE, then=Value(100)),
                When(
                    Q(part_status__isnull=True) | Q(part_status=Status.NOT_STARTED),
                    then=Value(0),
                ),
                default=Value(None),
                output_field=IntegerField(),
            )
        )
        .values("action")
        .annotate(
            n_parts=Count("pk"),
            n_updated=Count("part_id"),
            n_updates=Count("part_id", distinct=True),
            shared_pc=Max("part_pc"),
            mean=Avg("part_value"),
        )
        .annotate(
            combined=Case(
                When(n_updated=0, then=Value(None)),
                When(Q(n_updates=1) & Q(n_updated=F("n_parts")), then=F("shared_pc")),
                default=Cast(Floor(F("mean") + Value(0.5)), IntegerField()),
                output_field=IntegerField(),
            )
        )
        .values("combined")
    )
    return Subquery(parts, output_field=IntegerField())


def _combined_status_sql(mask):
    """combined_status() of the parts in `mask`, looked up in its table of all masks."""
    return _Lookup(
        mask,
        {
            bits: str(status)
            for status, masks in COMBINED_BY_MASK.items()
            for bits in masks
        },
        output_field=models.CharField(),
    )


class ActionQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("priority__plan",)
    # What with_latest_progress() adds to each row.
    LATEST_PROGRESS_FIELDS = (
        "latest_id",
        "latest_date",
        "latest_status",
        "latest_percentage",
        "latest_text",
        "latest_owners",
        "latest_shared_percentage",
    )

    def changeable_by(self, user):
        """All actions of plans the user manages, plus the actions their organisation owns."""
        if is_beheerder(user):
            return self.all()
        return self.filter(
            Q(pk__in=super().changeable_by(user).values("pk"))
            | Q(pk__in=owned_actions(user).values("pk"))
        )

    def for_plan(self, plan):
        return self.filter(priority__plan=plan)

    def covered_by(self, plan, year: int | None = None):
        """The actions `plan`'s figures of `year` hold (Plan.covered_plans): its own
        and, for an IVP, its programmes' of that year, or of every year without one.
        The dashboard counts them (PlanState) and its links list them (the plan's
        actions page, `?jaar=`), so a number and the list behind it are one query."""
        return self.filter(priority__plan__in=plan.covered_plans(year))

    def open(self):
        """Actions whose current status still makes a passed deadline matter."""
        return self.exclude(status__in=CLOSED_STATUSES)

    def as_of(self, day: dt.date, *, once: bool = False):
        """The actions in their plan on `day`, each with its state as known that day.

        This is the one answer to "what was the status at the end of Q2?" that the
        dashboard, the PDF reports, the meeting agenda, the API and the exports
        (`?as_of=`) ask. Adds `status_on` and `late_on` (see `late_condition`). Leaves
        out actions entered after `day` (`in_plan_since`).

        `status_on` is what Action.refresh_from_progress() would have stored that day:
        each trekker's part has the status of its latest update on or before `day`
        (its own or one for the action as a whole; none by then: not started), and
        `combined_status` makes one status of the parts; no updates at all: the status
        the plan's document gave. One subquery a row, however many trekkers.

        The current status is stored on the action (refresh_from_progress), so for
        today or later no subquery is needed.

        `once`: for a past day, work the status out once per row in a WITH clause
        (MATERIALIZED) that the query joins, for a query that names it several times
        (the dashboard's counts and lists: each condition, running count and filter).
        Django writes an annotation out again at every use, and that SQL took longer
        to build, plan and run than the query's reads. The clause holds every row of
        this queryset as filtered so far: filter to a bounded set (a plan's actions)
        BEFORE as_of, not after it.
        """
        queryset = self.filter(in_plan_since__lte=day)
        if day >= timezone.localdate():
            status_on = F("status")
        else:
            status_on = Case(
                When(
                    Exists(ProgressUpdate.objects.filter(action=OuterRef("pk"))),
                    then=_combined_status_sql(_status_mask_on(day)),
                ),
                default=F("status"),
                output_field=models.CharField(),
            )
            if once:
                day_status = CTE(
                    queryset.order_by().values("pk").annotate(day_status=status_on),
                    name="action_status_on_day",
                    materialized=True,
                )
                queryset = with_cte(
                    day_status, select=day_status.join(queryset, pk=day_status.col.pk)
                )
                status_on = day_status.col.day_status
        return queryset.annotate(status_on=status_on).annotate(
            late_on=ExpressionWrapper(
                late_condition(day, status="status_on"), output_field=BooleanField()
            )
        )

    def late(self, *, on: dt.date | None = None):
        """Actions late on `on` (default today): see `late_condition`."""
        return self.as_of(on or timezone.localdate()).filter(late_on=True)

    def with_latest_progress(self, *, on: dt.date | None = None):
        """Each action's latest progress update on or before `on` (default: any):
        `latest_id`, `latest_date`, `latest_status`, `latest_percentage` and
        `latest_text`.

        Five subqueries a row, each reading one index entry (progressupdate_latest);
        lists add them only for the rows they show.
        """
        updates = ProgressUpdate.objects.filter(action=OuterRef("pk"))
        if on is not None:
            updates = updates.filter(date__lte=on)
        updates = updates.order_by("-date", "-id")
        # A shared action's percentage is not its latest update's (one trekker's) but
        # that of its parts on the day: stored for today, asked in SQL for a past day.
        if on is None or on >= timezone.localdate():
            shared_percentage = F("percentage")
        else:
            shared_percentage = Case(
                When(
                    Exists(ProgressUpdate.objects.filter(action=OuterRef("pk"))),
                    then=_combined_percentage_on(on),
                ),
                default=F("percentage"),
                output_field=IntegerField(),
            )
        return self.annotate(
            latest_owners=_owner_count(),
            latest_shared_percentage=Case(
                When(latest_owners__gt=1, then=shared_percentage),
                default=Value(None),
                output_field=IntegerField(),
            ),
            latest_id=Subquery(updates.values("pk")[:1]),
            latest_date=Subquery(updates.values("date")[:1]),
            latest_status=Subquery(updates.values("status")[:1]),
            latest_percentage=Subquery(updates.values("percentage")[:1]),
            latest_text=Subquery(updates.values("text")[:1]),
        )

    def with_list_relations(self):
        """What every list of actions shows: plan, priority and organisations."""
        return self.select_related("priority__plan").prefetch_related("owners")


class Action(VersionedModel):
    """A concrete action (actiepunt, maatregel) with owners and a deadline."""

    priority = models.ForeignKey(
        "policies.Priority",
        verbose_name=_("priority"),
        related_name="actions",
        on_delete=models.CASCADE,
    )
    agreement = models.ForeignKey(
        "policies.Agreement",
        verbose_name=_("agreement"),
        related_name="actions",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The agreement this action carries out, if any."),
    )
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    item = models.CharField(
        _("item"),
        max_length=300,
        blank=True,
        help_text=_("The item/actiepunt heading."),
    )
    owners = models.ManyToManyField(
        "policies.Organisation",
        verbose_name=_("owners (trekker)"),
        related_name="owned_actions",
        blank=True,
    )
    owner_role = models.CharField(
        _("owner role or person"),
        max_length=300,
        blank=True,
        help_text=_("A role such as 'voorzitter WIV'; never a private person's data."),
    )
    partners = models.ManyToManyField(
        "policies.Organisation",
        verbose_name=_("partners"),
        related_name="partner_in_actions",
        blank=True,
    )
    internal_parties = models.CharField(
        _("internal parties"), max_length=500, blank=True, help_text=_("Departments.")
    )
    parties_text = models.TextField(_("parties as written"), blank=True)
    portfolio_holder = models.CharField(
        _("portfolio holder"),
        max_length=200,
        blank=True,
        help_text=_("E.g. Burgemeester."),
    )
    budget = models.DecimalField(
        _("budget (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    budget_text = models.CharField(_("budget as written"), max_length=300, blank=True)
    deadline = models.DateField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("For a month, quarter or year: its last day."),
    )
    deadline_precision = models.CharField(
        _("deadline precision"),
        max_length=10,
        choices=Precision.choices,
        default=Precision.DAY,
    )
    deadline_text = models.CharField(
        _("deadline as written"), max_length=300, blank=True
    )
    # "Voor de driehoek van 9 september": the deadline is that meeting's day. The date is
    # still stored in `deadline` (Action.save copies it, Meeting.save moves it), because
    # every question about lateness (late_condition, PlanState, the filters, the index
    # on status and deadline) compares `deadline`; reading the meeting's date instead
    # would put a join into each of them. SET_NULL: a meeting that is deleted leaves the
    # deadline on the day it last had.
    deadline_meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("deadline: meeting"),
        related_name="deadline_actions",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The deadline is this meeting and moves with it."),
    )
    meetings = models.ManyToManyField(
        Meeting,
        verbose_name=_("reported at"),
        related_name="actions",
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    percentage = models.PositiveSmallIntegerField(
        _("percentage done"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    last_update_on = models.DateField(_("last progress update"), null=True, blank=True)
    unplanned = models.BooleanField(
        _("unplanned"),
        default=False,
        help_text=_("Added during the year (onvoorzien)."),
    )
    added_on = models.DateField(_("added on"), null=True, blank=True)
    added_on_precision = models.CharField(
        _("added on precision"),
        max_length=10,
        choices=Precision.choices,
        default=Precision.DAY,
    )
    # What a report of a past period holds: an action entered today does not belong to
    # the state of the plan in 2021. Seeds and imports of a programme set the start of
    # the plan (or, for an unplanned action, the day it was added).
    in_plan_since = models.DateField(
        _("in the plan since"),
        default=timezone.localdate,
        help_text=_(
            "The first day on which this action belonged to the plan. Reports of "
            "periods before it leave the action out."
        ),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("Remarks, e.g. where the source contradicts itself."),
    )
    # The plan cycle: an unfinished action of last year's programme lives on as a new
    # action of next year's programme; its history stays with the old one.
    carried_over_from = models.ForeignKey(
        "self",
        verbose_name=_("carried over from"),
        related_name="carried_over_to",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The action of an earlier programme this action continues."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[owners, partners, meetings])

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["priority__plan", "priority__sort_key", "position", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="action_status_deadline")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(percentage__isnull=True) | Q(percentage__lte=100),
                name="action_percentage_at_most_100",
                violation_error_message=_("A percentage cannot be above 100."),
            ),
            models.CheckConstraint(
                condition=Q(unplanned=True) | Q(added_on__isnull=True),
                name="action_added_on_only_when_unplanned",
                violation_error_message=_(
                    "Only an unplanned action has a date on which it was added."
                ),
            ),
        ]

    def __str__(self):
        return self.title if len(self.title) <= 80 else self.title[:79] + "…"

    def clean(self):
        if (
            self.agreement_id
            and self.priority_id
            and (self.agreement.priority_id != self.priority_id)
        ):
            raise ValidationError(
                {"agreement": _("The agreement must belong to the same priority.")}
            )
        if (
            self.deadline_meeting_id
            and self.priority_id
            and not self.deadline_meeting.plans.filter(
                pk=self.priority.plan_id
            ).exists()
        ):
            raise ValidationError(
                {"deadline_meeting": _("Choose a meeting of this action's plan.")}
            )

    def save(self, *args, **kwargs):
        # Every write path (admin, API, pages, seeds) stores a month, quarter or year
        # deadline as its last day, the day from which it is late.
        if self.deadline_meeting_id is not None:
            self.deadline = self.deadline_meeting.date
            self.deadline_precision = Precision.DAY
        if self.deadline is not None:
            self.deadline = end_of_precision(self.deadline, self.deadline_precision)
        return super().save(*args, **kwargs)

    def percentage_as_of(self, latest_date, latest_percentage) -> int | None:
        """The percentage done on a day, given the latest progress update by then
        (with_latest_progress(on=day)): that update's; with no update by then, the one
        the plan's document gave, unless all progress came later. A shared action: its
        parts' percentage on that day (`latest_shared_percentage`)."""
        if getattr(self, "latest_owners", 0) > 1:
            return self.latest_shared_percentage
        if latest_date is not None:
            return latest_percentage
        return None if self.last_update_on else self.percentage

    def set_in_plan_since_from_document(self, plan) -> None:
        """For an action taken from the plan's document (seeds, imports): in the plan
        from its start, or an unplanned one from the day it was added."""
        if self.unplanned and self.added_on:
            self.in_plan_since = self.added_on
        else:
            self.in_plan_since = dt.date(plan.start_year, 1, 1)

    @property
    def deadline_display(self) -> str:
        return format_period(self.deadline, self.deadline_precision)

    def is_late(self, on: dt.date | None = None) -> bool:
        """`late_condition` for this action by its current status; rows that come from
        `as_of()` carry `late_on` for the day they were asked for."""
        on = on or timezone.localdate()
        return (
            self.deadline is not None
            and self.deadline < on
            and self.status not in CLOSED_STATUSES
        )

    def latest_progress_update(self) -> "ProgressUpdate | None":
        """The latest update (newest date, then newest entry), as
        ActionQuerySet.with_latest_progress() picks it in SQL."""
        return self.progress_updates.order_by("-date", "-id").first()

    def parts(self, updates=None) -> list["Part"]:
        """Each trekker's part of the action: its status, percentage and latest update
        (its own, or the latest one for the action as a whole). An action with no or
        one trekker has one part, the action as a whole, which follows its latest update.

        `updates`: the action's progress updates newest first, when the caller has them
        already (the action page); the owners come from `trekkers()`.
        """
        if updates is None and "progress_updates" in getattr(
            self, "_prefetched_objects_cache", {}
        ):
            updates = sorted(
                self.progress_updates.all(), key=lambda u: (u.date, u.pk), reverse=True
            )
        if updates is None:
            updates = list(self.progress_updates.order_by("-date", "-id"))
        owners = sorted(self.trekkers(), key=lambda o: o.name)
        if len(owners) <= 1:
            return [Part.of(None, updates[0] if updates else None, self)]
        parts = []
        for owner in owners:
            latest = next(
                (u for u in updates if u.organisation_id in (None, owner.pk)), None
            )
            parts.append(Part.of(owner, latest, self, any_updates=bool(updates)))
        return parts

    def split(self, updates=None) -> "Split | None":
        """For a shared action, its parts and how many trekkers are done ("1 van 6
        afgerond"); None for an action with one trekker or none."""
        if not self.is_shared:
            return None
        return Split(self.parts(updates))

    @property
    def is_shared(self) -> bool:
        """Several trekkers, each reporting its own part."""
        return len(self.trekkers()) > 1

    # Where a list that only shows the many-to-many relations prefetches them as plain
    # lists (Prefetch to_attr; the API's list): relation -> attribute. `listed()` reads.
    LISTED = {
        "owners": "owner_list",
        "partners": "partner_list",
        "meetings": "meeting_list",
    }

    def listed(self, relation: str) -> list:
        """A many-to-many relation (a key of LISTED) as prefetched into its list, else
        through the related manager, prefetched or not."""
        listed = getattr(self, self.LISTED[relation], None)
        return listed if listed is not None else list(getattr(self, relation).all())

    def trekkers(self) -> list:
        """The owners (trekkers), as `listed()` reads them."""
        return self.listed("owners")

    def record_progress(
        self,
        *,
        by,
        status: str,
        text: str,
        date: dt.date | None = None,
        percentage: int | None = None,
        organisation=None,
    ) -> "ProgressUpdate":
        """Record progress for the action as a whole, or for one trekker's part
        (`organisation`), as `by`; the action's status follows (ProgressUpdate.save).
        Raises ValidationError for what the model refuses."""
        update = ProgressUpdate(
            action=self,
            organisation=organisation,
            status=status,
            text=text,
            percentage=percentage,
            author=by,
            date=date or timezone.localdate(),
        )
        update.full_clean()
        update.save()
        return update

    def refresh_from_progress(self, *, by=None) -> None:
        """Take status and percentage from the progress updates, if there are any: the
        latest update's, or for a shared action the combination of its trekkers' parts
        (`parts`, `combined_status`).

        A change of status is a change of the action like any other: a save that bumps
        the version (someone editing the action from before it is told) and leaves a
        history record saying who (`by`, else the signed-in user) and when.
        """
        updates = list(self.progress_updates.order_by("-date", "-id"))
        if not updates:
            return
        parts = self.parts(updates)
        followed = (
            combined_status(part.status for part in parts),
            _combined_percentage(parts),
            updates[0].date,
        )
        with transaction.atomic():
            # The stored action, not this instance, which may be older than the
            # database: progress sets three fields and must not put back anything else.
            current = Action._base_manager.select_for_update().get(pk=self.pk)
            if (current.status, current.percentage, current.last_update_on) != followed:
                current.status, current.percentage, current.last_update_on = followed
                if by is not None:
                    current._history_user = by
                current.save()
        self.status, self.percentage, self.last_update_on = followed
        self.version = current.version


@dataclass(frozen=True)
class Part:
    """One trekker's part of an action (Action.parts); organisation None: the action
    as a whole."""

    organisation: object
    update: "ProgressUpdate | None"
    status: str
    percentage: int | None

    @classmethod
    def of(cls, organisation, update, action, *, any_updates=False) -> "Part":
        if update is not None:
            return cls(organisation, update, update.status, update.percentage)
        if any_updates:
            # Others have reported, this trekker not yet.
            return cls(organisation, None, Status.NOT_STARTED, None)
        return cls(organisation, None, action.status, action.percentage)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES


@dataclass(frozen=True)
class Split:
    """A shared action's parts, as the pages show them (Action.split)."""

    parts: list[Part]

    @property
    def total(self) -> int:
        return len(self.parts)

    @property
    def done(self) -> int:
        return sum(part.status == Status.DONE for part in self.parts)

    def of(self, organisation_ids) -> list[Part]:
        """The parts of these organisations (an officer's own part)."""
        return [p for p in self.parts if p.organisation.pk in organisation_ids]


def _combined_percentage(parts: list[Part]) -> int | None:
    """The percentage done of the action: its parts' latest update's when they share
    one; otherwise the mean of the parts that say it (a part done without a
    percentage counts as 100, one not started as 0), leaving out cancelled parts."""
    if len({id(part.update) for part in parts}) == 1:
        return parts[0].percentage
    known = []
    for part in parts:
        if part.status == Status.CANCELLED:
            continue
        if part.percentage is not None:
            known.append(part.percentage)
        elif part.status == Status.DONE:
            known.append(100)
        elif part.status == Status.NOT_STARTED:
            known.append(0)
    # Halves round up, as FLOOR(x + 0.5) does in _combined_percentage_on.
    return math.floor(sum(known) / len(known) + 0.5) if known else None


class ProgressUpdateQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("action__priority__plan",)

    def changeable_by(self, user):
        """Progress of the actions the user may change; of a trekker's part, only the
        progress of the user's own organisation unless they manage the plan."""
        changeable = self.filter(
            action__in=Action.objects.changeable_by(user).values("pk")
        )
        if is_beheerder(user):
            return changeable
        return changeable.filter(
            Q(organisation__isnull=True)
            | Q(organisation__in=officer_organisation_ids(user))
            | Q(action__priority__plan__in=managed_plans(user).values("pk"))
        )


class ProgressUpdate(VersionedModel):
    """A dated progress report on an action; the latest one sets the action's status."""

    action = models.ForeignKey(
        Action,
        verbose_name=_("action"),
        related_name="progress_updates",
        on_delete=models.PROTECT,
    )
    # Null: the action as a whole (an action with one trekker, and all history from
    # before actions were shared); else the trekker whose part this reports.
    organisation = models.ForeignKey(
        "policies.Organisation",
        verbose_name=_("for trekker"),
        related_name="progress_updates",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The trekker whose part this reports; empty: the whole action."),
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    percentage = models.PositiveSmallIntegerField(
        _("percentage done"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    text = models.TextField(_("progress"))
    # Progress texts stay internal unless marked public one by one (issue 18): only
    # then does a published plan's public page show this text (never its author).
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Show this progress text on the plan's public page."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        related_name="progress_updates",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ProgressUpdateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-date", "-id"]
        get_latest_by = ["date", "id"]
        # "The latest update of an action" (the pages' latest-progress subqueries, the
        # status refresh) reads one index entry instead of sorting the action's updates.
        indexes = [
            models.Index(
                fields=["action", "-date", "-id"], name="progressupdate_latest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(percentage__isnull=True) | Q(percentage__lte=100),
                name="progressupdate_percentage_at_most_100",
                violation_error_message=_("A percentage cannot be above 100."),
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_status_display()}"

    def clean(self):
        if (
            self.organisation_id is not None
            and self.action_id is not None
            and not self.action.owners.filter(pk=self.organisation_id).exists()
        ):
            raise ValidationError(
                {"organisation": _("Choose one of the action's trekkers.")}
            )

    def save(self, *args, **kwargs):
        with transaction.atomic():
            moved_from = None
            if self.pk is not None:
                moved_from = (
                    ProgressUpdate._base_manager.filter(pk=self.pk)
                    .exclude(action=self.action_id)
                    .values_list("action", flat=True)
                    .first()
                )
            super().save(*args, **kwargs)
            by = self._changed_by() or self.author
            self.action.refresh_from_progress(by=by)
            if moved_from is not None:
                # The action it was on follows its own latest update again.
                Action._base_manager.get(pk=moved_from).refresh_from_progress(by=by)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            self.action.refresh_from_progress(by=self._changed_by())
        return result

    def _changed_by(self):
        """Who is making this change: the admin's user, else the signed-in user.

        The same person django-simple-history records for the update itself; outside
        a request (a command) nobody, and the author of a new update stands in.
        """
        user = getattr(self, "_history_user", None)
        if user is None:
            request = getattr(HistoricalRecords.context, "request", None)
            user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None
