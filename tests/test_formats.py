"""Numbers and dates as every surface prints them (ivp/formats.py), and defect 7:
targets that the pages printed in scientific notation ("Doel 2020 2E+1")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from ivp import formats
from policies.models import Measurement, Plan, Target
from policies.seeds import seeds_load

from .factories import IndicatorFactory, MeasurementFactory, UserFactory


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (15642, "15.642"),
        (12.5, "12,5"),
        (Decimal("20.0000"), "20"),  # as a DecimalField(decimal_places=4) returns it
        (Decimal("2E+1"), "20"),
        (Decimal("-20.0000"), "-20"),
        (Decimal("14174.9500"), "14.174,95"),
        (Decimal("3.1000"), "3,1"),
        (0.1, "0,1"),  # not the float's binary tail
        (Decimal("-0.0000"), "0"),
        (None, ""),
    ],
)
def test_number_is_dutch_with_grouping_without_trailing_zeros_or_exponent(value, text):
    assert formats.number(value) == text


def test_number_rounds_worked_out_values_when_asked():
    assert formats.number(Decimal("80.333333"), max_decimals=2) == "80,33"
    assert formats.number(Decimal("79.999"), max_decimals=2) == "80"


def test_signed_number_shows_the_direction_of_a_change():
    assert formats.signed(Decimal("20.0000")) == "+20"
    assert formats.signed(Decimal("-20.0000")) == "-20"
    assert formats.signed(Decimal("-5.5")) == "-5,5"
    assert formats.signed(0) == "0"


def test_date_is_written_out_in_the_active_language():
    assert formats.date(dt.date(2021, 2, 18)) == "18 februari 2021"
    assert formats.date(None) == ""
    with translation.override("en"):
        assert formats.number(15642) == "15,642"
        assert "2021" in formats.date(dt.date(2021, 2, 18))


def test_template_filters_print_the_same():
    html = Template(
        "{% load formats %}{{ n|dutch_number }} {{ c|dutch_signed }} {{ d|dutch_date }}"
    ).render(
        Context(
            {"n": Decimal("15642.0000"), "c": Decimal(-20), "d": dt.date(2021, 2, 18)}
        )
    )
    assert html == "15.642 -20 18 februari 2021"


@pytest.mark.django_db
def test_targets_and_measurements_print_without_scientific_notation():
    indicator = IndicatorFactory(name="Verkeersslachtoffers")
    Target.objects.create(indicator=indicator, kind="absolute", value=20, year=2020)
    Target.objects.create(
        indicator=indicator, kind="relative", value=-20, year=2018, reference_year=2013
    )
    Target.objects.create(indicator=indicator, kind="absolute", value=50, year=2022)
    MeasurementFactory(indicator=indicator, year=2019, value=Decimal(15642))
    # Read back: the database hands out Decimal("20.0000"), which normalize() made 2E+1.
    targets = {t.year: str(t) for t in Target.objects.filter(indicator=indicator)}
    assert targets == {
        2020: "20 in 2020",
        2018: "-20% in 2018 ten opzichte van 2013",
        2022: "50 in 2022",
    }
    assert str(Measurement.objects.get(indicator=indicator)) == (
        "Verkeersslachtoffers: 2019 = 15.642"
    )


@pytest.mark.django_db
def test_plan_dashboard_prints_targets_and_figures_in_dutch_numbers(client):
    seeds_load()
    client.force_login(UserFactory(is_superuser=True))
    noordoostpolder = Plan.objects.get(slug="noordoostpolder-uvp-2020-2021")
    html = client.get(
        reverse("reports:plan", args=[noordoostpolder.pk]),
        {"periode": "jaar", "jaar": 2020},
    ).content.decode()
    assert "20 in 2020" in html and "10 in 2020" in html
    assert "E+" not in html

    oost = Plan.objects.get(slug="veiligheidsnetwerk-oost-nederland-2015-2018")
    html = client.get(
        reverse("reports:plan", args=[oost.pk]), {"periode": "jaar", "jaar": 2016}
    ).content.decode()
    assert "E+" not in html
    assert "-5% in 2018 ten opzichte van 2013" in html
    assert ">14.921<" in html  # the baseline, grouped as the PDF groups it
    assert ">3,1<" in html  # a victim rate, with a decimal comma
