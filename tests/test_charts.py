"""The server-rendered SVG charts: valid markup, the numbers in words, no outside content."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from actions.models import Status
from policies.models import Indicator, Target
from reports.charts import assess_indicator, indicator_chart_svg, status_bar_svg

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


def make_indicator(direction, baseline, target, values):
    indicator = IndicatorFactory(
        direction=direction, baseline_value=baseline, baseline_year=2014
    )
    if target is not None:
        Target.objects.create(
            indicator=indicator, kind="absolute", value=target, year=2018
        )
    for year, value in values:
        MeasurementFactory(indicator=indicator, year=year, value=value)
    return indicator


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("direction", "values", "on_track"),
    [
        # From 100 to 60 by 2018: by 2016 about 80 is expected.
        (Indicator.Direction.LOWER, [(2016, 75)], True),
        (Indicator.Direction.LOWER, [(2016, 95)], False),
        (Indicator.Direction.LOWER, [(2016, 55)], True),  # target reached
    ],
)
def test_lower_is_better_indicator_on_track_against_path_to_target(
    direction, values, on_track
):
    indicator = make_indicator(direction, 100, 60, values)
    assessment = assess_indicator(indicator)
    assert assessment.on_track is on_track
    assert assessment.label == ("op koers" if on_track else "niet op koers")


@pytest.mark.django_db
def test_higher_is_better_indicator_reverses_the_comparison():
    rising = make_indicator(Indicator.Direction.HIGHER, 50, 70, [(2016, 65)])
    falling = make_indicator(Indicator.Direction.HIGHER, 50, 70, [(2016, 45)])
    assert assess_indicator(rising).on_track is True
    assert assess_indicator(falling).on_track is False


@pytest.mark.django_db
def test_indicator_without_target_is_compared_with_baseline():
    assert (
        assess_indicator(make_indicator("lower", 100, None, [(2016, 90)])).on_track
        is True
    )
    assert (
        assess_indicator(make_indicator("lower", 100, None, [(2016, 110)])).on_track
        is False
    )


@pytest.mark.django_db
def test_indicator_without_measurements_is_unknown_and_chart_says_so():
    indicator = IndicatorFactory(name="Nieuw")
    assert assess_indicator(indicator).on_track is None
    root = parse(indicator_chart_svg(indicator))
    assert "Nog geen metingen" in root.get("aria-label")
