"""Actions, their progress updates, and the meetings they report to."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ivp.access import ScopedQuerySet, is_beheerder, managed_plans, owned_actions
from ivp.periods import Precision, end_of_precision, format_period
from ivp.versioning import VersionedModel
from policies.models import Plan

from .status import CLOSED_STATUSES, Status


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


class ActionQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("priority__plan",)
    # What with_latest_progress() adds to each row.
    LATEST_PROGRESS_FIELDS = (
        "latest_id",
        "latest_date",
        "latest_status",
        "latest_percentage",
        "latest_text",
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

    def open(self):
        """Actions whose current status still makes a passed deadline matter."""
        return self.exclude(status__in=CLOSED_STATUSES)

    def as_of(self, day: dt.date):
        """The actions in their plan on `day`, each with its state as known that day.

        This is the one answer to "what was the status at the end of Q2?" that the
        dashboard, the PDF reports, the meeting agenda, the API and the exports
        (`?as_of=`) ask. Adds `status_on` (the status of the latest progress update on or before
        `day`; no update by then but later ones: not started; no updates at all: the
        status the plan's document gave) and `late_on` (see `late_condition`). Leaves
        out actions entered after `day` (`in_plan_since`).

        The current status is stored on the action (refresh_from_progress), so for
        today or later no subquery is needed.
        """
        queryset = self.filter(in_plan_since__lte=day)
        if day >= timezone.localdate():
            queryset = queryset.annotate(status_on=F("status"))
        else:
            updates = ProgressUpdate.objects.filter(action=OuterRef("pk"))
            queryset = queryset.annotate(
                status_on=Coalesce(
                    Subquery(
                        updates.filter(date__lte=day)
                        .order_by("-date", "-id")
                        .values("status")[:1]
                    ),
                    Case(
                        When(Exists(updates), then=Value(Status.NOT_STARTED)),
                        default=F("status"),
                    ),
                    output_field=models.CharField(),
                )
            )
        return queryset.annotate(
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
        return self.annotate(
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

    def save(self, *args, **kwargs):
        # Every write path (admin, API, pages, seeds) stores a month, quarter or year
        # deadline as its last day, the day from which it is late.
        if self.deadline is not None:
            self.deadline = end_of_precision(self.deadline, self.deadline_precision)
        return super().save(*args, **kwargs)

    def percentage_as_of(self, latest_date, latest_percentage) -> int | None:
        """The percentage done on a day, given the latest progress update by then
        (with_latest_progress(on=day)): that update's; with no update by then, the one
        the plan's document gave, unless all progress came later."""
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

    def refresh_from_progress(self, *, by=None) -> None:
        """Take status and percentage from the latest progress update, if there is one.

        A change of status is a change of the action like any other: a save that bumps
        the version (someone editing the action from before it is told) and leaves a
        history record saying who (`by`, else the signed-in user) and when.
        """
        latest = self.latest_progress_update()
        if latest is None:
            return
        with transaction.atomic():
            # The stored action, not this instance, which may be older than the
            # database: progress sets three fields and must not put back anything else.
            current = Action._base_manager.select_for_update().get(pk=self.pk)
            followed = (latest.status, latest.percentage, latest.date)
            if (current.status, current.percentage, current.last_update_on) != followed:
                current.status, current.percentage, current.last_update_on = followed
                if by is not None:
                    current._history_user = by
                current.save()
        self.status, self.percentage, self.last_update_on = followed
        self.version = current.version


class ProgressUpdateQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("action__priority__plan",)

    def changeable_by(self, user):
        """Progress of the actions the user may change."""
        return self.filter(action__in=Action.objects.changeable_by(user).values("pk"))


class ProgressUpdate(VersionedModel):
    """A dated progress report on an action; the latest one sets the action's status."""

    action = models.ForeignKey(
        Action,
        verbose_name=_("action"),
        related_name="progress_updates",
        on_delete=models.PROTECT,
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    percentage = models.PositiveSmallIntegerField(
        _("percentage done"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    text = models.TextField(_("progress"))
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
