from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ivp.access import ScopedQuerySet
from ivp.formats import number, signed
from ivp.versioning import VersionedModel
from policies import indicators as standing

from .plans import YEAR_VALIDATORS


class IndicatorQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("plan",)


class IndicatorPartQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("indicator__plan",)


class Indicator(VersionedModel):
    """A figure a plan steers on (woninginbraken per year, victim rate), with baseline."""

    class Source(models.TextChoices):
        POLICE = "politie", _("police")
        CBS = "cbs", _("CBS")
        SAFETY_MONITOR = "veiligheidsmonitor", _("Veiligheidsmonitor")
        OWN = "own", _("own registration")
        OTHER = "other", _("other")

    class Direction(models.TextChoices):
        LOWER = "lower", _("lower is better")
        HIGHER = "higher", _("higher is better")

    plan = models.ForeignKey(
        "policies.Plan",
        verbose_name=_("plan"),
        related_name="indicators",
        on_delete=models.CASCADE,
    )
    priority = models.ForeignKey(
        "policies.Priority",
        verbose_name=_("priority"),
        related_name="indicators",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(
        _("unit"), max_length=50, blank=True, help_text=_("E.g. aantal or %.")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    area = models.CharField(
        _("area"),
        max_length=200,
        blank=True,
        help_text=_("The area the figures cover."),
    )
    municipality = models.ForeignKey(
        "policies.Organisation",
        verbose_name=_("municipality"),
        related_name="indicators",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": "municipality"},
        help_text=_(
            "For figures of one municipality; empty means the plan's municipalities together."
        ),
    )
    source_code = models.CharField(
        _("code in the source"),
        max_length=50,
        blank=True,
        help_text=_(
            "The series in the open data, e.g. the CBS crime type 1.1.1 "
            "(diefstal/inbraak woning), so figures can be read in automatically."
        ),
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices
    )
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline year"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("Leave empty when the source does not say."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="indicator_name_unique_per_plan",
                violation_error_message=_(
                    "This plan already has an indicator with this name."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.priority_id and self.plan_id and self.priority.plan_id != self.plan_id:
            raise ValidationError(
                {"priority": _("The priority must belong to the indicator's plan.")}
            )

    # Where the indicator stands, one answer for the dashboard, the charts and the PDF
    # reports (policies/indicators.py). `until_year`: judge with what was known then.
    # They read the prefetched `measurements` and `targets`, without queries of their own.

    def measurements_until(self, year: int | None = None) -> list["Measurement"]:
        return standing.measurements(self, year)

    def yearly_measurement(self, year: int) -> "Measurement | None":
        return standing.yearly_measurement(self, year)

    def latest_measurement(self, until_year: int | None = None) -> "Measurement | None":
        return standing.latest_measurement(self, until_year)

    def points(self, until_year: int | None = None) -> list[standing.Point]:
        return standing.points(self, until_year)

    def target_lines(self, until_year: int | None = None) -> list[standing.TargetLine]:
        return standing.target_lines(self, until_year)

    def assessment(self, until_year: int | None = None) -> standing.Assessment:
        return standing.assess(self, until_year)


class Target(models.Model):
    """A target value for an indicator: absolute, or a change in percent from a year."""

    class Kind(models.TextChoices):
        ABSOLUTE = "absolute", _("absolute value")
        RELATIVE = "relative", _("change in percent from the reference year")

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        related_name="targets",
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    reference_year = models.PositiveSmallIntegerField(
        _("reference year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    is_final = models.BooleanField(
        _("final target"), default=True, help_text=_("Unticked for an interim target.")
    )
    description = models.CharField(_("as written"), max_length=500, blank=True)

    objects = IndicatorPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="absolute") | Q(reference_year__isnull=False),
                name="target_relative_needs_reference_year",
                violation_error_message=_("A relative target needs a reference year."),
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.RELATIVE:
            return _("%(value)s%% in %(year)s compared with %(reference)s") % {
                "value": signed(self.value),
                "year": self.year,
                "reference": self.reference_year,
            }
        return _("%(value)s in %(year)s") % {
            "value": number(self.value),
            "year": self.year,
        }


class Measurement(models.Model):
    """The value of an indicator over one year, quarter or month."""

    class PeriodType(models.TextChoices):
        YEAR = "year", _("year")
        QUARTER = "quarter", _("quarter")
        MONTH = "month", _("month")

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        related_name="measurements",
        on_delete=models.PROTECT,
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    period_type = models.CharField(
        _("period"), max_length=10, choices=PeriodType.choices, default=PeriodType.YEAR
    )
    period_number = models.PositiveSmallIntegerField(
        _("quarter or month"),
        default=0,
        validators=[MaxValueValidator(12)],
        help_text=_("1-4 for a quarter, 1-12 for a month, 0 for a whole year."),
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    provisional = models.BooleanField(_("provisional"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = IndicatorPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["indicator", "year", "period_type", "period_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "period_type", "period_number"],
                name="measurement_one_per_period",
                violation_error_message=_(
                    "This indicator already has a measurement for this period."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(period_type="year", period_number=0)
                    | Q(
                        period_type="quarter",
                        period_number__gte=1,
                        period_number__lte=4,
                    )
                    | Q(
                        period_type="month", period_number__gte=1, period_number__lte=12
                    )
                ),
                name="measurement_period_number_fits_type",
                violation_error_message=_(
                    "Give quarter 1-4, month 1-12, or nothing for a whole year."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.period_label} = {number(self.value)}"

    @property
    def period_label(self) -> str:
        if self.period_type == self.PeriodType.QUARTER:
            return f"{self.year}-Q{self.period_number}"
        if self.period_type == self.PeriodType.MONTH:
            return f"{self.year}-{self.period_number:02d}"
        return str(self.year)
