"""Indicator figures from CBS StatLine and police open data CSV files."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from policies.models import Indicator, Measurement, Organisation, Plan
from policies.opendata import OpenDataError, opendata_import, parse_period
from policies.seeds import seeds_load

pytestmark = pytest.mark.django_db
FILES = Path(settings.BASE_DIR) / "fixtures" / "opendata"


@pytest.fixture
def plans():
    seeds_load()
    return Plan.objects.get(slug="stadskanaal-ivp-2020-2024"), Plan.objects.get(
        slug="veluwe-noord-uvp-2021"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019JJ00", (2019, "year", 0, False)),
        ("2021MM03", (2021, "month", 3, False)),
        ("2021KW02", (2021, "quarter", 2, False)),
        ("2022JJ00*", (2022, "year", 0, True)),
    ],
)
def test_cbs_periods_are_understood(text, expected):
    assert parse_period(text) == expected


def test_cbs_file_fills_a_municipal_indicator(plans):
    stadskanaal, _ = plans
    indicator = Indicator.objects.create(
        plan=stadskanaal,
        name="Woninginbraken",
        source="cbs",
        direction="lower",
        source_code="1.1.1",
        municipality=Organisation.objects.get(cbs_code="GM0037"),
    )
    data = (FILES / "83648NED_stadskanaal_woninginbraak.csv").read_bytes()
    preview = opendata_import(plan=stadskanaal, data=data)
    assert preview.created == 3 and not preview.saved
    assert not indicator.measurements.exists()
    result = opendata_import(
        plan=stadskanaal, data=data, provisional_from="2021JJ00", commit=True
    )
    assert result.saved
    values = {m.year: (m.value, m.provisional) for m in indicator.measurements.all()}
    # 2022 is suppressed ("."): no measurement, certainly not zero. 2021 is provisional.
    assert values == {
        2019: (Decimal("61"), False),
        2020: (Decimal("44"), False),
        2021: (Decimal("39"), True),
    }
    assert result.suppressed == ["Woninginbraken 2022"]
    assert "GM0014" in result.unknown_regions  # Groningen is not in the plan
    again = opendata_import(
        plan=stadskanaal, data=data, provisional_from="2021JJ00", commit=True
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_police_monthly_file_sums_the_plans_municipalities_and_skips_holes(plans):
    _, veluwe = plans
    indicator = Indicator.objects.create(
        plan=veluwe,
        name="Woninginbraken Veluwe-Noord",
        source="politie",
        direction="lower",
        source_code="1.1.1",
    )
    call_command(
        "import_open_data",
        str(FILES / "47013NED_veluwe_noord_woninginbraak.csv"),
        "--plan",
        veluwe.slug,
        "--provisional-from",
        "2021MM03",
        "--commit",
    )
    months = {
        m.period_number: (m.value, m.provisional) for m in indicator.measurements.all()
    }
    # February has an empty (suppressed) figure for Epe: no total for that month.
    assert months == {1: (Decimal("21"), False), 3: (Decimal("7"), True)}
    assert all(m.period_type == "month" for m in indicator.measurements.all())


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'"ID";"Foo"\n"1";"2"\n', "SoortMisdrijf"),
        (b"", "geen cijfers"),
        (
            b'"ID";"SoortMisdrijf";"RegioS";"Perioden";"Aantal"\n"1";"1.1.1";"GM0037";"vorig jaar";"3"\n',
            "geen periode",
        ),
        (
            b'"ID";"SoortMisdrijf";"RegioS";"Perioden";"Aantal"\n"1";"1.1.1";"GM0037";"2021JJ00";"veel"\n',
            "geen getal",
        ),
        (b"\xff\xfe\x00binary", "geen CSV"),
    ],
)
def test_bad_open_data_files_get_a_dutch_message_and_save_nothing(
    plans, content, fragment
):
    stadskanaal, _ = plans
    Indicator.objects.create(
        plan=stadskanaal, name="X", source="cbs", direction="lower", source_code="1.1.1"
    )
    with pytest.raises(OpenDataError) as exc:
        opendata_import(plan=stadskanaal, data=content, commit=True)
    assert fragment in str(exc.value)
    assert not Measurement.objects.filter(indicator__plan=stadskanaal).exists()
