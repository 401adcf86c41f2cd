"""The server-rendered SVG charts: valid markup, the numbers in words, no outside content."""

import itertools
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


def _texts(root) -> list[ET.Element]:
    return [t for t in root.iter(SVG + "text")]


@pytest.mark.django_db
def test_count_axis_has_whole_round_ticks_with_dutch_thousands():
    """A count of 16.336 crimes gets ticks like 15.000 and 16.000, never 16336,1."""
    indicator = IndicatorFactory(
        name="Geregistreerde misdrijven", baseline_value=16336, baseline_year=2016
    )
    MeasurementFactory(indicator=indicator, year=2017, value=Decimal(15020))
    MeasurementFactory(indicator=indicator, year=2018, value=Decimal(14871))
    root = parse(indicator_chart_svg(indicator))
    ticks = [t.text for t in _texts(root) if t.get("text-anchor") == "end"]
    assert len(ticks) >= 3
    for tick in ticks:
        assert "," not in tick, ticks  # whole numbers only
        assert int(tick.replace(".", "")) % 500 == 0, ticks  # round steps
    assert any("." in tick for tick in ticks), ticks  # Dutch thousands separator


@pytest.mark.django_db
def test_rates_keep_a_decimal_comma_on_their_axis():
    indicator = IndicatorFactory(name="Aangiftebereidheid", baseline_value="1.2")
    MeasurementFactory(indicator=indicator, year=2017, value=Decimal("1.7"))
    root = parse(indicator_chart_svg(indicator))
    ticks = [t.text for t in _texts(root) if t.get("text-anchor") == "end"]
    assert any("," in tick for tick in ticks), ticks
    assert not any("." in tick for tick in ticks), ticks


@pytest.mark.django_db
def test_target_and_baseline_labels_stand_beside_the_plot_not_over_the_line():
    indicator = IndicatorFactory(
        name="Woninginbraken", baseline_value=Decimal(200), baseline_year=2014
    )
    for year, value in ((2018, 180), (2019, 178)):  # close together: spread apart
        Target.objects.create(
            indicator=indicator, kind="absolute", value=Decimal(value), year=year
        )
    for year, value in ((2015, 190), (2016, 181), (2017, 179)):
        MeasurementFactory(indicator=indicator, year=year, value=Decimal(value))
    root = parse(indicator_chart_svg(indicator))
    plot_right = max(float(line.get("x2")) for line in root.iter(SVG + "line"))
    labels = [t for t in _texts(root) if t.text.startswith(("doel", "uitgangswaarde"))]
    assert len(labels) == 3, [t.text for t in _texts(root)]
    assert all(float(t.get("x")) > plot_right for t in labels)
    ys = sorted(float(t.get("y")) for t in labels)
    assert all(b - a >= 14 for a, b in itertools.pairwise(ys)), ys  # no overlap


@pytest.mark.django_db
def test_indicator_chart_scales_with_its_column_and_is_wider_than_440():
    indicator = IndicatorFactory(name="x", baseline_value=1)
    root = parse(indicator_chart_svg(indicator))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert int(root.get("width")) > 440


def test_status_bar_numbers_are_large_enough_to_read():
    root = parse(status_bar_svg({Status.DONE: 15, Status.AT_RISK: 2}, title="x"))
    numbers = _texts(root)
    assert [t.text for t in numbers] == ["15", "2"]
    assert all(int(t.get("font-size")) >= 14 for t in numbers)
