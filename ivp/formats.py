"""Numbers and dates as the interface prints them, in the active language (Dutch first).

One module for every surface: the pages (through the `formats` template library), the
charts, the PDF reports, the mails and the models' `__str__`. Decimal fields come
back from the database with four places ("20.0000"), and `Decimal.normalize()` turns
them into "2E+1"; these functions never print an exponent and never trailing zeros.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats


def _decimal(value) -> Decimal:
    # str() first: Decimal(0.1) would carry the float's binary tail into the output.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def number(value, *, max_decimals: int | None = None) -> str:
    """15642 -> "15.642", 12.5 -> "12,5", Decimal("20.0000") -> "20"; None -> "".

    `max_decimals` rounds computed values (a share of a target) for reading.
    """
    if value is None or value == "":
        return ""
    value = _decimal(value)
    if not value.is_finite():
        return str(value)
    if max_decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
        decimals = 0
    else:
        value = value.normalize()
        decimals = -value.as_tuple().exponent
    if value.is_zero():
        value = abs(value)  # no "-0"
    return formats.number_format(
        value, decimal_pos=decimals, use_l10n=True, force_grouping=True
    )


def signed(value, *, max_decimals: int | None = None) -> str:
    """A change with its sign, as relative targets print: 20 -> "+20", -20 -> "-20"."""
    text = number(value, max_decimals=max_decimals)
    if text and _decimal(value) > 0 and text.strip("0,.") != "":
        return "+" + text
    return text


def date(value: dt.date | None) -> str:
    """A day in words in the active language: "18 februari 2021"; None -> ""."""
    return formats.date_format(value, "DATE_FORMAT") if value else ""
