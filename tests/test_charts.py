"""The server-rendered SVG charts: valid markup, the numbers in words, no outside content."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from actions.models import Status
from policies.models import Indicator, Target
from reports.charts import indicator_chart_svg, status_bar_svg

from .factories import IndicatorFactory, MeasurementFactory

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    # Nothing fetched, nothing run: safe in the page's CSP and in WeasyPrint.
    assert "<script" not in svg and "href" not in svg and "style=" not in svg
    return root


def test_status_bar_says_every_number_in_its_label():
    root = parse(
        status_bar_svg(
            {
                Status.DONE: 3,
                Status.ONGOING: 2,
                Status.AT_RISK: 1,
                Status.NOT_STARTED: 4,
            },
            title="Prioriteit 1",
        )
    )
    label = root.get("aria-label")
    assert label.startswith("Prioriteit 1: 10 ")
    for number in ("3 ", "2 ", "1 ", "4 "):
        assert number in label
    assert root.find(SVG + "title").text == label


def test_status_bar_segments_are_proportional_and_in_reading_order():
    root = parse(
        status_bar_svg({Status.NOT_STARTED: 1, Status.DONE: 3}, title="x", width=400)
    )
    segments = [
        r for r in root.findall(SVG + "rect") if r.find(SVG + "title") is not None
    ]
    assert [float(r.get("width")) for r in segments] == [300.0, 100.0]
    assert [float(r.get("x")) for r in segments] == [0.0, 300.0]


def test_status_bar_without_actions_says_so():
    root = parse(status_bar_svg({}, title="Leeg"))
    assert root.get("aria-label") == "Leeg: geen acties"


def test_status_bar_escapes_the_title():
    svg = status_bar_svg({Status.DONE: 1}, title='<b>"Tom & Jerry"</b>')
    parse(svg)
    assert "<b>" not in svg


@pytest.mark.django_db
def test_indicator_chart_shows_baseline_targets_and_provisional_values():
    indicator = IndicatorFactory(
        name="Woninginbraken",
        unit="aantal",
        baseline_value=Decimal(200),
        baseline_year=2014,
        direction=Indicator.Direction.LOWER,
    )
    Target.objects.create(
        indicator=indicator,
        kind="relative",
        value=Decimal(-10),
        year=2018,
        reference_year=2014,
    )
    MeasurementFactory(indicator=indicator, year=2015, value=Decimal(190))
    MeasurementFactory(
        indicator=indicator, year=2016, value=Decimal("185.5"), provisional=True
    )

    root = parse(indicator_chart_svg(indicator))
    label = root.get("aria-label")
    assert "Woninginbraken" in label
    assert "200" in label and "2014" in label  # baseline
    assert "doel 2018: 180" in label  # 200 minus 10 percent
    assert "185,5 (voorlopig)" in label  # Dutch decimal comma, provisional marked
    circles = root.iter(SVG + "circle")
    assert [c.get("fill") for c in circles] == [
        "#1e5eb0",
        "#ffffff",
    ]  # open = provisional


@pytest.mark.django_db
def test_indicator_without_measurements_is_unknown_and_chart_says_so():
    indicator = IndicatorFactory(name="Nieuw")
    assert indicator.assessment().on_track is None
    root = parse(indicator_chart_svg(indicator))
    assert "Nog geen metingen" in root.get("aria-label")


@pytest.mark.django_db
def test_indicator_chart_until_a_year_draws_and_judges_what_was_known_then():
    indicator = IndicatorFactory(
        name="Woninginbraken", baseline_value=200, baseline_year=2014
    )
    MeasurementFactory(indicator=indicator, year=2015, value=Decimal(190))
    MeasurementFactory(indicator=indicator, year=2016, value=Decimal(210))

    root = parse(indicator_chart_svg(indicator, until_year=2015))
    label = root.get("aria-label")
    assert "2015 190" in label and "210" not in label
    assert len(list(root.iter(SVG + "circle"))) == 1
    assert "Op koers: Beter dan de nulmeting." in label
