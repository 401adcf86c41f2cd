"""A whole plan in one workbook, and back: `export_plan(plan) -> bytes`, `import_plan()`.

One sheet per kind (plan, organisations, priorities, agreements, results, meetings,
actions, progress, indicators, targets, measurements), one row per object, one column
per field. The columns are named here in Dutch; how a cell is written and read follows
from the model field it stands for (`_codec`), so a field is never read differently
from how it was written. A concrete field that no column names gets a column of its own
under its field name (`_columns`), unless EXCLUDED says why it stays out: a new field is
carried, not silently dropped (tests/test_plan_workbook.py checks every field).

Objects refer to each other as a reader would: a priority by its code (its title when
it has none), an organisation by its name (the Organisaties sheet gives its kind and, for
a municipality, the CBS code by which it is matched), an indicator by its name, and
agreements, meetings and actions by their number in their own sheet.

The import reads within the programme import's bounds (actions.imports.read_sheets),
creates a new plan in one transaction and saves nothing when there is any problem; every
problem names its sheet, row and column in Dutch. `commit=False` is the preview: the same
run, rolled back.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font
from simple_history.utils import bulk_create_with_history

from actions.exports import FORMULA_START
from actions.imports import ImportError_, read_sheets
from actions.models import Action, Meeting, ProgressUpdate, Status

from .models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Measurement,
    Organisation,
    Plan,
    Priority,
    Result,
    SafetyField,
    SafetyTheme,
    Target,
)

LIST_SEPARATOR = "; "

# Fields that stay out of the workbook, and why. Everything else of these models is in it.
EXCLUDED = {
    # Identity and bookkeeping of this database, not content of the plan.
    "*": {"id", "version", "created_at", "updated_at"},
    # Who may coordinate is an account of this installation; accounts do not travel.
    # Nor does being published: a copy arrives unpublished, publishing is a choice
    # made where it is shown (reports/publication.py); what would be public travels.
    Plan: {"coordinators", "published", "published_at"},
    # Derived from the code on every save.
    Priority: {"sort_key", "plan"},
    # The agendas the plan being imported cites.
    AgendaPriority: {"plan"},
    Agreement: set(),
    Result: set(),
    # The meeting belongs to the plan being imported.
    Meeting: {"plans"},
    Action: set(),
    # The author is a person's account: exports never name them.
    ProgressUpdate: {"author"},
    Indicator: {"plan"},
    Target: set(),
    Measurement: set(),
    # A municipality's entry in the CBS list and its safety region follow from its CBS
    # code on every save (Organisation.follow_list), here as anywhere.
    Organisation: {"municipality", "safety_region"},
}


class Problem(str):
    """A problem of a sheet, row and column, as one Dutch sentence."""

    def __new__(cls, sheet: str, row: int | None, column: str, message: str):
        if not sheet:  # the whole file: too large, not a workbook
            text = message
        elif row is None:
            text = _("Sheet “%(sheet)s”: %(message)s") % {
                "sheet": sheet,
                "message": message,
            }
        else:
            text = _(
                "Sheet “%(sheet)s”, row %(row)s, column “%(column)s”: %(message)s"
            ) % {
                "sheet": sheet,
                "row": row,
                "column": column,
                "message": message,
            }
        problem = super().__new__(cls, text)
        problem.sheet, problem.row, problem.column = sheet, row, column
        return problem


class CellError(ValueError):
    """A cell that cannot be read; its message is Dutch and goes into a Problem."""


# --- References between sheets ------------------------------------------------------


class _Refs:
    """Both directions of every reference: an object to its cell, a cell to its object."""

    def __init__(self):
        self.cell: dict[tuple[type, int], str] = {}
        self.obj: dict[tuple[type, str], models.Model] = {}
        self.organisations: dict[str, Organisation] = {}

    def add(self, model, ref, obj):
        ref = str(ref)
        self.cell[(model, obj.pk)] = ref
        self.obj[(model, ref)] = obj

    def of(self, model, pk) -> str:
        # Strict: a reference the export did not number would be written as empty.
        # Only a meeting may be left out: one of another plan the user does not see.
        if model is Meeting:
            return self.cell.get((model, pk), "")
        return self.cell[(model, pk)]

    def get(self, model, ref: str):
        try:
            return self.obj[(model, ref)]
        except KeyError:
            raise CellError(
                _("“%(ref)s” is not in the sheet “%(sheet)s”.")
                % {"ref": ref, "sheet": SHEET_OF[model]}
            ) from None

    def organisation(self, name: str) -> Organisation:
        if name not in self.organisations:
            found = Organisation.objects.filter(name=name).first()
            if found is None:
                raise CellError(
                    _(
                        "the organisation “%(name)s” is not in the sheet "
                        "“Organisaties” and does not exist yet."
                    )
                    % {"name": name}
                )
            self.organisations[name] = found
        return self.organisations[name]


def priority_ref(priority: Priority) -> str:
    return priority.code or priority.title


def carried_over_ref(action: Action) -> str:
    plan = action.priority.plan
    return LIST_SEPARATOR.join([plan.slug, priority_ref(action.priority), action.title])


# --- Cells ----------------------------------------------------------------------------


def _text_in(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _safe(text: str) -> str:
    # A leading apostrophe keeps a spreadsheet from reading a formula; one is added
    # before a text that starts with one too, so reading takes exactly one off.
    return "'" + text if text.startswith((*FORMULA_START, "'")) else text


class _Codec:
    empty = ""

    def __init__(self, model_field=None):
        self.field = model_field

    def dump(self, value, refs):
        return _safe(str(value)) if value not in (None, "") else ""

    def load(self, cell, refs):
        text = _text_in(cell)
        return text[1:] if text.startswith("'") else text


class _Int(_Codec):
    def dump(self, value, refs):
        return value

    def load(self, cell, refs):
        text = _text_in(cell).strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise CellError(
                _("“%(text)s” is not a whole number.") % {"text": text}
            ) from None


class _Decimal(_Codec):
    def dump(self, value, refs):
        return value

    def load(self, cell, refs):
        if isinstance(cell, int | float):
            return Decimal(str(cell))
        text = _text_in(cell).strip().replace(",", ".")
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(text)s” is not a number.") % {"text": cell}) from None


class _Bool(_Codec):
    def dump(self, value, refs):
        return "ja" if value else "nee"

    def load(self, cell, refs):
        if isinstance(cell, bool):
            return cell
        text = _text_in(cell).strip().lower()
        if text in ("ja", "j", "1", "waar", "x"):
            return True
        if text in ("", "nee", "n", "0", "onwaar"):
            return False
        raise CellError(_("“%(text)s” is not “ja” or “nee”.") % {"text": cell})


class _Date(_Codec):
    def dump(self, value, refs):
        return value

    def load(self, cell, refs):
        if isinstance(cell, dt.datetime):
            return cell.date()
        if isinstance(cell, dt.date):
            return cell
        text = _text_in(cell).strip()
        if not text:
            return None
        for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise CellError(
            _("“%(text)s” is not a date; write it as 31-12-2021.") % {"text": text}
        )


class _Choice(_Codec):
    def dump(self, value, refs):
        if value in (None, ""):
            return ""
        return str(dict(self.field.choices).get(value, value))

    def load(self, cell, refs):
        text = " ".join(_text_in(cell).lower().split())
        if not text:
            return ""
        words = {}
        for value, label in self.field.choices:
            words[str(value).lower()] = value
            words[str(label).lower()] = value
            with translation.override("en"):
                words[str(label).lower()] = value
        if text not in words:
            raise CellError(
                _("“%(text)s” is not one of: %(choices)s.")
                % {
                    "text": cell,
                    "choices": ", ".join(
                        str(label) for _v, label in self.field.choices
                    ),
                }
            )
        return words[text]


class _Status(_Codec):
    def dump(self, value, refs):
        return Status(value).spreadsheet_word

    def load(self, cell, refs):
        status = Status.from_word(_text_in(cell))
        if status is None:
            raise CellError(
                _("“%(text)s” is not a status; use one of: %(choices)s.")
                % {"text": cell, "choices": ", ".join(Status.words())}
            )
        return status


class _Ref(_Codec):
    """A foreign key, written as the reference of the object it names."""

    def dump(self, value, refs):
        return _safe(refs.of(self.field.related_model, value)) if value else ""

    def load(self, cell, refs):
        text = super().load(cell, refs).strip()
        return refs.get(self.field.related_model, text) if text else None


class _PlanRef(_Codec):
    def dump(self, value, refs):
        return _safe(refs.of(Plan, value)) if value else ""

    def load(self, cell, refs):
        text = super().load(cell, refs).strip()
        if not text:
            return None
        plan = Plan.objects.filter(slug=text).first()
        if plan is None:
            raise CellError(
                _("the plan “%(slug)s” does not exist here; import it first.")
                % {"slug": text}
            )
        return plan


class _OrgRef(_Codec):
    def dump(self, value, refs):
        return _safe(refs.of(Organisation, value)) if value else ""

    def load(self, cell, refs):
        text = super().load(cell, refs).strip()
        return refs.organisation(text) if text else None


class _CarriedOver(_Codec):
    def dump(self, value, refs):
        # Left empty when the earlier programme is one the user does not see.
        return _safe(refs.cell.get((Action, value), "")) if value else ""

    def load(self, cell, refs):
        text = super().load(cell, refs).strip()
        if not text:
            return None
        slug, _sep, rest = text.partition(LIST_SEPARATOR)
        ref, _sep, title = rest.partition(LIST_SEPARATOR)
        for action in Action.objects.filter(
            priority__plan__slug=slug, title=title
        ).select_related("priority"):
            if priority_ref(action.priority) == ref:
                return action
        raise CellError(
            _("the action “%(ref)s” does not exist in this installation.")
            % {"ref": text}
        )


class _Many(_Codec):
    """A many-to-many field: the references in one cell, separated by semicolons."""

    def __init__(self, model_field):
        super().__init__(model_field)
        self.model = model_field.related_model

    def dump(self, value, refs):
        if self.model is SafetyField:  # its primary key is its code
            return _safe(LIST_SEPARATOR.join(value))
        cells = (refs.of(self.model, pk) for pk in value)
        return _safe(LIST_SEPARATOR.join(cell for cell in cells if cell))

    def load(self, cell, refs):
        text = super().load(cell, refs)
        names = [part.strip() for part in text.split(";") if part.strip()]
        if self.model is Organisation:
            return [refs.organisation(name) for name in names]
        if self.model is SafetyField:
            found = {f.code: f for f in SafetyField.objects.filter(code__in=names)}
            for name in names:
                if name not in found:
                    raise CellError(
                        _("“%(text)s” is not a VNG safety field.") % {"text": name}
                    )
            return [found[name] for name in names]
        if self.model is SafetyTheme:  # by its code, as the export writes it
            found = {t.code: t for t in SafetyTheme.objects.filter(code__in=names)}
            for name in names:
                if name not in found:
                    raise CellError(
                        _("“%(text)s” is not a VNG safety theme.") % {"text": name}
                    )
            return [found[name] for name in names]
        return [refs.get(self.model, name) for name in names]


def _codec(model, model_field) -> _Codec:
    if model in (Action, ProgressUpdate) and model_field.name == "status":
        return _Status(model_field)
    if model_field.many_to_many:
        return _Many(model_field)
    if model_field.is_relation:
        if model_field.related_model is Organisation:
            return _OrgRef(model_field)
        if model_field.related_model is Plan:
            return _PlanRef(model_field)
        if model is Action and model_field.name == "carried_over_from":
            return _CarriedOver(model_field)
        return _Ref(model_field)
    if model_field.choices:
        return _Choice(model_field)
    if isinstance(model_field, models.BooleanField):
        return _Bool(model_field)
    if isinstance(model_field, models.DecimalField):
        return _Decimal(model_field)
    if isinstance(model_field, models.DateField):
        return _Date(model_field)
    if isinstance(model_field, models.IntegerField):
        return _Int(model_field)
    return _Codec(model_field)


# --- Sheets ---------------------------------------------------------------------------


@dataclass
class Column:
    header: str
    name: str  # the model field, or "" for the row's own number
    codec: _Codec


@dataclass
class Sheet:
    title: str
    model: type
    named: list[tuple[str, str]]  # (header, field name), in this order
    numbered: bool = False  # a "Nr" column others refer to
    columns: list[Column] = field(default_factory=list)


SHEETS = [
    Sheet(
        "Plan",
        Plan,
        [
            ("Titel", "title"),
            ("Korte naam", "slug"),
            ("Soort", "kind"),
            ("Beginjaar", "start_year"),
            ("Eindjaar", "end_year"),
            ("Status", "status"),
            ("Gemeenten", "municipalities"),
            ("Partners", "partners"),
            ("Hoofdplan", "parent"),
            ("Vastgesteld op", "adopted_on"),
            ("Vastgesteld door", "adopted_by"),
            ("Beschrijving", "description"),
        ],
    ),
    Sheet(
        "Organisaties",
        Organisation,
        [
            ("Naam", "name"),
            ("Soort", "kind"),
            ("CBS-code", "cbs_code"),
            ("Politie-eenheid", "police_unit"),
            ("Politiedistrict", "police_district"),
            ("Omschrijving", "description"),
        ],
    ),
    Sheet(
        "Agendaprioriteiten",
        AgendaPriority,
        [
            ("Niveau", "level"),
            ("Agenda", "agenda"),
            ("Vastgesteld door", "issuer"),
            ("Titel", "title"),
            ("Soort", "kind"),
            ("Vanaf jaar", "start_year"),
            ("Tot en met jaar", "end_year"),
            ("Positie", "position"),
        ],
        numbered=True,
    ),
    Sheet(
        "Prioriteiten",
        Priority,
        [
            ("Code", "code"),
            ("Titel", "title"),
            ("Bovenliggende prioriteit", "parent"),
            ("Positie", "position"),
            ("Soort", "kind"),
            ("Doelstelling", "objective"),
            ("Beschrijving", "description"),
            ("Aandachtspunten", "attention_points"),
            ("Regionale agenda", "regional_alignment"),
            ("Landelijke agenda", "national_alignment"),
            ("VNG-velden", "safety_fields"),
            ("VNG-thema's", "safety_themes"),
            ("Agendaprioriteiten", "agenda_priorities"),
        ],
    ),
    Sheet(
        "Bijeenkomsten",
        Meeting,
        [
            ("Datum", "date"),
            ("Overleg", "body"),
            ("Titel", "title"),
            ("Voorbereiden tot", "preparation_deadline"),
            ("Gemeenten", "municipalities"),
            ("Notities", "notes"),
            ("Besluiten", "decisions"),
        ],
        numbered=True,
    ),
    Sheet(
        "Afspraken",
        Agreement,
        [
            ("Prioriteit", "priority"),
            ("Positie", "position"),
            ("Afspraak", "text"),
            ("Beoogd resultaat", "expected_result"),
            ("Planning", "planning"),
            ("Planning precisie", "planning_precision"),
            ("Planning zoals geschreven", "planning_text"),
            ("Trekkers", "owners"),
            ("Partners", "partners"),
        ],
        numbered=True,
    ),
    Sheet(
        "Resultaten",
        Result,
        [
            ("Afspraak", "agreement"),
            ("Prioriteit", "priority"),
            ("Jaar", "year"),
            ("Beoordeling", "assessment"),
            ("Resultaat", "text"),
        ],
    ),
    Sheet(
        "Acties",
        Action,
        [
            ("Prioriteit", "priority"),
            ("Positie", "position"),
            ("Afspraak", "agreement"),
            ("Titel", "title"),
            ("Toelichting", "description"),
            ("Item", "item"),
            ("Trekkers", "owners"),
            ("Rol trekker", "owner_role"),
            ("Partners", "partners"),
            ("Interne partijen", "internal_parties"),
            ("Partijen zoals geschreven", "parties_text"),
            ("Portefeuillehouder", "portfolio_holder"),
            ("Begroting", "budget"),
            ("Begroting zoals geschreven", "budget_text"),
            ("Deadline", "deadline"),
            ("Deadline precisie", "deadline_precision"),
            ("Deadline zoals geschreven", "deadline_text"),
            ("Deadline is bijeenkomst", "deadline_meeting"),
            ("Bijeenkomsten", "meetings"),
            ("Status", "status"),
            ("Percentage", "percentage"),
            ("Laatste voortgang op", "last_update_on"),
            ("Onvoorzien", "unplanned"),
            ("Toegevoegd op", "added_on"),
            ("Toegevoegd op precisie", "added_on_precision"),
            ("In het plan sinds", "in_plan_since"),
            ("Notitie", "note"),
            ("Voortgezet uit", "carried_over_from"),
        ],
        numbered=True,
    ),
    Sheet(
        "Voortgang",
        ProgressUpdate,
        [
            ("Actie", "action"),
            ("Datum", "date"),
            ("Status", "status"),
            ("Percentage", "percentage"),
            ("Voortgang", "text"),
            ("Voor trekker", "organisation"),
        ],
    ),
    Sheet(
        "Indicatoren",
        Indicator,
        [
            ("Naam", "name"),
            ("Prioriteit", "priority"),
            ("Eenheid", "unit"),
            ("Bron", "source"),
            ("Gebied", "area"),
            ("Gemeente", "municipality"),
            ("Code in de bron", "source_code"),
            ("Richting", "direction"),
            ("Basiswaarde", "baseline_value"),
            ("Basisjaar", "baseline_year"),
            ("Beschrijving", "description"),
        ],
    ),
    Sheet(
        "Streefwaarden",
        Target,
        [
            ("Indicator", "indicator"),
            ("Soort", "kind"),
            ("Waarde", "value"),
            ("Jaar", "year"),
            ("Referentiejaar", "reference_year"),
            ("Einddoel", "is_final"),
            ("Zoals geschreven", "description"),
        ],
    ),
    Sheet(
        "Metingen",
        Measurement,
        [
            ("Indicator", "indicator"),
            ("Jaar", "year"),
            ("Periode", "period_type"),
            ("Kwartaal of maand", "period_number"),
            ("Waarde", "value"),
            ("Voorlopig", "provisional"),
            ("Notitie", "note"),
        ],
    ),
]
SHEET_OF = {sheet.model: sheet.title for sheet in SHEETS}


def workbook_fields(model) -> list:
    """The model's fields the workbook carries: concrete ones and many-to-many."""
    excluded = EXCLUDED["*"] | EXCLUDED[model]
    return [
        f
        for f in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if f.name not in excluded
    ]


