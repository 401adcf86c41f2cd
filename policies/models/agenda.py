"""The local, regional and national agendas a plan aligns with, as lists of priorities.

An IVP names the priorities of the council, of the police unit's Regionaal Beleidsplan
and of the Landelijke Veiligheidsagenda it answers to ("aansluiting op de regionale en
landelijke prioriteiten"), and its own priorities serve some of them. The lists belong
to the plan that cites them: a plan quotes an agenda as it stood when it was written, and
who may change the plan may change what it quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import JSONArray
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ivp.access import ScopedQuerySet

YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]


class AgendaPriorityQuerySet(ScopedQuerySet, models.QuerySet):
    plan_lookups = ("plan",)

    def served(self) -> list[AgendaRow]:
        """Each agenda priority with the priorities that serve it, in reading order
        (the annual report's "aansluiting op de regionale en landelijke
        prioriteiten"): one query, the links joined in."""
        rows: dict[int, AgendaRow] = {}
        for values in self.order_by(
            *AgendaPriority._meta.ordering,
            "priorities__sort_key",
            "priorities__position",
            "priorities__id",
        ).values(
            "pk",
            "level",
            "agenda",
            "title",
            "kind",
            "issuer__name",
            "start_year",
            "end_year",
            "priorities__code",
            "priorities__title",
        ):
            row = rows.setdefault(
                values["pk"],
                AgendaRow(
                    values["level"],
                    values["agenda"],
                    values["title"],
                    values["kind"],
                    issuer=values["issuer__name"] or "",
                    period=year_span(values["start_year"], values["end_year"]),
                ),
            )
            if values["priorities__title"] is not None:
                code, title = values["priorities__code"], values["priorities__title"]
                row.served_by.append((code, title))
        return list(rows.values())


def year_span(start_year: int | None, end_year: int | None) -> str:
    """The years an agenda priority runs: "2020-2023", "2021" or "" (not stated)."""
    if start_year and end_year and start_year != end_year:
        return f"{start_year}-{end_year}"
    return str(start_year or end_year or "")


LEVEL_ORDER = ("local", "regional", "national")


class AgendaPriority(models.Model):
    """A priority on a local, regional or national safety agenda that a plan cites."""

    class Level(models.TextChoices):
        LOCAL = "local", _("local")
        REGIONAL = "regional", _("regional")
        NATIONAL = "national", _("national")

    class Kind(models.TextChoices):
        PRIORITY = "priority", _("priority")
        ATTENTION_POINT = "attention_point", _("attention point")

    plan = models.ForeignKey(
        "policies.Plan",
        verbose_name=_("plan"),
        related_name="agenda_priorities",
        on_delete=models.CASCADE,
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    agenda = models.CharField(
        _("agenda"),
        max_length=200,
        blank=True,
        help_text=_("The document, e.g. Regionaal Beleidsplan 2020."),
    )
    issuer = models.ForeignKey(
        "policies.Organisation",
        verbose_name=_("issued by"),
        related_name="agenda_priorities",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("E.g. the municipality, the safety region, the police unit."),
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.PRIORITY
    )
    start_year = models.PositiveSmallIntegerField(
        _("from year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    end_year = models.PositiveSmallIntegerField(
        _("until year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = AgendaPriorityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agenda priority")
        verbose_name_plural = _("agenda priorities")
        # Local before regional before national, as the IVPs list them.
        ordering = [
            "plan",
            models.Case(
                *(
                    models.When(level=level, then=rank)
                    for rank, level in enumerate(LEVEL_ORDER)
                ),
                output_field=models.IntegerField(),
            ),
            "position",
            "id",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "level", "agenda", "title"],
                name="agenda_priority_unique_per_plan",
                violation_error_message=_(
                    "This plan already cites this priority of this agenda."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(start_year__isnull=True)
                | Q(end_year__gte=F("start_year")),
                name="agenda_priority_end_year_not_before_start_year",
                violation_error_message=_(
                    "The end year cannot be before the start year."
                ),
            ),
        ]

    def __str__(self):
        if self.agenda:
            return f"{self.title} ({self.agenda})"
        return f"{self.title} ({self.get_level_display()})"

    @property
    def period(self) -> str:
        return year_span(self.start_year, self.end_year)


@dataclass
class AgendaRow:
    """An agenda priority and the plan's priorities that serve it: as shown ("1 Jeugd")
    and as (code, title) for the open-data downloads."""

    level: str
    agenda: str
    title: str
    kind: str
    issuer: str = ""
    period: str = ""
    served_by: list[tuple[str, str]] = field(default_factory=list)

    @property
    def priorities(self) -> list[str]:
        """The serving priorities as shown: "1 Jeugd" (the title alone without code)."""
        return [f"{code} {title}" if code else title for code, title in self.served_by]

    @property
    def level_label(self) -> str:
        return AgendaPriority.Level(self.level).label

    @property
    def kind_label(self) -> str:
        return AgendaPriority.Kind(self.kind).label


@dataclass(frozen=True)
class ThemeTag:
    """A VNG safety theme a priority is tagged with."""

    field_code: str
    name: str
    order: tuple


@dataclass(frozen=True)
class AgendaTag:
    """An agenda priority a priority serves."""

    level: str
    title: str
    agenda: str
    order: tuple

    @property
    def level_label(self) -> str:
        return AgendaPriority.Level(self.level).label


@dataclass
class Alignment:
    """What a priority aligns with: its VNG themes and the agenda priorities it serves,
    each in reading order."""

    themes: list[ThemeTag] = field(default_factory=list)
    agenda: list[AgendaTag] = field(default_factory=list)


class JSONList(models.Func):
    """The rows' values as one JSON array (SQLite json_group_array, PostgreSQL
    jsonb_agg). A function, not an Aggregate: in a subquery it sums up all the rows
    its filter leaves, without a GROUP BY."""

    function = "JSON_GROUP_ARRAY"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def alignment_annotations(plan_ref: str = "pk") -> dict:
    """Annotations for a Plan query: the theme and agenda links of the priorities of
    the plan and its programmes, as JSON (Alignments.from_json reads them). The page
    that loads the plan gets them in that query, at no query of their own."""
    from .plans import Plan, Priority  # the models module imports this one

    def links(through, *values):
        return Subquery(
            through.objects.filter(
                priority__plan__in=Plan.objects.family_of(OuterRef(OuterRef(plan_ref)))
            )
            .order_by()
            .annotate(links_json=JSONList(JSONArray("priority_id", *values)))
            .values("links_json")[:1]
        )

    return {
        "theme_links": links(
            Priority.safety_themes.through,
            "safetytheme__field_id",
            "safetytheme__name",
            "safetytheme__field__position",
            "safetytheme__position",
        ),
        "agenda_links": links(
            Priority.agenda_priorities.through,
            "agendapriority__level",
            "agendapriority__title",
            "agendapriority__agenda",
            "agendapriority__position",
            "agendapriority_id",
        ),
    }


@dataclass
class Alignments:
    """Per priority its Alignment: the VNG themes it is tagged with and the agenda
    priorities it serves."""

    by_priority: dict[int, Alignment]

    @classmethod
    def from_json(cls, theme_links, agenda_links) -> Alignments:
        """From a plan's alignment_annotations()."""
        by_priority: dict[int, Alignment] = {}
        for pk, field_code, name, field_position, position in theme_links or ():
            by_priority.setdefault(pk, Alignment()).themes.append(
                ThemeTag(field_code, name, (field_position, position))
            )
        for pk, level, title, agenda, position, agenda_pk in agenda_links or ():
            by_priority.setdefault(pk, Alignment()).agenda.append(
                AgendaTag(
                    level,
                    title,
                    agenda,
                    (LEVEL_ORDER.index(level), position, agenda_pk),
                )
            )
        for alignment in by_priority.values():
            alignment.themes.sort(key=lambda t: t.order)
            alignment.agenda.sort(key=lambda t: t.order)
        return cls(by_priority)

    def of(self, priority_id: int) -> Alignment:
        return self.by_priority.get(priority_id) or Alignment()

    def themes(self, field_code: str | None, priority_ids) -> list[str]:
        """The names of the themes of `field_code` that these priorities are tagged
        with, once each, in the VNG order (the dashboard's row per safety field)."""
        found = {
            theme
            for pk in priority_ids
            for theme in self.of(pk).themes
            if theme.field_code == field_code
        }
        return [theme.name for theme in sorted(found, key=lambda t: t.order)]
