"""Where an indicator stands: its figures in time, its targets as values, on track.

The one answer to "is this indicator on track?" for the dashboard, the chart's text and
the PDF reports. Ask it through the model (`Indicator.assessment(until_year=...)` and
friends); the functions here read the indicator's `measurements` and `targets` with
`.all()`, so a page that prefetches them judges many indicators without a query each.

`until_year` is what was known then: a report or dashboard for 2021 judges with the
measurements of 2021 and before, even when 2022 has been measured since.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from ivp.formats import number

# Months a period covers; its last month is period_number times this (a year: 12).
_MONTHS = {"year": 12, "quarter": 3, "month": 1}


@dataclass(frozen=True)
class Point:
    """One measurement on the time axis."""

    label: str
    order: float  # the middle of its period: year + fraction
    value: Decimal
    provisional: bool

    @classmethod
    def of(cls, measurement) -> Point:
        months = _MONTHS.get(measurement.period_type, 12)
        first = (max(measurement.period_number, 1) - 1) * months if months < 12 else 0
        return cls(
            measurement.period_label,
            measurement.year + (first + months / 2) / 12,
            Decimal(measurement.value),
            measurement.provisional,
        )


@dataclass(frozen=True)
class TargetLine:
    """A target as the value it stands for (a relative target worked out)."""

    year: int
    value: Decimal
    is_final: bool


@dataclass(frozen=True)
class Assessment:
    """Where an indicator stands: its latest value against its baseline and target."""

    on_track: bool | None  # None: no measurement or nothing to compare with
    latest: Point | None
    target: TargetLine | None
    reason: str

    @property
    def label(self) -> str:
        if self.on_track is None:
            return _("unknown")
        return _("on track") if self.on_track else _("off track")


def _end(measurement) -> tuple[int, int, int]:
    """Sorts by the end of the period. Where a year and its last quarter or month end
    together, the year comes last: it is the whole figure, and targets are per year."""
    months = _MONTHS.get(measurement.period_type, 12)
    last = 12 if months == 12 else measurement.period_number * months
    return (measurement.year, last, months)


def measurements(indicator, until_year: int | None = None) -> list:
    """The measurements known in `until_year` (that year and before), in time order."""
    known = [
        m
        for m in indicator.measurements.all()
        if until_year is None or m.year <= until_year
    ]
    return sorted(known, key=lambda m: Point.of(m).order)


def latest_measurement(indicator, until_year: int | None = None):
    """The measurement whose period ends last, of those known in `until_year`."""
    return max(measurements(indicator, until_year), key=_end, default=None)


def yearly_measurement(indicator, year: int):
    """The measurement over the whole of `year`, if there is one."""
    return next(
        (
            m
            for m in indicator.measurements.all()
            if m.year == year and m.period_type == "year"
        ),
        None,
    )


def points(indicator, until_year: int | None = None) -> list[Point]:
    return [Point.of(m) for m in measurements(indicator, until_year)]


def _value_in(indicator, year: int, until_year: int | None) -> Decimal | None:
    """The indicator's value over a year: its yearly measurement, else its baseline."""
    if until_year is None or year <= until_year:
        measurement = yearly_measurement(indicator, year)
        if measurement is not None:
            return Decimal(measurement.value)
    if indicator.baseline_year == year and indicator.baseline_value is not None:
        return Decimal(indicator.baseline_value)
    return None


def target_lines(indicator, until_year: int | None = None) -> list[TargetLine]:
    """The targets as values, by year. A relative target needs the value of its
    reference year; one whose reference was not known in `until_year` is left out."""
    lines = []
    for target in indicator.targets.all():
        if target.kind == "relative":
            reference = _value_in(indicator, target.reference_year, until_year)
            if reference is None:
                continue
            value = reference * (1 + Decimal(target.value) / 100)
        else:
            value = Decimal(target.value)
        lines.append(TargetLine(target.year, value, target.is_final))
    lines.sort(key=lambda t: t.year)
    return lines


def _better_or_equal(indicator, value: Decimal, than: Decimal) -> bool:
    return value <= than if indicator.direction == "lower" else value >= than


def assess(indicator, until_year: int | None = None) -> Assessment:
    """On or off track: compare the latest value with the path from baseline to target.

    Reached the target: on track. Otherwise, with a baseline, the expected value for the
    latest year lies on the straight line from baseline to the target; at least as good
    (lower or higher, as the indicator says) is on track. Without a target: better than
    the baseline is on track.
    """
    measurement = latest_measurement(indicator, until_year)
    if measurement is None:
        return Assessment(None, None, None, _("No measurements yet."))
    latest = Point.of(measurement)
    targets = target_lines(indicator, until_year)
    target = next(
        (t for t in targets if t.year >= measurement.year),
        targets[-1] if targets else None,
    )
    baseline = indicator.baseline_value
    if target is not None:
        if _better_or_equal(indicator, latest.value, target.value):
            return Assessment(True, latest, target, _("The target has been reached."))
        if (
            baseline is not None
            and indicator.baseline_year
            and target.year > indicator.baseline_year
        ):
            share = min(
                1,
                max(
                    0,
                    (latest.order - indicator.baseline_year - 0.5)
                    / (target.year - indicator.baseline_year),
                ),
            )
            expected = Decimal(baseline) + (target.value - Decimal(baseline)) * Decimal(
                str(share)
            )
            on_track = _better_or_equal(indicator, latest.value, expected)
            return Assessment(
                on_track,
                latest,
                target,
                _("Expected by now on the way from baseline to target: %(value)s.")
                % {"value": number(expected, max_decimals=2)},
            )
        return Assessment(False, latest, target, _("The target has not been reached."))
    if baseline is not None:
        on_track = _better_or_equal(indicator, latest.value, Decimal(baseline))
        return Assessment(
            on_track,
            latest,
            None,
            _("Better than the baseline.")
            if on_track
            else _("Not better than the baseline."),
        )
    return Assessment(None, latest, None, _("No baseline or target to compare with."))
