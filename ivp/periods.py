"""Dates that are only as precise as the source: a day, a month, a quarter or a year.

Plans say "voor 1 juni 2017", "Q3 2021" or just "2021". We store the last day of that
period (so "2021" is due on 31 December 2021 and overdue comparisons stay plain date
comparisons in SQL) together with its precision, and show it as precisely as it was given.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

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


def quarter_of(date: dt.date) -> int:
    return (date.month - 1) // 3 + 1


def end_of_precision(date: dt.date, precision: str) -> dt.date:
    """The last day of the month, quarter or year that `date` lies in ("2021-03-01" given
    as a month is 31 March 2021): the day a deadline of that precision is stored as."""
    if precision == Precision.YEAR:
        return dt.date(date.year, 12, 31)
    if precision == Precision.QUARTER:
        return end_of_month(date.year, QUARTER_END_MONTH[quarter_of(date)])
    if precision == Precision.MONTH:
        return end_of_month(date.year, date.month)
    return date


@dataclass(frozen=True)
class Period:
    """A reporting period: a quarter (quarter 1-4) or a whole year (quarter None).

    The dashboard, the PDF reports, the API's `as_of` and the exports all take their
    bounds, labels and "the day whose state this period shows" from here.
    """

    year: int
    quarter: int | None = None

    @classmethod
    def containing(cls, date: dt.date) -> Period:
        """The quarter `date` lies in."""
        return cls(date.year, quarter_of(date))

    @classmethod
    def default_for(cls, start_year: int, end_year: int, today: dt.date) -> Period:
        """Where a plan of these years opens: today's quarter while it runs, its last
        quarter once it has ended, its first before it begins."""
        if today.year > end_year:
            return cls(end_year, 4)
        if today.year < start_year:
            return cls(start_year, 1)
        return cls.containing(today)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter - 2 if self.quarter else 1, 1)

    @property
    def end(self) -> dt.date:
        if not self.quarter:
            return dt.date(self.year, 12, 31)
        return end_of_month(self.year, QUARTER_END_MONTH[self.quarter])

    @property
    def precision(self) -> str:
        return Precision.QUARTER if self.quarter else Precision.YEAR

    def next(self) -> Period:
        if self.quarter is None:
            return Period(self.year + 1)
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def state_day(self, today: dt.date) -> dt.date:
        """The day whose state of affairs this period shows: its last day once it has
        ended, today while it runs (a period that has not begun shows today too)."""
        return min(self.end, today) if today >= self.start else today

    def __str__(self):
        return format_period(self.end, self.precision)

    def query(self) -> str:
        if self.quarter:
            return f"periode=kwartaal&jaar={self.year}&kwartaal={self.quarter}"
        return f"periode=jaar&jaar={self.year}"


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
        quarter = quarter_of(date)
        return pgettext("quarter", "Q%(quarter)s %(year)s") % {
            "quarter": quarter,
            "year": date.year,
        }
    if precision == Precision.MONTH:
        return formats.date_format(date, "YEAR_MONTH_FORMAT")
    return formats.date_format(date, "DATE_FORMAT")


# Dutch month names and their abbreviations, as spreadsheets write them.
_MONTH_NAMES = [
    ("januari", "jan"),
    ("februari", "feb"),
    ("maart", "mrt"),
    ("april", "apr"),
    ("mei",),
    ("juni", "jun"),
    ("juli", "jul"),
    ("augustus", "aug"),
    ("september", "sep", "sept"),
    ("oktober", "okt"),
    ("november", "nov"),
    ("december", "dec"),
]
MONTH_NAMES = [names[0] for names in _MONTH_NAMES]
MONTHS = {
    name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})\s+({_MONTH_RE})\b\.?(?:\s+(\d{{4}}))?", re.IGNORECASE
)
_MONTH_ONLY = re.compile(rf"\b({_MONTH_RE})\b\.?(?:\s+(\d{{4}}))?", re.IGNORECASE)
_QUARTER = re.compile(r"\b(?:Q([1-4])|([1-4])e\s+kwartaal)\s*(\d{4})?\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(20\d{2}|19\d{2})\b")
_CONTINUOUS = re.compile(r"\b(continu|doorlopend|structureel)\b", re.IGNORECASE)


class TypedDeadline(tuple):
    """(date or None, precision, continuous) read from what people type in a cell."""

    __slots__ = ()

    def __new__(cls, date, precision, continuous=False):
        return super().__new__(cls, (date, precision, continuous))

    date = property(lambda self: self[0])
    precision = property(lambda self: self[1])
    continuous = property(lambda self: self[2])


def parse_typed_deadline(text: str, *, default_year: int) -> TypedDeadline:
    """Read a deadline as people type it: "17 juni", "15-4-2021", "2021", "Q3 2021",
    "continu proces", "11 november en 16 december" (the last date counts).

    Returns TypedDeadline(None, DAY) when the text holds no date; raises ValueError for a
    date that cannot exist ("31 juni", "30-2-2021").
    """
    text = (text or "").strip()
    if not text:
        return TypedDeadline(None, Precision.DAY)
    candidates = []
    for match in _ISO_DATE.finditer(text):
        candidates.append(dt.date(*map(int, match.groups())))
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        year = year + 2000 if year < 100 else year
        candidates.append(dt.date(year, month, day))
    for match in _DAY_MONTH.finditer(text):
        day, month, year = match.groups()
        candidates.append(
            dt.date(int(year or default_year), MONTHS[month.lower()], int(day))
        )
    if candidates:
        return TypedDeadline(max(candidates), Precision.DAY)
    quarter = _QUARTER.search(text)
    if quarter:
        number = int(quarter.group(1) or quarter.group(2))
        year = int(quarter.group(3) or default_year)
        return TypedDeadline(
            end_of_month(year, QUARTER_END_MONTH[number]), Precision.QUARTER
        )
    months = list(_MONTH_ONLY.finditer(text))
    if months:
        last = months[-1]
        year = int(last.group(2) or default_year)
        return TypedDeadline(
            end_of_month(year, MONTHS[last.group(1).lower()]), Precision.MONTH
        )
    years = _YEAR.findall(text)
    if years:
        return TypedDeadline(dt.date(int(years[0]), 12, 31), Precision.YEAR)
    if _CONTINUOUS.search(text):
        return TypedDeadline(None, Precision.DAY, continuous=True)
    return TypedDeadline(None, Precision.DAY)


def typed_period(date: dt.date | None, precision: str) -> str:
    """A date as a Dutch spreadsheet cell that parse_typed_deadline() reads back:
    "17-06-2021", "juni 2021", "Q2 2021" or "2021" (the exports write these)."""
    if date is None:
        return ""
    if precision == Precision.YEAR:
        return str(date.year)
    if precision == Precision.QUARTER:
        return f"Q{quarter_of(date)} {date.year}"
    if precision == Precision.MONTH:
        return f"{MONTH_NAMES[date.month - 1]} {date.year}"
    return date.strftime("%d-%m-%Y")


def strip_deadline_words(text: str) -> str:
    """What is left of a "wanneer af en trekker" cell once the dates are taken out."""
    for pattern in (_ISO_DATE, _NUMERIC_DATE, _DAY_MONTH, _QUARTER, _MONTH_ONLY, _YEAR):
        text = pattern.sub(" ", text)
    text = _CONTINUOUS.sub(" ", text)
    text = re.sub(
        r"\b(proces|eind|begin|medio|en|uiterlijk|voor|trekker)\b",
        " ",
        text,
        flags=re.I,
    )
    return re.sub(r"[\s/,.]+", " ", text).strip()
