"""The five VNG safety fields with their themes, and the seed priorities tagged with them
as the seed files say (issue 18, item 3)."""

import datetime as dt
import json
import re
import shutil
from collections import Counter

import pytest
from django.urls import reverse

from actions.demo import demo_progress_load
from actions.models import Status
from actions.state import PlanState
from ivp.periods import Period
from policies.models import Plan, Priority, SafetyField, SafetyTheme
from policies.seeds import SeedError, seed_files, seeds_load
from reports import pdf

from .test_pdf_reports import pdf_pages

pytestmark = pytest.mark.django_db


def fixture_tags() -> dict[tuple[str, str], tuple[set, set]]:
    """(plan slug, priority code or title) -> (field codes, theme codes), as written."""
    tags = {}

    def walk(slug, priorities):
        for data in priorities:
            key = (slug, data.get("code") or data["title"])
            tags[key] = (
                set(data.get("safety_fields", [])),
                set(data.get("safety_themes", [])),
            )
            walk(slug, data.get("children", []))

    for path in seed_files():
        for plan in json.loads(path.read_text(encoding="utf-8"))["plans"]:
            walk(plan["key"], plan.get("priorities", []))
    return tags


def test_every_field_has_the_themes_of_the_kernbeleid():
    themes = {
        field.code: [theme.name for theme in field.themes.order_by("position")]
        for field in SafetyField.objects.all()
    }
    assert themes["woon_leefomgeving"][0] == "Sociale kwaliteit"
    assert "Subjectieve veiligheid" in themes["woon_leefomgeving"]
    assert "Veilige evenementen" in themes["bedrijvigheid"]
    assert themes["jeugd"] == [
        "Jeugdoverlast",
        "Jeugdcriminaliteit",
        "Alcohol en drugs",
        "Veilig in en om de school",
    ]
    assert "Rampenbestrijding en crisisbeheersing" in themes["fysiek"]
    assert "Polarisatie en radicalisering" in themes["integriteit"]
    assert {len(names) for names in themes.values()} == {4, 5}
    assert SafetyTheme.objects.count() == 22


def test_every_seed_priority_is_tagged_as_its_file_says():
    seeds_load()
    tags = fixture_tags()
    loaded = {
        (p.plan.slug, p.code or p.title): (
            {f.code for f in p.safety_fields.all()},
            {t.code for t in p.safety_themes.all()},
        )
        for p in Priority.objects.select_related("plan").prefetch_related(
            "safety_fields", "safety_themes"
        )
    }
    assert loaded == tags
    assert len(loaded) == 46
    # Only three priorities name no field: Veilige Publieke Taak, the regional
    # network's information provision and Veluwe-Noord's "Diversen".
    assert sorted(key for key, (fields, _) in loaded.items() if not fields) == [
        ("noordoostpolder-uvp-2020-2021", "f"),
        ("veiligheidsnetwerk-oost-nederland-2015-2018", "Informatievoorziening"),
        ("veluwe-noord-uvp-2021", "Diversen"),
    ]
    ondermijning = Priority.objects.get(
        plan__slug="stadskanaal-ivp-2020-2024", code="6"
    )
    assert {t.name for t in ondermijning.safety_themes.all()} == {
        "Georganiseerde criminaliteit (ondermijning)"
    }


def test_a_theme_without_its_field_is_refused_by_the_loader(tmp_path):
    source = seed_files()[1]
    data = json.loads(source.read_text(encoding="utf-8"))
    data["plans"][0]["priorities"][0]["safety_themes"] = ["jeugdoverlast"]
    broken = tmp_path / source.name
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SeedError, match="lack their field"):
        seeds_load(paths=[broken])
    assert not Priority.objects.exists()  # nothing half-loaded


# --- the plan seen per safety field ----------------------------------------------------


def dashboard(client, plan, query=""):
    response = client.get(reverse("reports:plan", args=[plan.pk]) + "?" + query)
    assert response.status_code == 200
    return response.content.decode()


def status_figures(html: str) -> dict[str, int]:
    return {
        key: int(
            re.search(
                rf'data-status="{key}">.*?ivp-numeric">(?:<a [^>]*>)?(\d+)(?:</a>)?</td>',
                html,
                re.S,
            ).group(1)
        )
        for key in [*Status.values, "total"]
    }


