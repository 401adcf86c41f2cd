import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ivp.access import ScopedQuerySet
from ivp.periods import Precision, format_period
from ivp.versioning import VersionedModel

YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]


class PlanQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("pk",)

    def published(self):
        """The plans anyone may read on the public site (/openbaar/)."""
        return self.filter(published=True)

    def family_of(self, plan):
        """The pks of `plan` and its programmes (`plan`: a pk or an OuterRef), for
        `priority__plan__in=`: the plan table read through its primary key and its
        parent index. The same test as an OR across the priority's join to its plan
        made PostgreSQL scan every priority in the country (10 ms a subquery)."""
        return self.filter(Q(pk=plan) | Q(parent=plan)).values("pk")


class Licence(models.TextChoices):
    """The open licences a municipality may publish its plan's figures under."""

    CC0 = "cc0-1.0", "CC0 1.0"
    CC_BY = "cc-by-4.0", "CC BY 4.0"
    ODBL = "odbl-1.0", "ODbL 1.0"

    @property
    def url(self) -> str:
        return LICENCE_URLS[self.value]


LICENCE_URLS = {
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
}


class Plan(VersionedModel):
    """A safety plan: a four-year IVP, a yearly programme, a regional strategy or report."""

    class Kind(models.TextChoices):
        IVP = "ivp", _("integral safety plan (IVP)")
        PROGRAMME = "programme", _("implementation programme")
        REGIONAL = "regional", _("regional strategy")
        PROGRESS_REPORT = "progress_report", _("progress report")

    class Status(models.TextChoices):
        CONCEPT = "concept", _("draft")
        ADOPTED = "adopted", _("adopted")
        COMPLETED = "completed", _("completed")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipalities = models.ManyToManyField(
        "policies.Organisation",
        verbose_name=_("municipalities"),
        related_name="plans",
        blank=True,
        limit_choices_to={"kind": "municipality"},
    )
    partners = models.ManyToManyField(
        "policies.Organisation",
        verbose_name=_("partners"),
        related_name="partner_in_plans",
        blank=True,
    )
    start_year = models.PositiveSmallIntegerField(
        _("start year"), validators=YEAR_VALIDATORS
    )
    end_year = models.PositiveSmallIntegerField(
        _("end year"), validators=YEAR_VALIDATORS
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent plan"),
        related_name="programmes",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The IVP that a yearly programme carries out."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONCEPT
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        related_name="coordinated_plans",
        blank=True,
        help_text=_(
            "Who keeps the plan going (e.g. the driehoek secretary); they hear about "
            "actions whose owners do not react."
        ),
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_by = models.CharField(
        _("adopted by"), max_length=100, blank=True, help_text=_("E.g. Gemeenteraad.")
    )
    description = models.TextField(_("description"), blank=True)
    # The local, regional and national agendas the plan cites: AgendaPriority
    # (policies/models/agenda.py), which its priorities link to.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Publishing is a choice (issue 18): nothing of a plan is public until it is
    # published, and then only the parts chosen here. Never persons: the public pages
    # (reports/public.py) name organisations and roles, no users.
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY
    )
    public_priorities = models.BooleanField(
        _("priorities and objectives are public"), default=True
    )
    public_agreements = models.BooleanField(
        _("agreements and results are public"), default=True
    )
    public_actions = models.BooleanField(
        _("actions with their status are public"), default=True
    )
    public_indicators = models.BooleanField(_("indicators are public"), default=True)

    objects = PlanQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[municipalities, partners])

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-start_year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")),
                name="plan_end_year_not_before_start_year",
                violation_error_message=_(
                    "The end year cannot be before the start year."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="plan_not_its_own_parent",
                violation_error_message=_("A plan cannot be its own parent."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def period(self) -> str:
        if self.start_year == self.end_year:
            return str(self.start_year)
        return f"{self.start_year}-{self.end_year}"

    def covered_plans(self, year: int | None):
        """The plans whose actions, agreements and indicators this plan's figures of
        `year` hold: the plan itself and, for an IVP, its programmes that run in that
        year ("the annual report of an IVP covers its programmes of that year").

        Only the programmes of that year: an unfinished action carried over to next
        year's programme lives on as a new action there, and counting last year's
        programme too would count it twice. Without a year (an IVP's list of all its
        actions), its programmes of every year. A list of ids for a plan without
        programmes (so its queries stay as they were), else a one-column subquery.
        """
        if self.kind != self.Kind.IVP:
            return [self.pk]
        if year is None:
            return Plan.objects.family_of(self.pk)
        return Plan.objects.filter(
            Q(pk=self.pk) | Q(parent=self, start_year__lte=year, end_year__gte=year)
        ).values("pk")

    @property
    def is_programme(self) -> bool:
        """A yearly programme of an IVP: the plan cycle makes next year's from it."""
        return self.kind == self.Kind.PROGRAMME and self.parent_id is not None

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS[self.licence]

    def set_published(self, published: bool, *, now=None) -> None:
        """Publish or take off the public site; the moment of publishing is kept while
        the plan stays published (the public pages state it)."""
        if published and not self.published:
            self.published_at = now or timezone.now()
        elif not published:
            self.published_at = None
        self.published = published


class SafetyField(models.Model):
    """One of the five VNG Kernbeleid Veiligheid fields a priority can align with."""

    code = models.SlugField(_("code"), max_length=30, primary_key=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("safety field (VNG)")
        verbose_name_plural = _("safety fields (VNG)")
        ordering = ["position"]

    def __str__(self):
        return self.name


class SafetyTheme(models.Model):
    """A theme of a VNG safety field ("Jeugdoverlast" in "Jeugd en veiligheid")."""

    field = models.ForeignKey(
        SafetyField,
        verbose_name=_("safety field"),
        related_name="themes",
        on_delete=models.PROTECT,
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("safety theme (VNG)")
        verbose_name_plural = _("safety themes (VNG)")
        ordering = ["field__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["field", "name"],
                name="safety_theme_name_unique_per_field",
                violation_error_message=_("This safety field already has this theme."),
            )
        ]

    def __str__(self):
        return self.name


def natural_sort_key(code: str) -> str:
    """A key that sorts codes naturally: 1 < 1.2 < 1.10 < 2 < a; codeless items last."""
    parts = re.findall(r"\d+|[^\W\d_]+", code.lower())
    if not parts:
        return "~"
    return ".".join(part.zfill(6) if part.isdigit() else part for part in parts)


class PriorityQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("plan",)

    def in_safety_field(self, code: str):
        """The priorities tagged with a VNG safety field: what the dashboard, the PDFs
        and the API (?veld=) mean by "the plan in that field"."""
        return self.filter(safety_fields=code)


class AgreementQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("priority__plan",)


class ResultQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("priority__plan", "agreement__priority__plan")


class Priority(VersionedModel):
    """A priority, theme or speerpunt of a plan; sub-priorities hang below their parent."""

    class Kind(models.TextChoices):
        PRIORITY = "priority", _("priority")
        STRATEGIC_THEME = "strategic_theme", _("strategic theme")
        OTHER = "other", _("other")

    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        related_name="priorities",
        on_delete=models.CASCADE,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent priority"),
        related_name="children",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    code = models.CharField(
        _("code"), max_length=20, blank=True, help_text=_('E.g. "1", "1.2" or "a".')
    )
    sort_key = models.CharField(max_length=100, editable=False, db_index=True)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Order of priorities without a code.")
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.PRIORITY
    )
    objective = models.TextField(_("objective"), blank=True)
    description = models.TextField(_("description"), blank=True)
    attention_points = models.TextField(_("attention points"), blank=True)
    regional_alignment = models.TextField(_("regional agenda (RBP)"), blank=True)
    national_alignment = models.TextField(
        _("national agenda (Landelijke Veiligheidsagenda)"), blank=True
    )
    safety_fields = models.ManyToManyField(
        SafetyField,
        verbose_name=_("VNG safety fields"),
        related_name="priorities",
        blank=True,
    )
    safety_themes = models.ManyToManyField(
        SafetyTheme,
        verbose_name=_("VNG safety themes"),
        related_name="priorities",
        blank=True,
    )
    agenda_priorities = models.ManyToManyField(
        "policies.AgendaPriority",
        verbose_name=_("serves agenda priorities"),
        related_name="priorities",
        blank=True,
        help_text=_(
            "The local, regional and national priorities of the plan's agendas this "
            "priority serves."
        ),
    )

    objects = PriorityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["plan", "sort_key", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                condition=~Q(code=""),
                name="priority_code_unique_per_plan",
                violation_error_message=_(
                    "This plan already has a priority with this code."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="priority_not_its_own_parent",
                violation_error_message=_("A priority cannot be its own parent."),
            ),
        ]
        # "A parent in the same plan" spans two rows, which a CHECK cannot see: migration
        # 0002 enforces it with a trigger on PostgreSQL and SQLite; clean() explains it.

    def __str__(self):
        return f"{self.code} {self.title}" if self.code else self.title

    def save(self, *args, **kwargs):
        self.sort_key = natural_sort_key(self.code)
        super().save(*args, **kwargs)

    @staticmethod
    def check_agenda_priorities(plan_id, agenda_priorities) -> None:
        """A priority serves the agenda priorities its own plan cites, no other plan's
        (the many-to-many is not on the instance while clean() runs: forms, the API and
        imports ask this with the values they are about to set)."""
        if any(a.plan_id != plan_id for a in agenda_priorities):
            raise ValidationError(
                {
                    "agenda_priorities": _(
                        "Only the agenda priorities its own plan cites can be chosen."
                    )
                }
            )

    def clean(self):
        if self.parent_id is None:
            return
        if self.plan_id and self.parent.plan_id != self.plan_id:
            raise ValidationError(
                {"parent": _("The parent priority must belong to the same plan.")}
            )
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": _("A priority cannot be placed below itself.")}
                )
            ancestor = ancestor.parent


class Agreement(VersionedModel):
    """An afspraak: what the partners commit to under a priority, and the result expected."""

    priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority"),
        related_name="agreements",
        on_delete=models.CASCADE,
    )
    text = models.TextField(_("agreement"))
    expected_result = models.TextField(_("expected result"), blank=True)
    planning = models.DateField(_("planning"), null=True, blank=True)
    planning_precision = models.CharField(
        _("planning precision"),
        max_length=10,
        choices=Precision.choices,
        default=Precision.DAY,
    )
    planning_text = models.CharField(
        _("planning as written"), max_length=200, blank=True
    )
    owners = models.ManyToManyField(
        "policies.Organisation",
        verbose_name=_("owners"),
        related_name="owned_agreements",
        blank=True,
    )
    partners = models.ManyToManyField(
        "policies.Organisation",
        verbose_name=_("partners"),
        related_name="partner_in_agreements",
        blank=True,
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[owners, partners])

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["priority__sort_key", "position", "id"]

    def __str__(self):
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    @property
    def planning_display(self) -> str:
        return format_period(self.planning, self.planning_precision)


