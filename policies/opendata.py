"""Indicator figures from open data: CBS StatLine 83648NED and police 47013NED/47022NED.

The CSV as downloaded ("onbewerkte dataset": semicolons, codes such as GM0037, 2019JJ00,
2021MM03, 2021KW02) is matched to the plan's indicators by the indicator's source code
(the crime type, e.g. "1.1.1") and to municipalities by their CBS code. An empty cell,
"." or "x" means the figure is suppressed or missing: it is skipped, never read as zero.
A period marked with "*" is provisional; so is anything from `provisional_from` on (CBS
revises the recent years; the police's latest month is incomplete).
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Indicator, Measurement, Plan

PERIOD = re.compile(
    r"^(?P<year>\d{4})(?:(?P<kind>JJ|KW|MM)(?P<number>\d{2}))?(?P<mark>\*)?$"
)
SUPPRESSED = {"", ".", "x", "-", "?"}
MAX_BYTES = 20 * 1024 * 1024


class OpenDataError(Exception):
    """The file cannot be used at all."""


@dataclass
class OpenDataResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    suppressed: list[str] = field(default_factory=list)
    unknown_regions: set[str] = field(default_factory=set)
    indicators: list[str] = field(default_factory=list)
    saved: bool = False


def parse_period(text: str) -> tuple[int, str, int, bool]:
    """'2019JJ00' -> (2019, year, 0, False); '2021MM03*' -> (2021, month, 3, True)."""
    match = PERIOD.match(text.strip().replace(" ", ""))
    if not match:
        raise OpenDataError(
            _("“%(period)s” is not a period like 2019JJ00 or 2021MM03.")
            % {"period": text}
        )
    year, kind, number = (
        int(match["year"]),
        match["kind"] or "JJ",
        int(match["number"] or 0),
    )
    period_type = {
        "JJ": Measurement.PeriodType.YEAR,
        "KW": Measurement.PeriodType.QUARTER,
        "MM": Measurement.PeriodType.MONTH,
    }[kind]
    return year, period_type, number, bool(match["mark"])


def _column(headers: list[str], *needles: str) -> int | None:
    for index, header in enumerate(headers):
        flat = header.lower().replace(" ", "").replace("'", "")
        if any(needle in flat for needle in needles):
            return index
    return None


def read_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    if len(data) > MAX_BYTES:
        raise OpenDataError(_("The file is larger than 20 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OpenDataError(
            _("This is not a CSV file as CBS or the police publish it.")
        ) from None
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise OpenDataError(_("The file contains no figures."))
    return [h.strip() for h in rows[0]], rows[1:]


def opendata_import(
    *,
    plan: Plan,
    data: bytes,
    provisional_from: str | None = None,
    commit: bool = False,
) -> OpenDataResult:
    headers, rows = read_rows(data)
    crime, region, period = (
        _column(headers, "soortmisdrijf"),
        _column(headers, "regios", "gemeente", "wijkenenbuurten"),
        _column(headers, "perioden"),
    )
    if None in (crime, region, period):
        raise OpenDataError(
            _(
                "Columns SoortMisdrijf, RegioS and Perioden are needed; found: %(headers)s."
            )
            % {"headers": ", ".join(headers)}
        )
    value_index = next(
        (
            i
            for i, h in enumerate(headers)
            if i not in (0, crime, region, period) and h.lower() != "id"
        ),
        None,
    )
    if value_index is None:
        raise OpenDataError(_("The file has no column with figures."))
    provisional_key = parse_period(provisional_from)[:3] if provisional_from else None

    indicators = list(
        Indicator.objects.filter(plan=plan)
        .exclude(source_code="")
        .select_related("municipality")
    )
    if not indicators:
        raise OpenDataError(
            _(
                "No indicator of this plan has a code in the source (e.g. the crime type 1.1.1)."
            )
        )
    plan_codes = {m.cbs_code for m in plan.municipalities.all()}
    # (crime type, period) -> {GM code: value or None when suppressed}
    figures = defaultdict(dict)
    provisional_periods = set()
    result = OpenDataResult(indicators=[i.name for i in indicators])
    for row in rows:
        region_code = row[region].strip()
        if not region_code.startswith("GM"):
            continue  # national and provincial totals
        if region_code not in plan_codes:
            result.unknown_regions.add(region_code)
            continue
        key = parse_period(row[period])
        raw = row[value_index].strip() if value_index < len(row) else ""
        if raw in SUPPRESSED:
            value = None
        else:
            try:
                value = Decimal(raw.replace(",", "."))
            except InvalidOperation:
                raise OpenDataError(
                    _("“%(value)s” is not a number.") % {"value": raw}
                ) from None
        period_key = key[:3]
        figures[(row[crime].strip(), period_key)][region_code] = value
        if key[3] or (provisional_key and period_key >= provisional_key):
            provisional_periods.add(period_key)

    with transaction.atomic():
        for indicator in indicators:
            wanted = (
                {indicator.municipality.cbs_code}
                if indicator.municipality
                else plan_codes
            )
            for (crime_type, period_key), by_region in sorted(figures.items()):
                if crime_type != indicator.source_code:
                    continue
                year, period_type, number = period_key
                label = (
                    f"{indicator.name} {year}{'' if not number else f'-{number:02d}'}"
                )
                values = [by_region.get(code) for code in wanted]
                if any(v is None for v in values):
                    result.suppressed.append(label)  # a sum with a hole is no figure
                    continue
                measurement, created = Measurement.objects.get_or_create(
                    indicator=indicator,
                    year=year,
                    period_type=period_type,
                    period_number=number,
                    defaults={
                        "value": sum(values),
                        "provisional": period_key in provisional_periods,
                    },
                )
                if created:
                    result.created += 1
                    continue
                new = (sum(values), period_key in provisional_periods)
                if (measurement.value, measurement.provisional) == new:
                    result.unchanged += 1
                    continue
                measurement.value, measurement.provisional = new
                measurement.save()
                result.updated += 1
        if commit:
            result.saved = True
        else:
            transaction.set_rollback(True)
    return result
