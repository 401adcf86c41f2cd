"""Importing a programme from a spreadsheet: real layouts, preview, all-or-nothing, idempotent."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from actions.imports import MAX_IMPORT_BYTES, ImportError_, programme_import
from actions.models import Action
from policies.models import Organisation, Plan, Priority
from policies.seeds import seeds_load

from .factories import MunicipalityFactory, PartnerFactory, PlanFactory

pytestmark = pytest.mark.django_db
EXAMPLES = Path(settings.BASE_DIR) / "fixtures" / "import"


def _xlsx(rows, title="Blad1") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def empty_veluwe_noord():
    seeds_load()
    seeded = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    plan = PlanFactory(title="Import Veluwe-Noord", start_year=2021, end_year=2021)
    plan.municipalities.set(seeded.municipalities.all())
    plan.partners.set(seeded.partners.all())
    return seeded, plan


def _summary(plan):
    return {
        (a.priority.code, a.title): (
            sorted(o.name for o in a.owners.all()),
            a.deadline,
            a.status,
        )
        for a in Action.objects.for_plan(plan).filter(unplanned=False)
    }


def test_veluwe_noord_table_imports_equal_to_the_seed(empty_veluwe_noord):
    seeded, plan = empty_veluwe_noord
    data = (EXAMPLES / "veluwe-noord-2021.xlsx").read_bytes()
    preview = programme_import(plan=plan, data=data, filename="veluwe-noord-2021.xlsx")
    assert preview.problems == []
    assert len(preview.creates) == 32  # 30 planned and the 2 of the unplanned table
    assert not Action.objects.for_plan(plan).exists()  # a preview saves nothing
    result = programme_import(
        plan=plan, data=data, filename="veluwe-noord-2021.xlsx", commit=True
    )
    assert result.saved
    assert list(plan.priorities.values_list("code", flat=True)) == list(
        seeded.priorities.values_list("code", flat=True)
    )
    assert _summary(plan) == _summary(seeded)
    assert _unplanned(plan) == _unplanned(seeded)


def _unplanned(plan):
    """The "Onvoorziene acties" table: its priority (the source's "Subspeerpunt" names
    themes, so the top priority), who, when due and when it came in."""
    return sorted(
        (
            a.priority.code,
            a.priority.title,
            a.title,
            sorted(o.name for o in a.owners.all()),
            a.deadline,
            a.deadline_precision,
            a.added_on,
            a.added_on_precision,
            a.in_plan_since,
        )
        for a in Action.objects.for_plan(plan).filter(unplanned=True)
    )


def test_the_unplanned_table_imports_as_unplanned_actions(empty_veluwe_noord):
    _, plan = empty_veluwe_noord
    data = (EXAMPLES / "veluwe-noord-2021.xlsx").read_bytes()
    programme_import(plan=plan, data=data, filename="v.xlsx", commit=True)
    lachgas = Action.objects.for_plan(plan).get(unplanned=True, priority__code="1")
    assert (lachgas.title, [o.name for o in lachgas.owners.all()]) == (
        "Lachgas APV, Oldebroek, april",
        ["Oldebroek"],
    )
    assert lachgas.added_on == dt.date(2021, 2, 1)
    assert lachgas.in_plan_since == dt.date(2021, 2, 1)  # not in Q4 2020's report
    assert lachgas.note == "Subspeerpunt in de bron: “Kwetsbaar, jeugd, ondermijning,”."
    # "Zorg en veiligheid" is the "1. Zorg & Veiligheid" of the main table.
    assert plan.priorities.filter(parent=None).count() == 4


def test_importing_the_same_file_twice_changes_nothing(empty_veluwe_noord):
    _, plan = empty_veluwe_noord
    data = (EXAMPLES / "veluwe-noord-2021.xlsx").read_bytes()
    programme_import(plan=plan, data=data, filename="v.xlsx", commit=True)
    again = programme_import(plan=plan, data=data, filename="v.xlsx", commit=True)
    assert (len(again.creates), len(again.updates), again.unchanged) == (0, 0, 32)
    assert Action.objects.for_plan(plan).count() == 32


def _template_rows(deadline="17 juni 2021", owner="Epe"):
    return [
        ["Speerpunt", "Subspeerpunt", "Actie", "Trekker", "Deadline", "Status"],
        [
            "1 Zorg en veiligheid",
            "1.1 Jeugd",
            "Evalueren overlastnetwerk.",
            owner,
            deadline,
            "loopt",
        ],
        ["", "", "Pva woninginbraak opstellen.", "Politie, Epe", "Q3 2021", ""],
    ]


@pytest.fixture
def epe_plan():
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    police = PartnerFactory(name="Politie basisteam Veluwe-Noord")
    plan = PlanFactory(municipalities=[epe], start_year=2021, end_year=2021)
    plan.partners.add(police)
    return plan


def test_corrected_file_updates_in_place(epe_plan):
    programme_import(
        plan=epe_plan, data=_xlsx(_template_rows()), filename="a.xlsx", commit=True
    )
    action = Action.objects.get(title="Evalueren overlastnetwerk.")
    corrected = programme_import(
        plan=epe_plan,
        data=_xlsx(_template_rows(deadline="15-4-2021")),
        filename="a.xlsx",
        commit=True,
    )
    assert len(corrected.updates) == 1
    assert corrected.updates[0][1]["deadline"] == (
        dt.date(2021, 6, 17),
        dt.date(2021, 4, 15),
    )
    action.refresh_from_db()
    assert action.deadline == dt.date(2021, 4, 15)
    assert Action.objects.for_plan(epe_plan).count() == 2
    woninginbraak = Action.objects.get(title="Pva woninginbraak opstellen.")
    assert woninginbraak.deadline_display in ("3e kwartaal 2021", "Q3 2021")
    assert sorted(o.name for o in woninginbraak.owners.all()) == [
        "Epe",
        "Politie basisteam Veluwe-Noord",
    ]


def test_unknown_owner_is_listed_and_can_be_created(epe_plan):
    rows = _template_rows(owner="Stichting Halt")
    preview = programme_import(
        plan=epe_plan, data=_xlsx(rows), filename="a.xlsx", commit=True
    )
    assert not preview.saved
    assert preview.unmatched_names == {"Stichting Halt": [2]}
    assert not Action.objects.exists()
    created = programme_import(
        plan=epe_plan,
        data=_xlsx(rows),
        filename="a.xlsx",
        commit=True,
        create_organisations=True,
    )
    assert created.saved
    assert Organisation.objects.get(name="Stichting Halt").kind == "other"


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([["Speerpunt", "Trekker"], ["1 Jeugd", "Epe"]], "Actie"),
        (_template_rows(deadline="31 juni 2021"), "niet bestaat"),
        (_template_rows()[:2] + [_template_rows()[1]], "staat al in rij 2"),
        (
            [["Speerpunt", "Actie", "Status"], ["1 Jeugd", "Iets doen.", "half af"]],
            "geen status",
        ),
        ([["Actie"], ["Iets doen."]], "Speerpunt"),
    ],
)
def test_bad_rows_give_a_dutch_problem_with_row_and_column_and_save_nothing(
    epe_plan, rows, fragment
):
    preview = programme_import(
        plan=epe_plan, data=_xlsx(rows), filename="a.xlsx", commit=True
    )
    assert not preview.saved
    assert any(fragment in str(p) for p in preview.problems), [
        str(p) for p in preview.problems
    ]
    assert not Action.objects.exists()
    assert not Priority.objects.filter(plan=epe_plan).exists()


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"%PDF-1.4 not a spreadsheet", "plan.xlsx", "geen leesbaar"),
        (b"hello", "plan.docx", "Alleen .xlsx"),
        (b"", "leeg.csv", "leeg"),
        (b"x" * (MAX_IMPORT_BYTES + 1), "groot.csv", "hoogstens"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(
    epe_plan, data, filename, fragment
):
    with pytest.raises(ImportError_) as exc:
        programme_import(plan=epe_plan, data=data, filename=filename, commit=True)
    assert fragment in str(exc.value)


def test_csv_with_semicolons_as_excel_writes_it(epe_plan):
    data = "Speerpunt;Actie;Trekker;Deadline\n1 Jeugd;Iets doen.;Epe;2021\n".encode(
        "utf-8-sig"
    )
    preview = programme_import(
        plan=epe_plan, data=data, filename="plan.csv", commit=True
    )
    assert preview.saved
    assert Action.objects.get().deadline == dt.date(2021, 12, 31)


@pytest.mark.parametrize(
    "slug", ["veluwe-noord-uvp-2021", "noordoostpolder-uvp-2020-2021"]
)
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_into_a_new_plan_gives_the_same_plan(slug, file_format):
    from actions.demo import demo_progress_load
    from actions.exports import actions_dataset

    seeds_load()
    demo_progress_load()
    seeded = Plan.objects.get(slug=slug)
    dataset = actions_dataset(Action.objects.for_plan(seeded))
    data = dataset.export(
        file_format, **({"delimiter": ";"} if file_format == "csv" else {})
    )
    data = data.encode("utf-8") if isinstance(data, str) else data
    copy = PlanFactory(start_year=seeded.start_year, end_year=seeded.end_year)
    copy.municipalities.set(seeded.municipalities.all())
    copy.partners.set(seeded.partners.all())
    result = programme_import(
        plan=copy, data=data, filename=f"plan.{file_format}", commit=True
    )
    assert result.saved, [str(p) for p in result.problems] + list(
        result.unmatched_names
    )

    def shape(plan):
        return sorted(
            (
                a.priority.code,
                a.priority.title,
                a.title,
                a.description,
                a.item,
                tuple(sorted(o.name for o in a.owners.all())),
                a.owner_role,
                tuple(sorted(o.name for o in a.partners.all())),
                a.portfolio_holder,
                a.deadline,
                a.deadline_precision if a.deadline else "",
                a.status,
                a.unplanned,
            )
            for a in Action.objects.for_plan(plan)
        )

    assert shape(copy) == shape(seeded)


def test_exported_cells_cannot_run_formulas(epe_plan):
    from actions.exports import actions_dataset

    from .factories import ActionFactory, PriorityFactory

    priority = PriorityFactory(plan=epe_plan)
    ActionFactory(
        priority=priority, title='=HYPERLINK("http://x")', description="@SUM(1)"
    )
    ActionFactory(priority=priority, title="+31 6", description="-2")
    rows = actions_dataset(Action.objects.for_plan(epe_plan)).dict
    assert rows[0]["Actie"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["Toelichting"] == "'@SUM(1)"
    assert (rows[1]["Actie"], rows[1]["Toelichting"]) == ("'+31 6", "'-2")


def test_noordoostpolder_tables_import_equal_to_the_seed():
    seeds_load()
    seeded = Plan.objects.get(slug="noordoostpolder-uvp-2020-2021")
    plan = PlanFactory(title="Import Noordoostpolder", start_year=2020, end_year=2021)
    plan.municipalities.set(seeded.municipalities.all())
    data = (EXAMPLES / "noordoostpolder-2020-2021.xlsx").read_bytes()
    result = programme_import(plan=plan, data=data, filename="nop.xlsx", commit=True)
    assert result.saved, [str(p) for p in result.problems] + list(
        result.unmatched_names
    )
    assert len(result.creates) == 42

    def priorities(p):
        return list(p.priorities.values_list("code", "title", "kind"))

    assert priorities(plan) == priorities(seeded)

    def rows(p):
        return sorted(
            (a.priority.code, a.item, str(a.deadline), a.parties_text, a.owner_role)
            for a in Action.objects.for_plan(p)
        )

    assert rows(plan) == rows(seeded)

    # The organisations in "partijen intern/extern" ("MO/RO, USD, politie, OM, GGD")
    # are the partners, as the seed has them (issue 17: 24 of 42 had lost theirs).
    def partners(p):
        return sorted(
            (a.priority.code, a.item, tuple(sorted(o.name for o in a.partners.all())))
            for a in Action.objects.for_plan(p)
        )

    assert sum(1 for *_, names in partners(seeded) if names) == 26
    assert partners(plan) == partners(seeded)


# Imports never crash and never hang (issue 15): every refusal is a Dutch message.


def _with_column(header, value):
    rows = _template_rows()
    return [row + [cell] for row, cell in zip(rows, [header, value, ""], strict=True)]


@pytest.mark.parametrize(
    ("header", "value", "limit"),
    [
        ("Portefeuillehouder", "Burgemeester " * 31, 200),
        ("Begroting", "€ 5.000 " * 40, 300),
        ("PH", "Wethouder " * 25, 200),
    ],
)
def test_an_overlong_cell_is_a_problem_in_its_row_and_column_and_nothing_is_saved(
    epe_plan, header, value, limit
):
    preview = programme_import(
        plan=epe_plan, data=_xlsx(_with_column(header, value)), filename="a.xlsx"
    )
    assert [(p.row, p.column) for p in preview.problems] == [(2, header)]
    assert f"niet meer dan {limit} tekens" in str(preview.problems[0])
    saved = programme_import(
        plan=epe_plan,
        data=_xlsx(_with_column(header, value)),
        filename="a.xlsx",
        commit=True,
    )
    assert not saved.saved
    assert not Action.objects.exists()
    assert not Priority.objects.filter(plan=epe_plan).exists()


def test_every_invalid_row_is_listed_and_a_corrected_file_is_not_half_saved(epe_plan):
    programme_import(
        plan=epe_plan, data=_xlsx(_template_rows()), filename="a.xlsx", commit=True
    )
    rows = _template_rows()
    rows[0].append("Portefeuillehouder")
    rows[1].append("x" * 201)  # an update of an existing action
    rows[2].append("y" * 250)
    rows.append(["9 " + "Lange speerpunt " * 20, "", "Nieuwe actie.", "", "", ""])
    preview = programme_import(
        plan=epe_plan, data=_xlsx(rows), filename="a.xlsx", commit=True
    )
    assert [(p.row, p.column) for p in preview.problems] == [
        (2, "Portefeuillehouder"),
        (3, "Portefeuillehouder"),
        (4, "Speerpunt"),
    ]
    assert not preview.saved
    assert not Action.objects.filter(portfolio_holder__startswith="x").exists()
    assert not Priority.objects.filter(plan=epe_plan, code="9").exists()


def test_an_oversized_file_is_refused_with_its_own_size_in_dutch(epe_plan):
    with pytest.raises(ImportError_) as exc:
        programme_import(
            plan=epe_plan, data=b"x" * (6 * 1024 * 1024), filename="groot.xlsx"
        )
    assert str(exc.value) == (
        "Het bestand is 6,0 MB; er kan hoogstens 5 MB worden ingelezen."
    )


def test_a_file_just_over_the_limit_does_not_print_as_the_limit(epe_plan):
    with pytest.raises(ImportError_) as exc:
        programme_import(
            plan=epe_plan, data=b"x" * (MAX_IMPORT_BYTES + 1), filename="groot.csv"
        )
    assert "is 5,1 MB" in str(exc.value)


@pytest.mark.parametrize(
    "encoding", ["cp1252", "utf-8", "utf-8-sig"], ids=["excel-nl", "utf8", "utf8-bom"]
)
def test_a_csv_in_windows_1252_or_utf_8_is_read(epe_plan, encoding):
    data = (
        "Speerpunt;Actie;Trekker;Deadline;Begroting\n"
        "1 Jeugd;Café-overleg evalueren.;Epe;2021;€ 5.000\n"
    ).encode(encoding)
    preview = programme_import(
        plan=epe_plan, data=data, filename="plan.csv", commit=True
    )
    assert preview.saved, [str(p) for p in preview.problems]
    action = Action.objects.get()
    assert (action.title, action.budget_text) == ("Café-overleg evalueren.", "€ 5.000")
    assert Priority.objects.get(plan=epe_plan).title == "Jeugd"


@pytest.mark.parametrize(
    "data",
    [
        b"Speerpunt;Actie\n1 Jeugd;Iets \x81 doen.\n",  # 0x81: neither UTF-8 nor cp1252
        "Speerpunt;Actie\n1 Jeugd;Iets doen.\n".encode("utf-16"),
    ],
    ids=["undefined-byte", "utf-16"],
)
def test_a_csv_in_another_encoding_is_refused_naming_the_encodings_read(epe_plan, data):
    with pytest.raises(ImportError_) as exc:
        programme_import(plan=epe_plan, data=data, filename="plan.csv")
    assert "UTF-8" in str(exc.value)
    assert "Windows-1252" in str(exc.value)


def _write_only_xlsx(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Blad1")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_small_workbook_with_too_many_cells_is_refused_naming_the_bound(epe_plan):
    from actions.imports import MAX_CELLS

    width = 40
    header = ["Speerpunt", "Actie"] + [f"Kolom {n}" for n in range(width - 2)]
    data = _write_only_xlsx(
        [header] + [[1] * width for _ in range(MAX_CELLS // width + 1)]
    )
    assert len(data) < MAX_IMPORT_BYTES / 2
    with pytest.raises(ImportError_) as exc:
        programme_import(plan=epe_plan, data=data, filename="veel.xlsx")
    assert str(exc.value) == (
        "Het bestand heeft meer dan 100.000 cellen; er kunnen hoogstens 100.000 "
        "cellen worden ingelezen."
    )


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_a_file_with_too_many_rows_is_refused_naming_the_bound(epe_plan, file_format):
    from actions.imports import MAX_ROWS

    rows = [["Speerpunt", "Actie"]] + [
        ["1 Jeugd", f"Actie {n}."] for n in range(MAX_ROWS)
    ]
    if file_format == "xlsx":
        data = _write_only_xlsx(rows)
    else:
        data = "".join(";".join(row) + "\n" for row in rows).encode()
    with pytest.raises(ImportError_) as exc:
        programme_import(plan=epe_plan, data=data, filename="lang." + file_format)
    assert str(exc.value) == (
        "Het bestand heeft meer dan 5.000 rijen; er kunnen hoogstens 5.000 "
        "rijen worden ingelezen."
    )


def test_a_workbook_that_unpacks_beyond_the_bound_is_refused_before_reading(
    epe_plan,
):
    from actions.imports import MAX_UNPACKED_BYTES

    text = "Overlast aanpakken. " * 1600  # 32,000 characters: Excel's cell limit
    rows = [["Speerpunt", "Actie"]] + [
        [f"{n} Speerpunt", text] for n in range(MAX_UNPACKED_BYTES // len(text) + 1)
    ]
    data = _write_only_xlsx(rows)
    assert len(data) < MAX_IMPORT_BYTES
    with pytest.raises(ImportError_) as exc:
        programme_import(plan=epe_plan, data=data, filename="uitgepakt.xlsx")
    assert str(exc.value).startswith("Uitgepakt is dit Excel-bestand 20,")
    assert "hoogstens 20 MB worden gelezen" in str(exc.value)


def test_a_workbook_of_more_xml_elements_than_the_bound_is_refused_before_reading(
    epe_plan, monkeypatch
):
    # The bound in elements (1,000,000) stands for openpyxl's work before the first row;
    # a lower one keeps the file this test builds small.
    monkeypatch.setattr("actions.imports.MAX_XML_TAGS", 2_000)
    data = _write_only_xlsx([["Speerpunt", "Actie"]] + [["", ""]] * 500)
    with pytest.raises(ImportError_) as exc:
        programme_import(plan=epe_plan, data=data, filename="opmaak.xlsx")
    assert str(exc.value).startswith(
        "Dit Excel-bestand bevat meer dan 2.000 XML-elementen"
    )
