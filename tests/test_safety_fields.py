"""The five VNG safety fields with their themes, and the seed priorities tagged with them
as the seed files say (issue 18, item 3)."""

import json

import pytest

from policies.models import Priority, SafetyField, SafetyTheme
from policies.seeds import SeedError, seed_files, seeds_load

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
