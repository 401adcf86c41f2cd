"""Import an implementation programme from a spreadsheet (XLSX or CSV) into a plan.

Officers already have their programme in a table; nobody retypes sixty actions. Columns
are mapped by their header, so the product's own template, the Veluwe-Noord layout
(speerpunt, sub speerpunt, acties, "wanneer af en wie is de trekker") and the
Noordoostpolder layout (item/actiepunt, maatregelen/activiteiten, PH, partijen, trekker,
planning, begroting; one sheet per priority) all read. openpyxl (XLSX) and the csv module
read the files, within bounds on the rows and cells read (`read_sheets`); this module
only maps cells to the domain.

Two steps: `programme_import(..., commit=False)` returns a preview (what will be created
and changed, and every problem with its row and column, in Dutch); with commit=True the
same run is saved in one transaction, and only when there is no problem. Actions are
matched on (priority, title), so importing the same file twice changes nothing and a
corrected file updates the actions in place.
"""

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from functools import cached_property

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import formats
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ivp.formats import number as number_text
from ivp.periods import Precision, parse_typed_deadline, strip_deadline_words
from policies.models import Organisation, Plan, Priority

from .models import Action, ProgressUpdate, Status

MAX_IMPORT_BYTES = 5 * 1024 * 1024  # a programme of 1,000 actions is about 150 kB
# An XLSX is a zip archive: a few hundred kB of it can hold millions of cells, so the work
# is bounded by what is read, not by the bytes uploaded. Five times the largest
# programme benchmarked (bench/import_actions.py: 1,000 rows), twenty columns wide.
MAX_ROWS = 5_000
MAX_CELLS = 100_000
# Before the first row, openpyxl parses the string table, the styles and (when a sheet
# does not state its dimensions) the whole sheet, element by element; counting the
# unpacked bytes and tags first bounds that work too (README: "Bounds and encodings").
# A cell written by Excel is four tags, and each different text four more in the string
# table: 5,000 rows of twelve different texts stay within.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_XML_TAGS = 500_000
# Excel saves "CSV UTF-8" with a BOM and plain "CSV" in the Windows code page (cp1252 in
# the Netherlands); utf-8-sig reads UTF-8 with and without the BOM.
CSV_ENCODINGS = ("utf-8-sig", "cp1252")

COLUMNS = {
    "priority": ("speerpunt", "prioriteit", "thema", "strategisch thema"),
    "sub_priority": (
        "sub speerpunt",
        "subspeerpunt",
        "sub-speerpunt",
        "subprioriteit",
        "subthema",
    ),
    "title": (
        "actie",
        "acties",
        "maatregelen/activiteiten",
        "maatregel",
        "activiteit",
        "actiepunt",
    ),
    "description": ("toelichting", "omschrijving", "beschrijving"),
    "item": ("item/actiepunt", "item"),
    "owners": ("trekker", "trekkers", "actiehouder"),
    "owner_role": ("rol trekker",),
    "deadline_and_owner": (
        "wanneer af/terugkoppeling en wie is de trekker?",
        "wanneer af en trekker",
    ),
    "deadline": ("deadline", "wanneer af", "planning", "gereed"),
    "partners": ("partners", "partijen extern"),
    "parties_text": ("partijen intern/extern", "partijen"),
    "portfolio_holder": ("portefeuillehouder", "ph"),
    "budget": ("begroting", "budget"),
    "status": ("status",),
    "unplanned": ("onvoorzien",),
    # A table of its own of actions added during the year (Veluwe-Noord: "Onvoorziene
    # acties 2020" with "Wanneer ingevlogen?"): every row is unplanned.
    "unplanned_title": ("onvoorziene acties", "onvoorziene actie"),
    "added_on": ("wanneer ingevlogen?", "wanneer ingevlogen", "toegevoegd op"),
    # Written by the export for reading; progress is not imported (it has its own dates).
    "last_progress": ("laatste voortgang",),
}

