"""The safety picture: a municipality's indicator beside the rest of its safety region.

`region_comparison(indicators)` is the one answer to "how do the other municipalities of
this municipality's safety region score on the same figure?", for the dashboard, the
council page and the PDF reports. Two indicators are the same figure when they share
source, code in the source (the CBS or police series, e.g. crime type 1.1.1) and unit;
the same period is the same year, period type and number. An indicator's municipality is
its own (`Indicator.municipality`), else its plan's only municipality; an indicator of
several municipalities together has no place to compare and gets no comparison.

Only figures from public sources (police, CBS, Veiligheidsmonitor) are compared: they
are open data anyway, so the average of another municipality's plan tells a reader
nothing that plan's visibility would hide. A municipality's own registrations stay its
own.

Two queries, whatever the number of indicators and municipalities: the indicators'
municipalities with their regions, and the measurements of the same series in those
regions averaged per municipality and period in the database (a municipality
with two plans measuring the same series counts once). The average over municipalities
is taken per indicator, without its own municipality, from those rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Exists, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ivp.formats import number

from . import indicators as standing
from .models import Indicator, Measurement, Organisation, Plan

PUBLIC_SOURCES = (
    Indicator.Source.POLICE,
    Indicator.Source.CBS,
    Indicator.Source.SAFETY_MONITOR,
)


def _place(prefix: str = ""):
    """The municipality (an Organisation id) an indicator's figures are of: its own,
    else its plan's only municipality; NULL for a plan of several together."""
    only = (
        Plan.municipalities.through.objects.filter(plan_id=OuterRef(f"{prefix}plan_id"))
        .values("plan_id")
        .annotate(towns=Count("organisation_id"), town=Min("organisation_id"))
        .filter(towns=1)
        .values("town")
    )
    return Coalesce(f"{prefix}municipality_id", Subquery(only))


def _region_of(place: str, field: str):
    """The safety region (`field` of the municipality) of the annotation `place`."""
    return Subquery(
        Organisation.objects.filter(
            pk=OuterRef(place), kind=Organisation.Kind.MUNICIPALITY
        ).values(field)[:1]
    )


@dataclass(frozen=True)
class RegionFigure:
    """The average of the other municipalities of the region over one period."""

    year: int
    period_type: str
    period_number: int
    average: Decimal
    municipalities: int

    @property
    def point(self) -> standing.Point:
        return standing.Point.of(self)

    @property
    def period_label(self) -> str:
        return Measurement(
            year=self.year,
            period_type=self.period_type,
            period_number=self.period_number,
        ).period_label

    # Read as a measurement by Point.of (the chart's time axis).
    @property
    def value(self) -> Decimal:
        return self.average

    @property
    def provisional(self) -> bool:
        return False


@dataclass(frozen=True)
class RegionComparison:
    """An indicator's region: its name and, per period the indicator was measured in,
    the average of the other municipalities of the region that have that figure."""

    region: str
    figures: dict[tuple[int, str, int], RegionFigure] = field(default_factory=dict)

    def figures_until(self, until_year: int | None = None) -> list[RegionFigure]:
        found = [
            f
            for f in self.figures.values()
            if until_year is None or f.year <= until_year
        ]
        return sorted(found, key=lambda f: f.point.order)

    def figure_for(self, measurement) -> RegionFigure | None:
        if measurement is None:
            return None
        return self.figures.get(
            (measurement.year, measurement.period_type, measurement.period_number)
        )

    def label_for(self, figure: RegionFigure) -> str:
        """ "average region X (n municipalities)" for one period."""
        return ngettext(
            "average region %(region)s (%(n)s municipality)",
            "average region %(region)s (%(n)s municipalities)",
            figure.municipalities,
        ) % {"region": self.region, "n": figure.municipalities}

    def label(self, until_year: int | None = None) -> str:
        """The chart's legend: "average region X (n municipalities)", with the least
        and most municipalities where the periods differ."""
        known = self.figures_until(until_year)
        counts = sorted({f.municipalities for f in known})
        if not counts:
            return _("average region %(region)s") % {"region": self.region}
        if len(counts) == 1:
            return self.label_for(known[0])
        return _("average region %(region)s (%(low)s-%(high)s municipalities)") % {
            "region": self.region,
            "low": counts[0],
            "high": counts[-1],
        }

    def summary(self, indicator, until_year: int | None = None) -> str:
        """One sentence: the region's average beside the indicator's latest value, or
        that no other municipality of the region has figures for its periods; empty
        while the indicator has no figures of its own."""
        latest = indicator.latest_measurement(until_year)
        if latest is None:
            return ""  # nothing of its own to compare yet
        figure = self.figure_for(latest)
        if figure is None:
            known = self.figures_until(until_year)
            if not known:
                return _(
                    "No figures from other municipalities in safety region %(region)s."
                ) % {"region": self.region}
            figure = known[-1]
            latest = next(
                m
                for m in indicator.measurements_until(until_year)
                if (m.year, m.period_type, m.period_number)
                == (figure.year, figure.period_type, figure.period_number)
            )
        return ngettext(
            "%(period)s: %(value)s here, against an average of %(average)s in "
            "%(n)s other municipality of safety region %(region)s.",
            "%(period)s: %(value)s here, against an average of %(average)s in "
            "%(n)s other municipalities of safety region %(region)s.",
            figure.municipalities,
        ) % {
            "period": figure.period_label,
            "value": number(latest.value),
            "average": number(figure.average, max_decimals=1),
            "n": figure.municipalities,
            "region": self.region,
        }