def _columns(sheet: Sheet) -> list[Column]:
    if sheet.columns:
        return sheet.columns
    columns = [Column("Nr", "", _Int())] if sheet.numbered else []
    named = dict((name, header) for header, name in sheet.named)
    fields = {f.name: f for f in workbook_fields(sheet.model)}
    for header, name in sheet.named:
        if name in fields:
            columns.append(Column(header, name, _codec(sheet.model, fields[name])))
    # A field that is new since these columns were named travels under its own name.
    for name, model_field in fields.items():
        if name not in named:
            columns.append(Column(name, name, _codec(sheet.model, model_field)))
    sheet.columns = columns
    return columns


# --- Export ---------------------------------------------------------------------------


def _value(obj, model_field):
    if model_field.many_to_many:
        return [o.pk for o in getattr(obj, model_field.name).all()]
    return getattr(obj, model_field.attname)


def _plan_objects(plan: Plan, user=None) -> dict[type, list]:
    """Everything of the plan, each list in the order the pages show it."""

    def scoped(queryset):
        return queryset.visible_to(user) if user is not None else queryset

    priorities = list(
        Priority.objects.filter(plan=plan).prefetch_related(
            "safety_fields", "safety_themes", "agenda_priorities"
        )
    )
    agreements = list(
        Agreement.objects.filter(priority__plan=plan).prefetch_related(
            "owners", "partners"
        )
    )
    actions = list(
        scoped(Action.objects.for_plan(plan))
        .select_related("carried_over_from__priority__plan")
        .prefetch_related("owners", "partners", "meetings")
        .order_by("priority__sort_key", "priority__position", "position", "pk")
    )
    # The plan's meetings, and those of other plans its actions report to or are due at.
    named = {m.pk for action in actions for m in action.meetings.all()}
    named |= {a.deadline_meeting_id for a in actions if a.deadline_meeting_id}
    meetings = list(
        scoped(Meeting.objects.filter(Q(plans=plan) | Q(pk__in=named)).distinct())
        .prefetch_related("municipalities")
        .order_by("date", "body", "pk")
    )
    indicators = list(Indicator.objects.filter(plan=plan).order_by("name"))
    return {
        Plan: [plan],
        AgendaPriority: list(AgendaPriority.objects.filter(plan=plan)),
        Priority: priorities,
        Meeting: meetings,
        Agreement: agreements,
        Result: list(
            Result.objects.filter(priority__plan=plan).order_by("priority", "year")
        )
        + list(
            Result.objects.filter(agreement__priority__plan=plan).order_by(
                "agreement__priority__sort_key",
                "agreement__position",
                "agreement",
                "year",
            )
        ),
        Action: actions,
        ProgressUpdate: list(
            scoped(ProgressUpdate.objects.filter(action__priority__plan=plan)).order_by(
                "action__priority__sort_key", "action__position", "action", "date", "pk"
            )
        ),
        Indicator: indicators,
        Target: list(
            Target.objects.filter(indicator__plan=plan).order_by(
                "indicator__name", "year", "pk"
            )
        ),
        Measurement: list(
            Measurement.objects.filter(indicator__plan=plan).order_by(
                "indicator__name", "year", "period_type", "period_number"
            )
        ),
    }


