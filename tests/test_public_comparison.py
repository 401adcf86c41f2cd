"""The safety picture on the public plan page (issue 18, item 4): each public indicator
beside the average of the other municipalities of its safety region, as on the
dashboard, and the page's cache following those municipalities' figures."""

import pytest
from django.core.cache import cache
from django.utils import translation

from policies.comparison import comparison_plans
from policies.models import Indicator, SafetyRegion

from .factories import (
    IndicatorFactory,
    MeasurementFactory,
    MunicipalityFactory,
    PlanFactory,
)
from .queries import count_queries

pytestmark = pytest.mark.django_db

BURGLARY = {"source": Indicator.Source.POLICE, "source_code": "1.1.1", "unit": "aantal"}
PAGE = "/openbaar/epe/ivp-epe/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    with translation.override("nl"):
        yield


@pytest.fixture
def picture():
    """Epe's published IVP with burglaries 2021, and two other municipalities of its
    safety region whose (unpublished) plans have the same figure."""
    region = SafetyRegion.objects.create(code="VR99", name="Testregio")
    epe = MunicipalityFactory(name="Epe", safety_region=region)
    plan = PlanFactory(title="IVP Epe", slug="ivp-epe", municipalities=[epe])
    plan.set_published(True)
    plan.save()
    own = IndicatorFactory(plan=plan, name="Woninginbraken Epe", **BURGLARY)
    MeasurementFactory(indicator=own, year=2021, value=40)
    peers = []
    for name, value in (("Heerde", 10), ("Hattem", 20)):
        town = MunicipalityFactory(name=name, safety_region=region)
        indicator = IndicatorFactory(
            plan=PlanFactory(municipalities=[town]), name=f"Inbraak {name}", **BURGLARY
        )
        peers.append(MeasurementFactory(indicator=indicator, year=2021, value=value))
    return plan, peers


def test_public_plan_page_shows_the_region_average_of_the_other_municipalities(
    client, picture
):
    body = client.get(PAGE).content.decode()
    assert (
        "2021: hier 40, tegenover gemiddeld 15 bij 2 andere gemeenten van "
        "veiligheidsregio Testregio." in body
    )
    # In the chart too, with its legend.
    assert "gemiddelde regio Testregio (2 gemeenten)" in body
    # The peers' plans are not published: nothing of them but the average.
    assert "Inbraak Heerde" not in body and "Heerde" not in body


def test_a_changed_figure_of_another_municipality_changes_the_cached_page(
    client, picture
):
    _plan, (heerde, _hattem) = picture
    assert "gemiddeld 15 bij 2" in client.get(PAGE).content.decode()
    assert "gemiddeld 15 bij 2" in client.get(PAGE).content.decode()  # kept
    heerde.value = 30
    heerde.save()
    assert "gemiddeld 25 bij 2" in client.get(PAGE).content.decode()
    heerde.delete()
    assert "gemiddeld 20 bij 1 andere gemeente" in client.get(PAGE).content.decode()


def test_the_cache_key_covers_only_plans_of_the_same_series(picture):
    plan, peers = picture
    other_series = IndicatorFactory(
        plan=PlanFactory(),
        name="Fietsendiefstal",
        **{**BURGLARY, "source_code": "1.2.3"},
    )
    own_figures = comparison_plans([plan.pk])
    ids = set(own_figures.values_list("plan_id", flat=True))
    assert {plan.pk, *(m.indicator.plan_id for m in peers)} == ids
    assert other_series.plan_id not in ids


def test_the_comparison_costs_the_public_page_no_queries_per_peer(client, picture):
    cache.clear()
    few, _response = count_queries(client, PAGE)
    plan, peers = picture
    region = plan.municipalities.get().safety_region
    for n in range(5):
        town = MunicipalityFactory(name=f"Dorp {n}", safety_region=region)
        indicator = IndicatorFactory(
            plan=PlanFactory(municipalities=[town]), name=f"Inbraak {n}", **BURGLARY
        )
        MeasurementFactory(indicator=indicator, year=2021, value=n)
    cache.clear()
    many, response = count_queries(client, PAGE)
    assert "bij 7 andere gemeenten" in response.content.decode()
    assert many == few