def region_comparison(indicators) -> dict[int, RegionComparison]:
    """Per indicator id, its region and the other municipalities' averages; indicators
    that cannot be compared (no code in the source, not a public source, several
    municipalities together, a municipality without a region) are left out."""
    ids = [i.pk for i in indicators if i.source_code and i.source in PUBLIC_SOURCES]
    if not ids:
        return {}
    places = {
        row["pk"]: row
        for row in Indicator.objects.filter(pk__in=ids)
        .annotate(place=_place())
        .annotate(
            region=_region_of("place", "safety_region_id"),
            region_name=_region_of("place", "safety_region__name"),
        )
        .values("pk", "place", "region", "region_name")
        if row["region"] is not None
    }
    wanted = [i for i in indicators if i.pk in places]
    if not wanted:
        return {}
    series = Q()
    for indicator in wanted:
        series |= Q(
            indicator__source=indicator.source,
            indicator__source_code=indicator.source_code,
            indicator__unit=indicator.unit,
        )
    # key: (region, source, code, unit, period) -> {municipality: its average}
    values: dict[tuple, dict[int, Decimal]] = defaultdict(dict)
    rows = (
        Measurement.objects.filter(series)
        .annotate(place=_place("indicator__"))
        .annotate(region=_region_of("place", "safety_region_id"))
        .filter(region__in={row["region"] for row in places.values()})
        .values(
            "region",
            "place",
            "indicator__source",
            "indicator__source_code",
            "indicator__unit",
            "year",
            "period_type",
            "period_number",
        )
        .annotate(value=Avg("value"))
        .order_by()
    )
    for row in rows:
        key = (
            row["region"],
            row["indicator__source"],
            row["indicator__source_code"],
            row["indicator__unit"],
            row["year"],
            row["period_type"],
            row["period_number"],
        )
        values[key][row["place"]] = Decimal(str(row["value"]))

    comparisons = {}
    for indicator in wanted:
        own = places[indicator.pk]["place"]
        region = places[indicator.pk]
        figures = {}
        for m in indicator.measurements.all():
            period = (m.year, m.period_type, m.period_number)
            key = (
                region["region"],
                indicator.source,
                indicator.source_code,
                indicator.unit,
                *period,
            )
            others = [v for town, v in values.get(key, {}).items() if town != own]
            if others:
                figures[period] = RegionFigure(
                    *period, sum(others) / len(others), len(others)
                )
        comparisons[indicator.pk] = RegionComparison(region["region_name"], figures)
    return comparisons


def comparison_plans(plan_ids):
    """The plans whose measurements can feed the region comparison of the indicators
    of these plans (ids, or a one-column queryset): every plan with an indicator of
    the same series (a public source, its code, its unit). A one-column queryset, so
    a cache key (policies.dataversion) holds their versions in its own query. More
    plans than the region's, not fewer: a municipality that moves to another region
    must not leave a page showing the old average."""
    same_series = Indicator.objects.filter(
        plan__in=plan_ids,
        source=OuterRef("source"),
        source_code=OuterRef("source_code"),
        unit=OuterRef("unit"),
    )
    return (
        Indicator.objects.filter(source__in=PUBLIC_SOURCES)
        .exclude(source_code="")
        .filter(Exists(same_series))
        .values("plan_id")
    )
