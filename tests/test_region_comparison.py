"""The safety picture: an indicator beside the average of the other municipalities of
its safety region with figures for the same series and period (policies/comparison.py),
on the dashboard and in the annual report."""

import shutil
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from policies.comparison import region_comparison
from policies.models import Indicator, SafetyRegion
from reports.charts import indicator_chart_svg
from reports.pdf import annual_report_pdf

from .factories import (
    IndicatorFactory,
    MeasurementFactory,
    MunicipalityFactory,
    PlanFactory,
    UserFactory,
)
from .queries import PAGE_MAX_QUERIES

pytestmark = pytest.mark.django_db

BURGLARY = {"source": Indicator.Source.POLICE, "source_code": "1.1.1", "unit": "aantal"}


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def region():
    return SafetyRegion.objects.create(code="VR99", name="Testregio")


def town(region, **kwargs):
    return MunicipalityFactory(safety_region=region, **kwargs)


def burglary(municipality, figures, **kwargs):
    """An indicator of `municipality` (on a plan of its own) with yearly figures."""
    plan = PlanFactory(municipalities=[municipality])
    indicator = IndicatorFactory(
        plan=plan, name=f"Woninginbraken {municipality.name}", **{**BURGLARY, **kwargs}
    )
    for year, value in figures.items():
        MeasurementFactory(indicator=indicator, year=year, value=value)
    return indicator


def compare(*indicators):
    listed = list(
        Indicator.objects.filter(pk__in=[i.pk for i in indicators]).prefetch_related(
            "measurements"
        )
    )
    return region_comparison(listed), {i.pk: i for i in listed}


def test_average_is_of_the_other_municipalities_of_the_region_and_counts_them(region):
    own = burglary(town(region), {2020: 50, 2021: 40})
    burglary(town(region), {2020: 10, 2021: 20})
    burglary(town(region), {2021: 30})
    burglary(town(SafetyRegion.objects.get(code="VR01")), {2021: 1000})

    comparisons, _ = compare(own)

    figures = comparisons[own.pk].figures
    assert comparisons[own.pk].region == "Testregio"
    assert figures[(2021, "year", 0)].average == Decimal(25)  # not 40, not 1000
    assert figures[(2021, "year", 0)].municipalities == 2
    assert figures[(2020, "year", 0)].average == Decimal(10)
    assert figures[(2020, "year", 0)].municipalities == 1


def test_only_the_same_series_unit_and_period_are_compared(region):
    own = burglary(town(region), {2021: 40})
    burglary(town(region), {2021: 7}, source_code="1.4.5")  # another crime type
    burglary(town(region), {2021: 8}, unit="per 1.000 inwoners")
    burglary(town(region), {2021: 9}, source=Indicator.Source.CBS)
    burglary(town(region), {2020: 10})  # another year
    quarterly = burglary(town(region), {})
    MeasurementFactory(
        indicator=quarterly, year=2021, period_type="quarter", period_number=1, value=5
    )

    comparisons, _ = compare(own)

    assert comparisons[own.pk].figures == {}


def test_a_municipality_with_two_plans_on_the_series_counts_once(region):
    own = burglary(town(region), {2021: 40})
    neighbour = town(region)
    burglary(neighbour, {2021: 10})
    burglary(neighbour, {2021: 20})  # its yearly programme measures the same
    burglary(town(region), {2021: 60})

    comparisons, _ = compare(own)

    figure = comparisons[own.pk].figures[(2021, "year", 0)]
    assert (figure.average, figure.municipalities) == (Decimal(37.5), 2)


def test_indicators_that_cannot_be_compared_get_no_comparison(region):
    burglary(town(region), {2021: 10})
    together = PlanFactory(municipalities=[town(region), town(region)])
    several = IndicatorFactory(plan=together, **BURGLARY)
    MeasurementFactory(indicator=several, year=2021, value=30)
    own_registration = burglary(town(region), {2021: 40}, source=Indicator.Source.OWN)
    no_code = burglary(town(region), {2021: 40}, source_code="")

    comparisons, _ = compare(several, own_registration, no_code)

    assert comparisons == {}