class Result(models.Model):
    """The result achieved in a reporting year, for an agreement or a whole priority."""

    class Assessment(models.TextChoices):
        ACHIEVED = "achieved", _("achieved")
        PARTLY = "partly", _("partly achieved")
        NOT_ACHIEVED = "not_achieved", _("not achieved")

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        related_name="results",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority"),
        related_name="results",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    text = models.TextField(_("achieved result"))
    assessment = models.CharField(
        _("assessment"), max_length=20, choices=Assessment.choices, blank=True
    )

    objects = ResultQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("achieved result")
        verbose_name_plural = _("achieved results")
        ordering = ["year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(agreement__isnull=False, priority__isnull=True)
                    | Q(agreement__isnull=True, priority__isnull=False)
                ),
                name="result_for_agreement_or_priority",
                violation_error_message=_(
                    "A result belongs to either an agreement or a priority."
                ),
            ),
            models.UniqueConstraint(
                fields=["agreement", "year"],
                condition=Q(agreement__isnull=False),
                name="result_one_per_agreement_per_year",
                violation_error_message=_(
                    "This agreement already has a result for this year."
                ),
            ),
            models.UniqueConstraint(
                fields=["priority", "year"],
                condition=Q(priority__isnull=False),
                name="result_one_per_priority_per_year",
                violation_error_message=_(
                    "This priority already has a result for this year."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.year}: {self.get_assessment_display() or self.text[:60]}"

    @property
    def assessment_label(self) -> str:
        """The assessment in words; a result recorded without one is "reported"."""
        return self.get_assessment_display() or str(_("reported"))

    @property
    def badge(self) -> str:
        """The utrecht-status-badge modifier that shows the assessment on the pages."""
        return {
            self.Assessment.ACHIEVED: "success",
            self.Assessment.PARTLY: "warning",
            self.Assessment.NOT_ACHIEVED: "danger",
        }.get(self.assessment, "neutral")
