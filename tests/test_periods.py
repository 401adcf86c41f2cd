import datetime as dt

import pytest
from django.utils import translation

from ivp.periods import Precision, format_period, parse_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-02-18", (dt.date(2021, 2, 18), Precision.DAY)),
        ("2021-02", (dt.date(2021, 2, 28), Precision.MONTH)),
        ("2024-02", (dt.date(2024, 2, 29), Precision.MONTH)),
        ("2021-Q3", (dt.date(2021, 9, 30), Precision.QUARTER)),
        ("2021", (dt.date(2021, 12, 31), Precision.YEAR)),
    ],
)
def test_parse_period_stores_the_last_day(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2021-13", "2021-02-30", "Q5 2021", "juni", ""])
def test_parse_period_refuses_nonsense(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_format_period_in_dutch():
    with translation.override("nl"):
        assert format_period(dt.date(2021, 2, 18), Precision.DAY) == "18 februari 2021"
        assert format_period(dt.date(2021, 2, 28), Precision.MONTH) == "februari 2021"
        assert (
            format_period(dt.date(2021, 9, 30), Precision.QUARTER) == "3e kwartaal 2021"
        )
        assert format_period(dt.date(2021, 12, 31), Precision.YEAR) == "2021"
        assert format_period(None, Precision.DAY) == ""