def field_table(html: str) -> dict[str, list[int]]:
    """The per-field table: field code ("" for no field) -> its numbers, the total last."""
    table = html[html.index('id="per-veld"') :]
    table = table[: table.index("</table>")]
    return {
        code: [int(n) for n in re.findall(r'ivp-numeric">(\d+)</td>', cells)]
        for code, cells in re.findall(r'data-field="(\w*)">(.*?)</tr>', table, re.S)
    }


def test_the_dashboard_filter_narrows_every_figure_as_the_api_does(beheerder_on_seeds):
    plan = Plan.objects.get(slug="noordoostpolder-uvp-2020-2021")
    period = Period(2021)
    day = period.state_day(dt.date.today())
    html = dashboard(beheerder_on_seeds, plan, period.query())
    table = field_table(html)
    assert set(table) == {
        "woon_leefomgeving",
        "bedrijvigheid",
        "jeugd",
        "fysiek",
        "integriteit",
        "",
    }
    # The filter offers the fields the plan uses.
    assert re.findall(r'<option value="(\w+)"', html.split('name="veld"')[1])[:5] == [
        "woon_leefomgeving",
        "bedrijvigheid",
        "jeugd",
        "fysiek",
        "integriteit",
    ]
    for code in [c for c in table if c]:
        narrowed = dashboard(beheerder_on_seeds, plan, f"{period.query()}&veld={code}")
        figures = status_figures(narrowed)
        rows = beheerder_on_seeds.get(
            "/api/v1/actions/",
            {"plan": plan.pk, "as_of": day.isoformat(), "veld": code, "page_size": 500},
        ).json()["results"]
        counts = Counter(row["status"] for row in rows)
        assert figures == {
            **{status: counts.get(status, 0) for status in Status.values},
            "total": len(rows),
        }, code
        # The table's row for the field is the narrowed dashboard's figures.
        in_order = [figures[s.value] for s in Status.in_order()]
        assert table[code] == [*in_order, len(rows)], code
        assert 'id="veld-filter"' in narrowed
    # Every action lies in a field or in none: the fields' actions and the rest make
    # the whole plan, each counted once.
    everything = status_figures(html)["total"]
    in_fields = set()
    for code in [c for c in table if c]:
        rows = beheerder_on_seeds.get(
            "/api/v1/actions/",
            {"plan": plan.pk, "as_of": day.isoformat(), "veld": code, "page_size": 500},
        ).json()["results"]
        in_fields |= {row["id"] for row in rows}
    assert len(in_fields) + table[""][-1] == everything
    # Each row's statuses add up to its total.
    for numbers in table.values():
        assert sum(numbers[:-1]) == numbers[-1]


def test_an_unknown_field_shows_the_whole_plan(beheerder_on_seeds):
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    whole = status_figures(dashboard(beheerder_on_seeds, plan))
    html = dashboard(beheerder_on_seeds, plan, "veld=geen-veld")
    assert status_figures(html) == whole
    assert 'id="veld-filter"' not in html


def test_the_state_narrowed_to_a_field_is_the_sum_of_its_priorities():
    seeds_load()
    demo_progress_load()
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    state = PlanState(plan, Period(2021), today=dt.date(2022, 3, 1))
    jeugd = state.narrowed("jeugd")
    ids = set(Priority.objects.in_safety_field("jeugd").values_list("pk", flat=True))
    assert jeugd.total == sum(
        sum(row.own.values()) for row in state.priority_rows if row.priority.pk in ids
    )
    assert {row.priority.pk for row in jeugd.priority_rows} <= ids
    assert jeugd.narrowed(None).total == state.total


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed"
)
def test_the_annual_report_has_a_chapter_per_field(beheerder_on_seeds):
    plan = Plan.objects.get(slug="noordoostpolder-uvp-2020-2021")
    state = PlanState(plan, Period(2021))
    text = " ".join(pdf_pages(pdf.annual_report_pdf(plan, year=2021)))
    # From the chapter's introduction (its title also heads the pages it runs over).
    chapter = text[text.index("Per veiligheidsveld De prioriteiten van het plan") :]
    names = [row.field.name for row in state.field_rows if row.field]
    assert len(names) == 5
    positions = [chapter.index(name) for name in names]
    assert positions == sorted(positions)  # in the VNG order
    for row in state.field_rows:
        name = row.field.name if row.field else "Zonder veiligheidsveld"
        section = chapter[chapter.index(name) :]
        # The field's total line: every status and the total.
        numbers = " ".join(str(n) for _, n in row.status_counts)
        assert f"Totaal {numbers} {row.total}" in section, name
    assert "Rampenbestrijding en crisisbeheersing (6.4)" in chapter
