"""A plan's workbook: exported and imported into an empty database it is the same plan,
field for field; a bad workbook is refused in Dutch and leaves nothing behind."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from actions.demo import demo_progress_load
from actions.imports import MAX_IMPORT_BYTES
from actions.models import Action, Meeting, ProgressUpdate
from policies import workbook
from policies.demo import demo_results_load
from policies.models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Measurement,
    Membership,
    Organisation,
    Plan,
    Priority,
    Result,
    Target,
)
from policies.seeds import seed_files, seeds_load
from policies.workbook import EXCLUDED, SHEETS, export_plan, import_plan

from .factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- A canonical dump of a plan's whole tree ------------------------------------------


def _natural(obj) -> object:
    """How the dump names an object another one points at: never by its id."""
    if obj is None:
        return None
    if isinstance(obj, Plan):
        return obj.slug
    if isinstance(obj, Organisation):
        return obj.name
    if isinstance(obj, Priority):
        return (obj.code, obj.title)
    if isinstance(obj, Agreement):
        return (_natural(obj.priority), obj.position, obj.text)
    if isinstance(obj, Action):
        return (_natural(obj.priority.plan), _natural(obj.priority), obj.title)
    if isinstance(obj, Meeting):
        return (str(obj.date), obj.body, obj.title)
    if isinstance(obj, Indicator):
        return obj.name
    if isinstance(obj, AgendaPriority):
        return (obj.level, obj.agenda, obj.title)
    return str(obj.pk)


# Not content: this database's bookkeeping. Everything else must survive the round trip;
# workbook.EXCLUDED is asserted separately to hold only what is named there.
BOOKKEEPING = {"id", "version", "created_at", "updated_at"}


def _dump(obj) -> tuple:
    model = type(obj)
    skip = BOOKKEEPING | EXCLUDED.get(model, set())
    values = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in skip:
            continue
        if model_field.is_relation:
            value = _natural(getattr(obj, model_field.name))
        else:
            value = getattr(obj, model_field.attname)
            if isinstance(value, Decimal):
                value = value.normalize()
        values.append((model_field.name, value))
    for model_field in model._meta.many_to_many:
        if model_field.name in skip:
            continue
        related = getattr(obj, model_field.name).all()
        values.append((model_field.name, sorted(map(str, map(_natural, related)))))
    return tuple(values)


def plan_tree(plan: Plan) -> dict:
    """Every object of the plan with its fields, each kind as a sorted list."""
    kinds = {
        "plan": [plan],
        "agenda": AgendaPriority.objects.filter(plan=plan),
        "priorities": Priority.objects.filter(plan=plan),
        "agreements": Agreement.objects.filter(priority__plan=plan),
        "results": list(Result.objects.filter(priority__plan=plan))
        + list(Result.objects.filter(agreement__priority__plan=plan)),
        "actions": Action.objects.for_plan(plan),
        "progress": ProgressUpdate.objects.filter(action__priority__plan=plan),
        "meetings": Meeting.objects.filter(plans=plan),
        "indicators": Indicator.objects.filter(plan=plan),
        "targets": Target.objects.filter(indicator__plan=plan),
        "measurements": Measurement.objects.filter(indicator__plan=plan),
    }
    return {
        kind: sorted((_dump(obj) for obj in objects), key=repr)
        for kind, objects in kinds.items()
    }


def _remove(plans) -> None:
    """Everything of these plans gone (organisations stay), children first."""
    ids = [plan.pk for plan in plans]
    ProgressUpdate.objects.filter(action__priority__plan__in=ids).delete()
    Measurement.objects.filter(indicator__plan__in=ids).delete()
    Meeting.objects.filter(plans__in=ids).delete()
    for plan in sorted(plans, key=lambda p: p.parent_id is None):
        Action.objects.for_plan(plan).filter(carried_over_from__isnull=False).update(
            carried_over_from=None
        )
        plan.delete()


def _differences(slug, kind, before, after) -> str:
    """The fields that differ, object by object: what a failing round trip lost."""
    lines = [f"{slug} {kind}: {len(before)} objects before, {len(after)} after"]
    for old, new in zip(before, after, strict=False):
        lines += [
            f"  {name}: {value!r} became {dict(new).get(name)!r}"
            for name, value in old
            if dict(new).get(name) != value
        ]
    return "\n".join(lines[:20])


# --- Round trip -----------------------------------------------------------------------


@pytest.mark.parametrize("path", seed_files(), ids=lambda p: p.stem)
def test_a_seed_plan_exported_and_imported_into_an_empty_database_is_the_same(path):
    seeds_load(paths=[path])
    demo_progress_load()
    demo_results_load()
    # Parents first: a programme names its IVP, which must be there when it comes in.
    plans = sorted(Plan.objects.all(), key=lambda p: p.parent_id is not None)
    before = {plan.slug: plan_tree(plan) for plan in plans}
    books = {plan.slug: export_plan(plan) for plan in plans}
    # The demo gives progress to actions and results to agreements: both travel too.
    trees = before.values()
    assert any(t["progress"] for t in trees) == any(t["actions"] for t in trees)
    assert any(t["results"] for t in trees) or not any(t["agreements"] for t in trees)
    _remove(plans)
    assert not Priority.objects.exists() and not Action.objects.exists()
    for plan in plans:
        result = import_plan(books[plan.slug], commit=True)
        assert result.saved, result.problems
    for plan in plans:
        after = plan_tree(Plan.objects.get(slug=plan.slug))
        for kind in before[plan.slug]:
            assert after[kind] == before[plan.slug][kind], _differences(
                plan.slug, kind, before[plan.slug][kind], after[kind]
            )


def test_every_field_is_in_the_workbook_or_excluded_with_a_reason():
    for sheet in SHEETS:
        model = sheet.model
        carried = {column.name for column in workbook._columns(sheet)}
        for model_field in (*model._meta.concrete_fields, *model._meta.many_to_many):
            name = model_field.name
            assert (
                name in carried or name in EXCLUDED["*"] or name in EXCLUDED[model]
            ), f"{model.__name__}.{name} is neither in the workbook nor excluded"


def test_a_field_no_column_names_travels_under_its_own_name(monkeypatch):
    # As a field added to Action later would: "note" left out of the named columns.
    sheet = next(s for s in SHEETS if s.model is Action)
    monkeypatch.setattr(sheet, "named", [c for c in sheet.named if c[1] != "note"])
    monkeypatch.setattr(sheet, "columns", [])
    plan = PlanFactory(slug="notitie")
    ActionFactory(priority=PriorityFactory(plan=plan, code="1"), note="Zie bijlage")
    data = export_plan(plan)
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(data))["Acties"][1]]
    assert "note" in headers and "Notitie" not in headers
    _remove([plan])
    assert import_plan(data, commit=True).saved
    assert Action.objects.get().note == "Zie bijlage"


def _two_programmes():
    """Epe's 2021 programme and its 2022 successor: an action carried over, due at a
    driehoek, shared by two trekkers who each report their part."""
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    politie = Organisation.objects.create(name="Politie Epe", kind="police")
    first = PlanFactory(slug="epe-2021", start_year=2021, end_year=2021)
    second = PlanFactory(slug="epe-2022", start_year=2022, end_year=2022)
    for plan in (first, second):
        plan.municipalities.set([epe])
    old = ActionFactory(priority=PriorityFactory(plan=first, code="1"), title="Pva")
    driehoek = MeetingFactory(date=dt.date(2022, 9, 9), title="Driehoek")
    driehoek.plans.set([second])
    new = ActionFactory(
        priority=PriorityFactory(plan=second, code="1"),
        title="Pva",
        carried_over_from=old,
        deadline_meeting=driehoek,
        in_plan_since=dt.date(2022, 1, 1),
    )
    new.owners.set([epe, politie])
    new.meetings.set([driehoek])
    ProgressUpdateFactory(action=new, organisation=epe, status="done", text="Klaar")
    ProgressUpdateFactory(
        action=new, organisation=politie, status="ongoing", text="Bezig"
    )
    return first, second


def test_a_carried_over_shared_action_due_at_a_meeting_round_trips():
    _first, second = _two_programmes()
    before = plan_tree(second)
    data = export_plan(second)
    _remove([second])
    result = import_plan(data, commit=True)
    assert result.saved, result.problems
    after = plan_tree(Plan.objects.get(slug="epe-2022"))
    assert after == before
    action = Action.objects.get(priority__plan__slug="epe-2022")
    assert action.carried_over_from.priority.plan.slug == "epe-2021"
    assert action.deadline == dt.date(2022, 9, 9)
    assert sorted(u.organisation.name for u in action.progress_updates.all()) == [
        "Epe",
        "Politie Epe",
    ]


def test_the_workbook_holds_only_what_the_user_sees():
    first, second = _two_programmes()
    # The 2022 programme is also Hattem's; a Hattem reader does not see Epe's 2021.
    hattem = MunicipalityFactory(name="Hattem", cbs_code="GM0244")
    second.municipalities.add(hattem)
    other = MeetingFactory(date=dt.date(2021, 6, 17), title="Driehoek Epe")
    other.plans.set([first])
    action = Action.objects.get(priority__plan=second)
    action.meetings.add(other)
    reader = UserFactory()
    Membership.objects.create(user=reader, organisation=hattem, role="reader")
    book = openpyxl.load_workbook(io.BytesIO(export_plan(second, user=reader)))
    rows = list(book["Acties"].iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Voortgezet uit"] in (None, "")
    meetings = [
        r[3] for r in book["Bijeenkomsten"].iter_rows(min_row=2, values_only=True)
    ]
    assert meetings == ["Driehoek"]
    assert row["Bijeenkomsten"] == "1"
    # The beheerder's workbook holds both.
    book = openpyxl.load_workbook(io.BytesIO(export_plan(second)))
    rows = list(book["Acties"].iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Voortgezet uit"] == "epe-2021; 1; Pva"
    assert row["Bijeenkomsten"] == "1; 2"


def test_a_plan_of_only_priorities_exports_and_imports():
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    plan = PlanFactory(slug="epe-ivp", start_year=2024, end_year=2027)
    plan.municipalities.set([epe])
    top = PriorityFactory(plan=plan, code="1", title="Ondermijning")
    PriorityFactory(plan=plan, code="1.1", title="Drugs", parent=top)
    PriorityFactory(plan=plan, code="", title="Diversen", position=5)
    data = export_plan(plan)
    before = plan_tree(plan)
    _remove([plan])
    result = import_plan(data, commit=True)
    assert result.saved, result.problems
    assert plan_tree(Plan.objects.get(slug="epe-ivp")) == before


def test_the_preview_saves_nothing():
    plan = PlanFactory(slug="voorbeeld")
    PriorityFactory(plan=plan, code="1")
    data = export_plan(plan)
    _remove([plan])
    preview = import_plan(data)
    assert preview.ok and not preview.saved
    assert preview.counts["Prioriteiten"] == 1
    assert not Plan.objects.exists()


def test_municipalities_are_matched_by_cbs_code_and_others_created_by_name():
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    police = Organisation.objects.create(name="Politie Epe", kind="police")
    plan = PlanFactory(slug="epe")
    plan.municipalities.set([epe])
    plan.partners.set([police])
    data = export_plan(plan)
    _remove([plan])
    police.delete()
    Organisation.objects.filter(pk=epe.pk).update(name="Gemeente Epe")
    result = import_plan(data, commit=True)
    assert result.saved, result.problems
    imported = Plan.objects.get(slug="epe")
    assert list(imported.municipalities.all()) == [Organisation.objects.get(pk=epe.pk)]
    assert [o.name for o in imported.partners.all()] == ["Politie Epe"]
    assert result.created_organisations == ["Politie Epe"]


# --- Bad workbooks ----------------------------------------------------------------------


@pytest.fixture
def seeded_book():
    seeds_load(paths=[p for p in seed_files() if "veluwe_noord" in p.name])
    demo_progress_load()
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    data = export_plan(plan)
    _remove([plan])  # its IVP stays: the programme names it as its parent
    return data


def _edit(data: bytes, change) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _set(sheet_title, header, value, row=2):
    def change(book):
        sheet = book[sheet_title]
        column = [c.value for c in sheet[1]].index(header) + 1
        sheet.cell(row=row, column=column, value=value)

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda book: book.remove(book["Acties"]),
            "Werkblad “Acties”: dit werkblad ontbreekt in het werkboek.",
        ),
        (
            _set("Acties", "Prioriteit", "9.9"),
            "Werkblad “Acties”, rij 2, kolom “Prioriteit”: “9.9” staat niet in het "
            "werkblad “Prioriteiten”.",
        ),
        (
            _set("Acties", "Deadline", "31 februari"),
            "Werkblad “Acties”, rij 2, kolom “Deadline”: “31 februari” is geen datum; "
            "schrijf hem als 31-12-2021.",
        ),
        (
            _set("Voortgang", "Status", "bijna klaar"),
            "Werkblad “Voortgang”, rij 2, kolom “Status”: “bijna klaar” is geen status",
        ),
        (
            _set("Acties", "Trekkers", "Gemeente Nergenshuizen"),
            "Werkblad “Acties”, rij 2, kolom “Trekkers”: de organisatie “Gemeente "
            "Nergenshuizen” staat niet in het werkblad “Organisaties”",
        ),
    ],
    ids=["missing-sheet", "unknown-priority", "bad-date", "bad-status", "unknown-org"],
)
def test_a_bad_workbook_is_refused_in_dutch_and_saves_nothing(
    seeded_book, change, message
):
    result = import_plan(_edit(seeded_book, change), commit=True)
    assert not result.saved
    assert any(str(p).startswith(message) for p in result.problems), result.problems
    assert not Plan.objects.filter(slug="veluwe-noord-uvp-2021").exists()
    assert not Priority.objects.filter(plan__slug="veluwe-noord-uvp-2021").exists()
    assert not Meeting.objects.filter(plans__slug="veluwe-noord-uvp-2021").exists()


def test_a_too_large_workbook_is_refused_in_dutch():
    result = import_plan(b"x" * (MAX_IMPORT_BYTES + 1), commit=True)
    assert not result.saved
    assert result.problems == [
        "Het bestand is 5,1 MB; er kan hoogstens 5 MB worden ingelezen."
    ]
    assert not Plan.objects.exists()


def test_an_existing_plan_is_not_overwritten(seeded_book):
    assert import_plan(seeded_book, commit=True).saved
    again = import_plan(seeded_book, commit=True)
    assert not again.saved
    assert any("Korte naam" in str(p) for p in again.problems)
    assert Plan.objects.filter(slug="veluwe-noord-uvp-2021").count() == 1


def test_exported_text_cannot_run_as_a_formula():
    plan = PlanFactory(slug="formules", title='=HYPERLINK("http://x")')
    data = export_plan(plan)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Plan"]
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    _remove([plan])
    assert import_plan(data, commit=True).saved
    assert Plan.objects.get().title == '=HYPERLINK("http://x")'


def test_model_fields_are_known():
    # A guard against a typo in a sheet's field names: every name is a field.
    for sheet in SHEETS:
        names = {f.name for f in sheet.model._meta.get_fields()}
        for _header, name in sheet.named:
            assert name in names, (sheet.title, name)