ALL_MUNICIPALITIES = {
    "gemeenten",
    "gemeente",
    "iedere gemeente",
    "elke gemeente",
    "alle gemeenten",
}
FILLER_WORDS = {
    "actie",
    "en",
    "&",
    "input",
    "gemeente",
    "gemeenten",
    "iedere",
    "elke",
    "alle",
}
PRIORITY_CELL = re.compile(
    r"^(?:(?:prioriteit|speerpunt|strategisch thema|thema)\s+)?"
    r"(?P<code>\d+(?:\.\d+)*\.?|[a-h][.:)])\s*[:.]?\s+(?P<title>.+)$",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")


class ImportError_(Exception):
    """The file cannot be read at all (too big, not a spreadsheet, empty)."""


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ParsedAction:
    row: int
    priority: tuple[str, str, str]  # (code, title, kind)
    sub_priority: tuple[str, str, str] | None
    title: str
    description: str = ""
    item: str = ""
    owners: list[Organisation] = field(default_factory=list)
    owner_role: str = ""
    partners: list[Organisation] = field(default_factory=list)
    parties_text: str = ""
    portfolio_holder: str = ""
    budget_text: str = ""
    deadline: dt.date | None = None
    deadline_precision: str = Precision.DAY
    deadline_text: str = ""
    status: str | None = None
    unplanned: bool = False
    # Set on a new action only: a file without these columns leaves an action as it is.
    added_on: dt.date | None = None
    added_on_precision: str = Precision.DAY
    note: str = ""
    # The unplanned table's "Subspeerpunt" names themes, not always a sub-priority.
    sub_priority_optional: bool = False
    # The table's headers as the file writes them, by column key: problems name them.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPreview:
    plan: Plan
    actions: list[ParsedAction] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unmatched_names: dict[str, list[int]] = field(default_factory=dict)
    new_priorities: list[str] = field(default_factory=list)
    creates: list[ParsedAction] = field(default_factory=list)
    updates: list[tuple[Action, dict]] = field(default_factory=list)
    unchanged: int = 0
    created_organisations: list[str] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unmatched_names


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def _text(value) -> str:
    """A cell's text with its line breaks kept (lists in a cell stay lists)."""
    lines = (
        re.sub(r"[ \t]+", " ", line).strip() for line in str(value or "").splitlines()
    )
    return "\n".join(line for line in lines if line)


def _header_map(headers: list[str]) -> dict[str, int]:
    mapping = {}
    normalised = [_norm(h).lower().rstrip(":") for h in headers]
    for key, aliases in COLUMNS.items():
        for index, header in enumerate(normalised):
            if index in mapping.values():
                continue
            if header in aliases or any(
                header.startswith(alias + " ") for alias in aliases if len(alias) > 3
            ):
                mapping[key] = index
                break
    return mapping


def _megabytes(size: int) -> str:
    # Rounded up: a file just over the limit must not read as the limit itself.
    value = (Decimal(size) / 1024 / 1024).quantize(Decimal("0.1"), rounding=ROUND_UP)
    return formats.number_format(value, decimal_pos=1, use_l10n=True)


def check_size(size: int) -> None:
    """Refuse a file of more than MAX_IMPORT_BYTES (the admin asks before reading it)."""
    if size > MAX_IMPORT_BYTES:
        raise ImportError_(
            _("The file is %(size)s MB; at most %(max)s MB can be imported.")
            % {
                "size": _megabytes(size),
                "max": number_text(MAX_IMPORT_BYTES // 1024 // 1024),
            }
        )


class _Bound:
    """Counts the rows and cells of a file as they are read; refuses beyond the bound."""

    def __init__(self):
        self.rows = self.cells = 0

    def count(self, row):
        self.rows += 1
        self.cells += len(row)
        if self.rows > MAX_ROWS:
            raise ImportError_(
                _(
                    "The file has more than %(max)s rows; at most %(max)s rows can be "
                    "imported."
                )
                % {"max": number_text(MAX_ROWS)}
            )
        self.check_cells(self.cells)
        return row

    @staticmethod
    def check_cells(cells: int) -> None:
        if cells > MAX_CELLS:
            raise ImportError_(
                _(
                    "The file has more than %(max)s cells; at most %(max)s cells can be "
                    "imported."
                )
                % {"max": number_text(MAX_CELLS)}
            )


def _dataset(title: str, rows: list) -> tablib.Dataset:
    """Rows as a tablib table: trailing empty cells dropped, every row as wide."""
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] in (None, ""):
            row.pop()
    width = max(map(len, rows), default=0)
    # One stray cell far to the right widens every row; the table held is bounded too.
    _Bound.check_cells(width * len(rows))
    rows = [row + [""] * (width - len(row)) for row in rows]
    if not rows:
        return tablib.Dataset(title=title)
    return tablib.Dataset(*rows[1:], headers=rows[0], title=title)


def _check_unpacked(data: bytes) -> None:
    """Refuse a workbook whose XML is beyond MAX_UNPACKED_BYTES or MAX_XML_TAGS."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # zipfile unpacks no member beyond the size it declares: the sum is a bound.
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise ImportError_(
                _(
                    "Unpacked, this Excel file is %(size)s MB; at most %(max)s MB can "
                    "be read. Remove empty rows, columns and sheets that are not part "
                    "of the programme."
                )
                % {
                    "size": _megabytes(unpacked),
                    "max": number_text(MAX_UNPACKED_BYTES // 1024 // 1024),
                }
            )
        tags = 0
        for info in archive.infolist():
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    tags += chunk.count(b"<")
                    if tags > MAX_XML_TAGS:
                        raise ImportError_(
                            _(
                                "This Excel file holds more than %(max)s XML elements "
                                "(cells, texts, formatting); at most %(max)s can be "
                                "read. Remove empty rows, columns and sheets that are "
                                "not part of the programme."
                            )
                            % {"max": number_text(MAX_XML_TAGS)}
                        )


def _xlsx_sheets(data: bytes, bound: _Bound) -> list[tuple[str, tablib.Dataset]]:
    _check_unpacked(data)
    # tablib's XLSX reader reads every row of every sheet before one can be counted;
    # openpyxl's read-only mode streams the rows, so the read stops at the bound.
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in book.worksheets:
            # The dimensions a file states may be wrong (A1:XFD1048576 would pad every
            # row to 16,384 cells and add a million empty rows): read the cells present.
            sheet.reset_dimensions()
            rows = [bound.count(row) for row in sheet.iter_rows(values_only=True)]
            sheets.append((sheet.title or "", _dataset(sheet.title or "", rows)))
        return sheets
    finally:
        book.close()


def _csv_text(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # UTF-16 decodes as cp1252 with a NUL before every letter.
        if "\x00" not in text:
            return text
    raise ImportError_(
        _(
            "This CSV file cannot be read: only UTF-8 (with or without BOM) and "
            "Windows-1252 (Excel's “CSV”) are read. In Excel, save it as “CSV UTF-8”."
        )
    )


def _csv_sheets(data: bytes, bound: _Bound) -> list[tuple[str, tablib.Dataset]]:
    text = _csv_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # csv.reader, not tablib's CSV loader: that one reads the whole file before a row
    # can be counted, and it drops empty lines, which shifts the row numbers.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [("", _dataset("", [bound.count(row) for row in reader]))]


def read_sheets(
    data: bytes, filename: str, *, keep_empty: bool = False
) -> list[tuple[str, tablib.Dataset]]:
    """The sheets of an XLSX or the one table of a CSV, as (sheet title, dataset).

    Refused with a Dutch message (ImportError_) beyond MAX_IMPORT_BYTES, MAX_ROWS,
    MAX_CELLS or, for an XLSX, MAX_UNPACKED_BYTES and MAX_XML_TAGS; a CSV is read as
    UTF-8 (with or without BOM) or cp1252. `keep_empty`: sheets with only a header row
    stay (a plan workbook's sheet of no meetings is still its sheet).
    """
    check_size(len(data))
    name = filename.lower()
    bound = _Bound()
    try:
        if name.endswith(".xlsx"):
            sheets = _xlsx_sheets(data, bound)
        elif name.endswith(".csv"):
            sheets = _csv_sheets(data, bound)
        else:
            raise ImportError_(_("Only .xlsx (Excel) and .csv files can be imported."))
    except ImportError_:
        raise
    except Exception:  # openpyxl and csv raise many kinds of errors for a broken file
        raise ImportError_(
            _("This file is not a readable Excel or CSV file.")
        ) from None
    sheets = [
        (title, sheet)
        for title, sheet in sheets
        if sheet.headers and (sheet.height or keep_empty)
    ]
    if not sheets:
        raise ImportError_(_("The file contains no table: the sheet is empty."))
    return sheets


def _split_priority(cell: str, default_kind: str) -> tuple[str, str, str]:
    cell = _norm(cell)
    kind = (
        Priority.Kind.STRATEGIC_THEME
        if cell.lower().startswith(("strategisch thema", "thema "))
        else default_kind
    )
    match = PRIORITY_CELL.match(cell)
    if match:
        return match.group("code").rstrip(".:)"), match.group("title").strip(), kind
    return "", cell, Priority.Kind.OTHER if cell.lower() == "diversen" else kind


def _first_sentence(text: str) -> str:
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0][:500]


class _OwnerMatcher:
    def __init__(self, plan: Plan):
        self.municipalities = list(plan.municipalities.all())
        self.police = [
            p for p in plan.partners.all() if p.kind == Organisation.Kind.POLICE
        ]
        self.by_name = {o.name.lower(): o for o in Organisation.objects.all()}
        self.listed: dict[str, Organisation | None] = {}

    def _municipality(self, word: str) -> Organisation | None:
        names = {m.name.lower(): m for m in self.municipalities}
        close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.8)
        return names[close[0]] if close else None

    def _listed(self, name: str) -> Organisation | None:
        # Asked once per name: a table names the same trekker on many rows.
        if name not in self.listed:
            self.listed[name] = Organisation.objects.named(name)
        return self.listed[name]

    def _police(self) -> list[Organisation]:
        return self.police or [
            o for o in self.by_name.values() if o.name.lower() == "politie"
        ]

    def names(self, cell: str) -> tuple[list[Organisation], list[str]]:
        """A list cell ("Epe, Politie"): matched organisations and unknown names."""
        found, unknown = [], []
        parts = []
        for part in filter(None, (_norm(n) for n in re.split(r"[,;]", cell))):
            # "Zorggroep Oude en Nieuwe Land" is one name; "Politie en Epe" is two.
            if part.lower() in self.by_name or " en " not in part:
                parts.append(part)
            else:
                parts.extend(_norm(n) for n in part.split(" en "))
        for name in parts:
            lower = name.lower()
            if lower in self.by_name:
                found.append(self.by_name[lower])
            elif lower in ALL_MUNICIPALITIES:
                found.extend(self.municipalities)
            elif lower == "politie" and self._police():
                found.extend(self._police())
            elif (municipality := self._municipality(name)) is not None:
                found.append(municipality)
            elif (listed := self._listed(name)) is not None:
                found.append(listed)  # a municipality by its common name: Den Bosch
            else:
                unknown.append(name)
        return list(dict.fromkeys(found)), unknown

    def named(self, cell: str) -> list[Organisation]:
        """The organisations a "partijen intern/extern" cell names among departments
        and residents ("MO/RO, USD, politie, OM, GGD"); the rest is not an organisation."""
        found = []
        # "GGD. Veiligheidshuis": a full stop typed for a comma.
        for part in filter(None, (_norm(n) for n in re.split(r"[,;]|\.\s", cell))):
            lower = part.lower()
            if lower in self.by_name:
                found.append(self.by_name[lower])
            elif lower == "politie":
                found.extend(self._police())
            elif len(named := self.acronyms.get(lower, [])) == 1:
                found.extend(named)
        return list(dict.fromkeys(found))

    @cached_property
    def acronyms(self) -> dict[str, list[Organisation]]:
        """Short forms of the names: "OM" (Openbaar Ministerie), "RIEC-MN" (RIEC
        Midden-Nederland); a form that fits several organisations names none."""
        forms: dict[str, list[Organisation]] = {}
        for organisation in self.by_name.values():
            words = re.split(r"[\s-]+", organisation.name.lower())
            if len(words) < 2:
                continue
            for form in (
                "".join(w[0] for w in words),
                words[0] + "-" + "".join(w[0] for w in words[1:]),
            ):
                forms.setdefault(form, []).append(organisation)
        return forms

    def named_municipalities(self, text: str) -> list[Organisation]:
        """The plan's municipalities whose name the text mentions, in its order."""
        places = []
        for municipality in self.municipalities:
            match = re.search(rf"\b{re.escape(municipality.name)}\b", text, re.I)
            if match:
                places.append((match.start(), municipality))
        return [municipality for _start, municipality in sorted(places)]

    def free_text(self, cell: str) -> tuple[list[Organisation], str]:
        """A "wanneer af en trekker" cell: owners when every word is one, else a role."""
        text = strip_deadline_words(
            cell.split("trekker")[0] if "trekker" in cell.lower() else cell
        )
        text = re.sub(r"\b[Tt]rekker\b", " ", text)
        words = [w for w in re.split(r"[\s,]+", text) if w]
        if not words:
            return [], ""
        owners, leftovers = [], []
        for word in words:
            lower = word.lower()
            if lower == "politie":
                owners.extend(self._police())
            elif (municipality := self._municipality(word)) is not None:
                owners.append(municipality)
            elif lower not in FILLER_WORDS:
                leftovers.append(word)
        if leftovers:
            return [], _norm(cell)
        if not owners and any(w.lower() in ("gemeente", "gemeenten") for w in words):
            owners = list(self.municipalities)
        return list(dict.fromkeys(owners)), ""


SECTION_HEADING = re.compile(
    r"^(prioriteit|strategisch thema|speerpunt|thema)\b", re.IGNORECASE
)
NOT_AN_OWNER = {"extern", "intern", "nvt", "n.v.t.", "-", "?"}


def _is_header(cells: list[str]) -> dict[str, int] | None:
    """A header row: every filled cell is a known column heading, one of them "Actie"."""
    columns = _header_map(cells)
    filled = sum(1 for cell in cells if cell)
    has_title = "title" in columns or "unplanned_title" in columns
    return columns if has_title and len(columns) == filled else None


def parse(plan: Plan, sheets) -> ImportPreview:
    """Map the rows of every sheet to actions.

    A sheet may hold several tables, each under a heading row ("Prioriteit 1: Sociale
    kwaliteit") and with its own header row, as the Noordoostpolder programme is laid
    out; or one table whose first columns name the priority, as Veluwe-Noord's is.
    """
    preview = ImportPreview(plan=plan)
    matcher = _OwnerMatcher(plan)
    seen = {}
    for sheet_title, sheet in sheets:
        rows = [list(sheet.headers)] + [list(values) for values in sheet]
        columns, headers = None, {}
        current_priority = None
        if PRIORITY_CELL.match(_norm(sheet_title)):
            current_priority = _split_priority(sheet_title, Priority.Kind.PRIORITY)
        current_sub, current_item, carry_item = None, "", True
        for number, values in enumerate(rows, start=1):
            cells = [_text(value) for value in values]
            filled = [c for c in cells if c]
            if not filled:
                continue
            header = _is_header(cells)
            if header is not None:
                columns = header
                headers = {key: _norm(cells[index]) for key, index in header.items()}
                # In the document layouts an empty item cell continues the item above;
                # in the product's own template (it has a Toelichting column) empty is empty.
                carry_item = "description" not in columns
                current_item = ""
                continue
            if len(filled) == 1 and cells[0] and SECTION_HEADING.match(cells[0]):
                current_priority = _split_priority(cells[0], Priority.Kind.PRIORITY)
                current_sub, current_item = None, ""
                continue
            if columns is None:
                preview.problems.append(
                    Problem(
                        number,
                        _("headers"),
                        _("a column with the actions (“Actie”) is missing."),
                    )
                )
                break
            cell = {
                key: cells[index] if index < len(cells) else ""
                for key, index in columns.items()
            }
            if cell.get("priority"):
                current_priority = _split_priority(
                    cell["priority"], Priority.Kind.PRIORITY
                )
                current_sub = None
            if cell.get("sub_priority"):
                current_sub = _split_priority(
                    cell["sub_priority"], Priority.Kind.PRIORITY
                )
            if cell.get("item") or not carry_item:
                current_item = cell.get("item", "")
            text = cell.get("title") or cell.get("unplanned_title", "")
            if not text:
                continue  # a heading row inside the table
            if current_priority is None:
                preview.problems.append(
                    Problem(
                        number,
                        _("Speerpunt"),
                        _("a column with the priority (“Speerpunt”) is missing."),
                    )
                )
                break
            action = ParsedAction(
                row=number,
                priority=current_priority,
                sub_priority=current_sub,
                title=_first_sentence(text),
                description=text,
                item=current_item if "item" in columns else "",
                portfolio_holder=cell.get("portfolio_holder", ""),
                parties_text=cell.get("parties_text", ""),
                budget_text=cell.get("budget", ""),
                headers=headers,
            )
            if "description" in columns:
                action.description = cell.get("description") or text
                action.title = text[:500]
            deadline_cell = cell.get("deadline_and_owner") or cell.get("deadline", "")
            action.deadline_text = deadline_cell
            try:
                typed = parse_typed_deadline(deadline_cell, default_year=plan.end_year)
            except ValueError:
                preview.problems.append(
                    Problem(
                        number,
                        _column(action, ACTION_COLUMNS["deadline"]),
                        _("“%(text)s” is not a date that exists.")
                        % {"text": deadline_cell},
                    )
                )
                continue
            action.deadline, action.deadline_precision = typed.date, typed.precision
            if typed.continuous:
                action.status = Status.CONTINUOUS
            if cell.get("deadline_and_owner"):
                action.owners, action.owner_role = matcher.free_text(deadline_cell)
            if cell.get("owners"):
                if cell["owners"].lower() in NOT_AN_OWNER:
                    action.owner_role = cell["owners"]
                else:
                    owners, unknown = matcher.names(cell["owners"])
                    action.owners = owners
                    for name in unknown:
                        preview.unmatched_names.setdefault(name, []).append(number)
            if cell.get("partners"):
                partners, unknown = matcher.names(cell["partners"])
                action.partners = partners
                for name in unknown:
                    preview.unmatched_names.setdefault(name, []).append(number)
            elif "partners" not in columns and cell.get("parties_text"):
                action.partners = matcher.named(cell["parties_text"])
            if cell.get("owner_role"):
                action.owner_role = cell["owner_role"]
            if cell.get("status"):
                status = Status.from_word(cell["status"])
                if status is None:
                    preview.problems.append(
                        Problem(
                            number,
                            _column(action, ACTION_COLUMNS["status"]),
                            _("“%(text)s” is not a status; use one of: %(choices)s.")
                            % {
                                "text": cell["status"],
                                "choices": ", ".join(Status.words()),
                            },
                        )
                    )
                    continue
                action.status = status
            action.unplanned = cell.get("unplanned", "").lower() in (
                "ja",
                "j",
                "x",
                "yes",
                "1",
                "onvoorzien",
            )
            try:
                added = parse_typed_deadline(
                    cell.get("added_on", ""), default_year=plan.end_year
                )
                if "unplanned_title" in columns:
                    # That table has no deadline or owner column: the action's own
                    # words say when ("april") and who (a municipality's name).
                    action.unplanned = action.sub_priority_optional = True
                    typed = parse_typed_deadline(text, default_year=plan.end_year)
                    action.deadline = typed.date
                    action.deadline_precision = typed.precision
                    action.owners = matcher.named_municipalities(text)
            except ValueError:
                preview.problems.append(
                    Problem(
                        number,
                        headers.get("added_on", ""),
                        _("“%(text)s” is not a date that exists.")
                        % {"text": cell.get("added_on") or text},
                    )
                )
                continue
            if added.date is not None:
                # "Februari": the month it came in, shown as the month (as the seeds).
                action.added_on = (
                    added.date
                    if added.precision == Precision.DAY
                    else added.date.replace(day=1)
                )
                action.added_on_precision = added.precision
            key = (action.sub_priority or action.priority)[:2] + (action.title,)
            if key in seen:
                preview.problems.append(
                    Problem(
                        number,
                        _("Actie"),
                        _("the same action already appears in row %(row)s.")
                        % {"row": seen[key]},
                    )
                )
                continue
            seen[key] = number
            preview.actions.append(action)
    if not preview.actions and not preview.problems:
        preview.problems.append(
            Problem(1, _("Actie"), _("the file contains no actions."))
        )
    return preview


# The columns a field's value may come from, the first the table has first; "" for the
# other fields and for errors of the whole row. Problems name the column as written.
ACTION_COLUMNS = {
    "title": ("title",),
    "description": ("description", "title"),
    "item": ("item",),
    "owner_role": ("owner_role", "owners", "deadline_and_owner"),
    "parties_text": ("parties_text",),
    "portfolio_holder": ("portfolio_holder",),
    "budget_text": ("budget",),
    "deadline": ("deadline_and_owner", "deadline"),
    "deadline_precision": ("deadline_and_owner", "deadline"),
    "deadline_text": ("deadline_and_owner", "deadline"),
    "status": ("status", "deadline_and_owner", "deadline"),
    "unplanned": ("unplanned",),
    "": ("title",),
}


def _column(parsed: ParsedAction, keys, default: str = "") -> str:
    found = (parsed.headers[key] for key in keys if parsed.headers.get(key))
    return next(found, default or _("Actie"))


def _row_problems(
    error: ValidationError, parsed: ParsedAction, columns: dict, default: str = ""
) -> list[Problem]:
    """Every message of a model's full_clean() as a problem in the row and its column."""
    return [
        Problem(
            parsed.row, _column(parsed, columns.get(name, columns[""]), default), text
        )
        for name, messages in error.message_dict.items()
        for text in messages
    ]


FIELDS = [
    "title",
    "description",
    "item",
    "owner_role",
    "parties_text",
    "portfolio_holder",
    "budget_text",
    "deadline",
    "deadline_precision",
    "deadline_text",
    "unplanned",
]


class _Priorities:
    """Finds or creates the priorities of an import, one query per new priority."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.cache = {}
        for priority in Priority.objects.filter(plan=plan):
            key = (
                (priority.code,)
                if priority.code
                else ("", priority.title, priority.parent_id)
            )
            self.cache[key] = priority
        self.created: list[str] = []

    @staticmethod
    def _title_key(title: str, parent_id) -> tuple:
        # "Zorg en veiligheid" in one table is "1. Zorg & Veiligheid" in the other.
        words = _norm(title).lower().replace("&", "en").rstrip(".,:")
        return (words, parent_id)

    def find(self, spec, parent) -> Priority | None:
        """The priority a cell names, if the plan or this import has it."""
        code, title, _kind = spec
        if code:
            return self.cache.get((code,))
        key = self._title_key(title, parent.pk if parent else None)
        for priority in self.cache.values():
            if self._title_key(priority.title, priority.parent_id) == key:
                return priority
        return None

    def get(self, spec, parent) -> Priority:
        code, title, kind = spec
        key = (code,) if code else ("", title, parent.pk if parent else None)
        if key not in self.cache and (found := self.find(spec, parent)) is not None:
            return found
        if key not in self.cache:
            priority = Priority(
                plan=self.plan,
                parent=parent,
                code=code,
                title=title,
                kind=kind,
                position=len(self.cache),
            )
            # A heading too long for a title is a problem of its row (ValidationError),
            # not a database error; the codes are unique by the cache's key.
            priority.full_clean(validate_constraints=False)
            priority.save()
            self.cache[key] = priority
            self.created.append(str(priority))
        return self.cache[key]


def _apply(preview: ImportPreview, user=None) -> None:
    """Create and update the actions; bulk inserts keep 1,000 rows within seconds."""
    plan = preview.plan
    priorities = _Priorities(plan)
    existing = {
        (action.priority_id, action.title): action
        for action in Action.objects.for_plan(plan)
        .annotate(
            has_progress=Exists(ProgressUpdate.objects.filter(action=OuterRef("pk")))
        )
        .prefetch_related("owners", "partners")
    }
    positions: dict[int, int] = {}
    new_actions, new_links = [], []
    for parsed in preview.actions:
        priority = _priority_of(parsed, priorities, preview)
        if priority is None:
            continue
        position = positions.get(priority.pk, 0)
        positions[priority.pk] = position + 1
        values = {name: getattr(parsed, name) for name in FIELDS}
        action = existing.get((priority.pk, parsed.title))
        if action is None:
            action = Action(priority=priority, position=position, **values)
            action.added_on = parsed.added_on
            action.added_on_precision = parsed.added_on_precision
            action.note = parsed.note
            action.set_in_plan_since_from_document(plan)
            if parsed.status:
                action.status = parsed.status
            if not _valid(action, parsed, preview):
                continue
            new_actions.append(action)
            new_links.append((action, parsed))
            preview.creates.append(parsed)
            continue
        changes = {
            name: (getattr(action, name), value)
            for name, value in values.items()
            if getattr(action, name) != value
        }
        if parsed.status and not action.has_progress and action.status != parsed.status:
            changes["status"] = (action.status, parsed.status)
        old_owners, old_partners = (
            list(action.owners.all()),
            list(action.partners.all()),
        )
        if {o.pk for o in old_owners} != {o.pk for o in parsed.owners}:
            changes["owners"] = (_names(old_owners), _names(parsed.owners))
        if {o.pk for o in old_partners} != {o.pk for o in parsed.partners}:
            changes["partners"] = (_names(old_partners), _names(parsed.partners))
        if not changes:
            preview.unchanged += 1
            continue
        for name, (_old, new) in changes.items():
            if name not in ("owners", "partners"):
                setattr(action, name, new)
        if not _valid(action, parsed, preview):
            continue
        action.save()
        action.owners.set(parsed.owners)
        action.partners.set(parsed.partners)
        preview.updates.append((action, changes))
    created = bulk_create_with_history(
        new_actions, Action, batch_size=500, default_user=user
    )
    Owner, Partner = Action.owners.through, Action.partners.through
    Owner.objects.bulk_create(
        Owner(action_id=action.pk, organisation_id=org.pk)
        for action, (_, parsed) in zip(created, new_links, strict=True)
        for org in parsed.owners
    )
    Partner.objects.bulk_create(
        Partner(action_id=action.pk, organisation_id=org.pk)
        for action, (_, parsed) in zip(created, new_links, strict=True)
        for org in parsed.partners
    )
    preview.new_priorities = priorities.created


def _priority_of(
    parsed: ParsedAction, priorities: _Priorities, preview: ImportPreview
) -> Priority | None:
    """The row's priority (its subpriority if it has one), found or created."""
    priority = None
    for key, spec in (
        ("priority", parsed.priority),
        ("sub_priority", parsed.sub_priority),
    ):
        if spec is None:
            continue
        if key == "sub_priority" and parsed.sub_priority_optional:
            found = priorities.find(spec, priority)
            if found is None:
                parsed.note = _("Sub-priority in the source: “%(text)s”.") % {
                    "text": spec[1]
                }
                continue
        try:
            priority = priorities.get(spec, priority)
        except ValidationError as error:
            preview.problems.extend(
                _row_problems(error, parsed, {"": (key,)}, default=_("Speerpunt"))
            )
            return None
    return priority


def _valid(action: Action, parsed: ParsedAction, preview: ImportPreview) -> bool:
    """full_clean() the action; every error becomes a problem of its row and column.

    The row is then left out, and the problem keeps the whole import from being saved.
    """
    try:
        # The database holds the constraints; checking them here would cost two
        # queries per row, and a violation still rolls the whole import back.
        action.full_clean(validate_constraints=False)
    except ValidationError as error:
        preview.problems.extend(_row_problems(error, parsed, ACTION_COLUMNS))
        return False
    return True


def _names(organisations) -> str:
    return ", ".join(o.name for o in organisations)


class _DryRun(Exception):
    pass


def programme_import(
    *,
    plan: Plan,
    data: bytes,
    filename: str,
    user=None,
    create_organisations: bool = False,
    commit: bool = False,
) -> ImportPreview:
    """Read, check and (with commit=True and no problems) save a programme in one go.

    The preview is computed by really applying the import inside a transaction that is
    rolled back, so what the preview says is exactly what saving will do.
    """
    sheets = read_sheets(data, filename)
    preview = parse(plan, sheets)
    if preview.problems:
        return preview
    try:
        with transaction.atomic():
            if preview.unmatched_names and create_organisations:
                for name in preview.unmatched_names:
                    Organisation.objects.get_or_create_named(
                        name, kind=Organisation.Kind.OTHER
                    )
                created_names = list(preview.unmatched_names)
                preview = parse(plan, sheets)
                preview.created_organisations = created_names
            _apply(preview, user)
            if not (commit and preview.ok):
                raise _DryRun
            preview.saved = True
    except _DryRun:
        pass
    return preview