def _organisations(objects: dict[type, list]) -> list[Organisation]:
    """Every organisation the plan's objects name, in name order."""
    ids = set()
    for model, rows in objects.items():
        for model_field in workbook_fields(model):
            if model_field.related_model is not Organisation:
                continue
            for obj in rows:
                value = _value(obj, model_field)
                ids.update(value if model_field.many_to_many else [value])
    return list(Organisation.objects.filter(pk__in=ids - {None}).order_by("name"))


def export_plan(plan: Plan, *, user=None) -> bytes:
    """The plan and everything in it as an XLSX workbook (what `user` may see of it)."""
    objects = _plan_objects(plan, user)
    objects[Organisation] = _organisations(objects)
    refs = _Refs()
    for organisation in objects[Organisation]:
        refs.add(Organisation, organisation.name, organisation)
    if plan.parent_id:
        refs.add(Plan, plan.parent.slug, plan.parent)
    for priority in objects[Priority]:
        refs.add(Priority, priority_ref(priority), priority)
    for theme in SafetyTheme.objects.all():  # written as their codes
        refs.add(SafetyTheme, theme.code, theme)
    for indicator in objects[Indicator]:
        refs.add(Indicator, indicator.name, indicator)
    for model in (AgendaPriority, Meeting, Agreement, Action):
        for number, obj in enumerate(objects[model], start=1):
            refs.add(model, number, obj)
    sources = {a.carried_over_from for a in objects[Action] if a.carried_over_from_id}
    if user is not None and sources:
        seen = set(Plan.objects.visible_to(user).values_list("pk", flat=True))
        sources = {a for a in sources if a.priority.plan_id in seen}
    for source in sources:
        refs.cell[(Action, source.pk)] = carried_over_ref(source)
    book = openpyxl.Workbook()
    book.remove(book.active)
    with translation.override("nl"):
        for sheet in SHEETS:
            columns = _columns(sheet)
            worksheet = book.create_sheet(sheet.title)
            worksheet.append([column.header for column in columns])
            for cell in worksheet[1]:
                cell.font = Font(bold=True)
            worksheet.freeze_panes = "A2"
            fields = {f.name: f for f in workbook_fields(sheet.model)}
            for number, obj in enumerate(objects[sheet.model], start=1):
                worksheet.append(
                    [
                        number
                        if not column.name
                        else column.codec.dump(_value(obj, fields[column.name]), refs)
                        for column in columns
                    ]
                )
            for column_cells in worksheet.iter_cols(min_row=2):
                for cell in column_cells:
                    if isinstance(cell.value, dt.date):
                        cell.number_format = "DD-MM-YYYY"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Import ---------------------------------------------------------------------------