def test_no_figures_from_the_region_is_said_in_words(region):
    own = burglary(town(region, name="Eenzaam"), {2021: 40})

    comparisons, indicators = compare(own)

    comparison = comparisons[own.pk]
    assert comparison.summary(indicators[own.pk], 2021) == (
        "Geen cijfers van andere gemeenten in veiligheidsregio Testregio."
    )
    svg = indicator_chart_svg(indicators[own.pk], until_year=2021, region=comparison)
    assert "Geen cijfers van andere gemeenten in veiligheidsregio Testregio." in svg


def test_summary_and_chart_name_the_average_and_the_number_of_municipalities(region):
    own = burglary(town(region), {2020: 50, 2021: 40})
    burglary(town(region), {2020: 10, 2021: 20})
    burglary(town(region), {2021: 30})

    comparisons, indicators = compare(own)
    comparison, indicator = comparisons[own.pk], indicators[own.pk]

    assert comparison.summary(indicator, 2021) == (
        "2021: hier 40, tegenover gemiddeld 25 bij 2 andere gemeenten van "
        "veiligheidsregio Testregio."
    )
    assert comparison.summary(indicator, 2020).startswith("2020: hier 50,")
    svg = indicator_chart_svg(indicator, until_year=2021, region=comparison)
    assert svg.count("</path>") == 2  # a diamond with its figure per year compared
    assert "gemiddelde regio Testregio (1-2 gemeenten)" in svg
    assert "2020 10; 2021 25" in svg  # the text alternative


def test_region_comparison_costs_the_same_queries_for_more_indicators(region):
    def build(n):
        made = [burglary(town(region), {2020: i, 2021: i + 1}) for i in range(n)]
        for i in range(n):
            burglary(town(region), {2021: i}, source_code="1.4.5")
        return made

    small = build(2)
    large = small + build(12)
    counts = []
    for indicators in (small, large):
        listed = list(
            Indicator.objects.filter(
                pk__in=[i.pk for i in indicators]
            ).prefetch_related("measurements")
        )
        with CaptureQueriesContext(connection) as captured:
            comparisons = region_comparison(listed)
        counts.append(len(captured))
    assert counts == [2, 2]
    assert comparisons[large[0].pk].figures[(2021, "year", 0)].municipalities == 13


def test_dashboard_shows_the_region_average_within_its_query_budget(client, region):
    own = burglary(town(region), {2021: 40})
    burglary(town(region), {2021: 20})
    burglary(town(region), {2021: 30})
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("reports:plan", args=[own.plan_id]) + "?periode=jaar&jaar=2021"

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)

    assert response.status_code == 200
    assert len(captured) <= PAGE_MAX_QUERIES
    page = response.content.decode()
    assert (
        "2021: hier 40, tegenover gemiddeld 25 bij 2 andere gemeenten van "
        "veiligheidsregio Testregio." in page
    )
    assert "gemiddelde regio Testregio (2 gemeenten)" in page


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed"
)
def test_annual_report_shows_the_same_comparison_as_the_dashboard(client, region):
    from .test_pdf_reports import pdf_pages

    own = burglary(town(region), {2021: 40})
    burglary(town(region), {2021: 20})
    lonely = burglary(
        town(SafetyRegion.objects.create(code="VR98", name="Stilleregio")),
        {2021: 5},
    )

    text = " ".join(pdf_pages(annual_report_pdf(own.plan, year=2021)))
    alone = " ".join(pdf_pages(annual_report_pdf(lonely.plan, year=2021)))

    sentence = (
        "2021: hier 40, tegenover gemiddeld 20 bij 1 andere gemeente van "
        "veiligheidsregio Testregio."
    )
    assert sentence in text
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(
        reverse("reports:plan", args=[own.plan_id]) + "?periode=jaar&jaar=2021"
    ).content.decode()
    assert sentence in page
    assert "Geen cijfers van andere gemeenten in veiligheidsregio Stilleregio." in alone


def test_an_indicator_without_figures_of_its_own_says_nothing_about_the_region(
    region,
):
    own = burglary(town(region), {})
    burglary(town(region), {2021: 20})

    comparisons, indicators = compare(own)

    assert comparisons[own.pk].summary(indicators[own.pk], 2021) == ""
    svg = indicator_chart_svg(indicators[own.pk], region=comparisons[own.pk])
    assert "veiligheidsregio" not in svg and "Nog geen metingen." in svg
