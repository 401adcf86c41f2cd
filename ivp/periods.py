"""Dates that are only as precise as the source: a day, a month, a quarter or a year.

Plans say "voor 1 juni 2017", "Q3 2021" or just "2021". We store the last day of that
period (so "2021" is due on 31 December 2021 and overdue comparisons stay plain date
comparisons in SQL) together with its precision, and show it as precisely as it was given.
"""

import calendar
import datetime as dt
import re

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

QUARTER_END_MONTH = {1: 3, 2: 6, 3: 9, 4: 12}


class Precision(models.TextChoices):
    """How precise a stored date is."""

    DAY = "day", _("day")
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), Precision.DAY),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE), Precision.QUARTER),
    (re.compile(r"^(\d{4})-(\d{2})$"), Precision.MONTH),
    (re.compile(r"^(\d{4})$"), Precision.YEAR),
]


def end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(value: str) -> tuple[dt.date, str]:
    """Parse "2021-02-18", "2021-03", "2021-Q3" or "2021" into (last day, precision).

    Raises ValueError for anything else, including impossible dates.
    """
    value = value.strip()
    for pattern, precision in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        year = int(match.group(1))
        if precision == Precision.DAY:
            return dt.date(year, int(match.group(2)), int(match.group(3))), precision
        if precision == Precision.MONTH:
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise ValueError(value)
            return end_of_month(year, month), precision
        if precision == Precision.QUARTER:
            return end_of_month(year, QUARTER_END_MONTH[int(match.group(2))]), precision
        return dt.date(year, 12, 31), precision
    raise ValueError(value)


def format_period(date: dt.date | None, precision: str) -> str:
    """Show a date as precisely as it was given ("18 februari 2021", "2021", "3e kwartaal 2021")."""
    if date is None:
        return ""
    if precision == Precision.YEAR:
        return str(date.year)
    if precision == Precision.QUARTER:
        quarter = (date.month - 1) // 3 + 1
        return pgettext("quarter", "Q%(quarter)s %(year)s") % {
            "quarter": quarter,
            "year": date.year,
        }
    if precision == Precision.MONTH:
        return formats.date_format(date, "YEAR_MONTH_FORMAT")
    return formats.date_format(date, "DATE_FORMAT")