@dataclass
class WorkbookImport:
    """What an import did or would do: the plan, the numbers per sheet, the problems."""

    plan: Plan | None = None
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    created_organisations: list[str] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


class _Rollback(Exception):
    pass


class _Reader:
    def __init__(self, sheets: dict, result: WorkbookImport, user=None):
        self.sheets = sheets
        self.user = user
        self.result = result
        self.refs = _Refs()
        self.plan: Plan | None = None

    def problem(self, sheet: Sheet, row, column: str, message: str):
        self.result.problems.append(Problem(sheet.title, row, column, message))

    def rows(self, sheet: Sheet):
        """(row number, {field name: value}, number cell) per filled row; cells that
        cannot be read become problems and leave the row out."""
        dataset = self.sheets[sheet.title]
        columns = _columns(sheet)
        headers = [str(h or "").strip() for h in dataset.headers]
        index = {}
        for column in columns:
            if column.header not in headers:
                self.problem(
                    sheet,
                    None,
                    column.header,
                    _("the column “%(column)s” is missing.")
                    % {"column": column.header},
                )
            else:
                index[column.header] = headers.index(column.header)
        known = {column.header for column in columns}
        for header in headers:
            if header and header not in known:
                self.problem(
                    sheet,
                    None,
                    header,
                    _(
                        "the column “%(column)s” is unknown; nothing is left out "
                        "silently, so remove it or correct its name."
                    )
                    % {"column": header},
                )
        if len(index) != len(columns) or len(known) != len([h for h in headers if h]):
            return
        for number, values in enumerate(dataset, start=2):
            if all(value in (None, "") for value in values):
                continue
            row, ok = {}, True
            for column in columns:
                cell = values[index[column.header]]
                try:
                    row[column.name] = column.codec.load(cell, self.refs)
                except CellError as error:
                    self.problem(sheet, number, column.header, str(error))
                    ok = False
            if ok:
                yield number, row

    def save(self, sheet: Sheet, number: int, obj, many: dict, columns_of=None):
        """full_clean() and save; each error a problem of its row and column."""
        headers = {column.name: column.header for column in _columns(sheet)}
        try:
            obj.full_clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.problem(sheet, number, headers.get(name, sheet.title), message)
            return False
        obj.save()
        for name, values in many.items():
            getattr(obj, name).set(values)
        return True

    @staticmethod
    def split(sheet: Sheet, row: dict) -> tuple[dict, dict]:
        fields = {f.name: f for f in workbook_fields(sheet.model)}
        plain = {k: v for k, v in row.items() if k and not fields[k].many_to_many}
        many = {k: v for k, v in row.items() if k and fields[k].many_to_many}
        return plain, many

    def read(self):
        by_title = {sheet.title: sheet for sheet in SHEETS}
        self.organisations(by_title["Organisaties"])
        if not self.plan_row(by_title["Plan"]):
            return
        self.objects(by_title["Agendaprioriteiten"])
        self.priorities(by_title["Prioriteiten"])
        for title in ("Bijeenkomsten", "Afspraken", "Resultaten", "Acties"):
            self.objects(by_title[title])
        self.progress(by_title["Voortgang"])
        for title in ("Indicatoren", "Streefwaarden", "Metingen"):
            self.objects(by_title[title])

    def organisations(self, sheet: Sheet):
        for number, row in self.rows(sheet):
            name, code = row["name"], row["cbs_code"] or None
            found = (
                Organisation.objects.filter(cbs_code=code).first()
                if code
                else Organisation.objects.filter(name=name).first()
            )
            if found is None:
                plain, _many = self.split(sheet, row)
                found = Organisation(**{**plain, "cbs_code": code})
                if not self.save(sheet, number, found, {}):
                    continue
                self.result.created_organisations.append(found.name)
            self.refs.organisations[name] = found

    def plan_row(self, sheet: Sheet) -> bool:
        rows = list(self.rows(sheet))
        if len(rows) != 1:
            if not self.result.problems:
                self.problem(
                    sheet, None, "", _("the sheet must hold exactly one plan.")
                )
            return False
        number, row = rows[0]
        plain, many = self.split(sheet, row)
        plan = Plan(**plain)
        if not self.save(sheet, number, plan, many):
            return False
        self.plan = plan
        return True

    def priorities(self, sheet: Sheet):
        pending = []
        # The parent is looked up among this sheet's rows, which may come in any order.
        parent_column = next(c for c in _columns(sheet) if c.name == "parent")
        original = parent_column.codec
        parent_column.codec = _Codec()
        try:
            rows = list(self.rows(sheet))
        finally:
            parent_column.codec = original
        pending = rows
        while pending:
            left = []
            for number, row in pending:
                parent = row["parent"]
                if parent and (Priority, parent) not in self.refs.obj:
                    left.append((number, row))
                    continue
                plain, many = self.split(sheet, row)
                plain["parent"] = self.refs.obj.get((Priority, parent))
                priority = Priority(plan=self.plan, **plain)
                if self.save(sheet, number, priority, many):
                    self.refs.add(Priority, priority_ref(priority), priority)
            if len(left) == len(pending):
                for number, row in left:
                    self.problem(
                        sheet,
                        number,
                        "Bovenliggende prioriteit",
                        _("“%(ref)s” is not in the sheet “%(sheet)s”.")
                        % {"ref": row["parent"], "sheet": sheet.title},
                    )
                break
            pending = left

    def objects(self, sheet: Sheet):
        extra = (
            {"plan": self.plan} if sheet.model in (Indicator, AgendaPriority) else {}
        )
        for number, row in self.rows(sheet):
            plain, many = self.split(sheet, row)
            obj = sheet.model(**plain, **extra)
            if not self.save(sheet, number, obj, many):
                continue
            if sheet.model is Meeting:
                obj.plans.add(self.plan)
            if sheet.numbered:
                self.refs.add(sheet.model, row[""], obj)
            if sheet.model is Indicator:
                self.refs.add(Indicator, obj.name, obj)

    def progress(self, sheet: Sheet):
        """Progress as it was: saving an update would set its action's status anew,
        and the workbook gives the action's status as it is."""
        updates = []
        for number, row in self.rows(sheet):
            plain, _many = self.split(sheet, row)
            update = ProgressUpdate(**plain)
            try:
                update.full_clean()
            except ValidationError as error:
                headers = {c.name: c.header for c in _columns(sheet)}
                for name, messages in error.message_dict.items():
                    for message in messages:
                        self.problem(sheet, number, headers.get(name, ""), message)
                continue
            updates.append(update)
        bulk_create_with_history(
            updates, ProgressUpdate, batch_size=500, default_user=self.user
        )


def _sheets(data: bytes, filename: str) -> dict:
    return {
        title: dataset
        for title, dataset in read_sheets(data, filename, keep_empty=True)
    }


def import_plan(
    data: bytes, *, user=None, filename: str = "plan.xlsx", commit: bool = False
) -> WorkbookImport:
    """Read a workbook written by export_plan() into a new plan.

    With commit=False (the preview) or any problem, nothing is saved.
    """
    result = WorkbookImport()
    try:
        sheets = _sheets(data, filename)
    except ImportError_ as error:
        result.problems.append(Problem("", None, "", str(error)))
        return result
    missing = [sheet.title for sheet in SHEETS if sheet.title not in sheets]
    for title in missing:
        result.problems.append(
            Problem(title, None, "", _("this sheet is missing from the workbook."))
        )
    if missing:
        return result
    try:
        with transaction.atomic():
            with translation.override("nl"):
                reader = _Reader(sheets, result, user)
                reader.read()
            result.plan = reader.plan
            for sheet in SHEETS:
                result.counts[sheet.title] = len(sheets[sheet.title])
            if result.problems or not commit:
                raise _Rollback
            result.saved = True
    except _Rollback:
        pass
    return result
