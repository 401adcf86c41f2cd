"""Import an implementation programme from a spreadsheet (XLSX or CSV) into a plan.

Officers already have their programme in a table; nobody retypes sixty actions. Columns
are mapped by their header, so the product's own template, the Veluwe-Noord layout
(speerpunt, sub speerpunt, acties, "wanneer af en wie is de trekker") and the
Noordoostpolder layout (item/actiepunt, maatregelen/activiteiten, PH, partijen, trekker,
planning, begroting; one sheet per priority) all read. tablib/openpyxl read the files;
this module only maps cells to the domain.

Two steps: `programme_import(..., commit=False)` returns a preview (what will be created
and changed, and every problem with its row and column, in Dutch); with commit=True the
same run is saved in one transaction, and only when there is no problem. Actions are
matched on (priority, title), so importing the same file twice changes nothing and a
corrected file updates the actions in place.
"""

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

import tablib
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ivp.periods import Precision, parse_typed_deadline, strip_deadline_words
from policies.models import Organisation, Plan, Priority

from .models import Action, ProgressUpdate, Status

MAX_IMPORT_BYTES = 5 * 1024 * 1024  # a programme of 1,000 actions is about 150 kB

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


def read_sheets(data: bytes, filename: str) -> list[tuple[str, tablib.Dataset]]:
    """The sheets of an XLSX or the one table of a CSV, as (sheet title, dataset)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportError_(
            _("The file is %(size)s MB; at most %(max)s MB can be imported.")
            % {
                "size": round(len(data) / 1024 / 1024, 1),
                "max": MAX_IMPORT_BYTES // 1024 // 1024,
            }
        )
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            book = tablib.Databook().load(data, format="xlsx")
            sheets = [(sheet.title or "", sheet) for sheet in book.sheets()]
        elif name.endswith(".csv"):
            text = data.decode("utf-8-sig")
            delimiter = (
                ";"
                if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",")
                else ","
            )
            sheets = [
                ("", tablib.Dataset().load(text, format="csv", delimiter=delimiter))
            ]
        else:
            raise ImportError_(_("Only .xlsx (Excel) and .csv files can be imported."))
    except ImportError_:
        raise
    except Exception:  # tablib/openpyxl raise many kinds of errors for a broken file
        raise ImportError_(
            _("This file is not a readable Excel or CSV file.")
        ) from None
    sheets = [
        (title, sheet) for title, sheet in sheets if sheet.headers and sheet.height
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

    def _municipality(self, word: str) -> Organisation | None:
        names = {m.name.lower(): m for m in self.municipalities}
        close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.8)
        return names[close[0]] if close else None

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
            else:
                unknown.append(name)
        return list(dict.fromkeys(found)), unknown

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
    return columns if "title" in columns and len(columns) == filled else None


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
        columns = None
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
            text = cell.get("title", "")
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
                        _("deadline"),
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
            if cell.get("owner_role"):
                action.owner_role = cell["owner_role"]
            if cell.get("status"):
                status = Status.from_word(cell["status"])
                if status is None:
                    preview.problems.append(
                        Problem(
                            number,
                            _("status"),
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

    def get(self, spec, parent) -> Priority:
        code, title, kind = spec
        key = (code,) if code else ("", title, parent.pk if parent else None)
        if key not in self.cache:
            self.cache[key] = Priority.objects.create(
                plan=self.plan,
                parent=parent,
                code=code,
                title=title,
                kind=kind,
                position=len(self.cache),
            )
            self.created.append(str(self.cache[key]))
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
        top = priorities.get(parsed.priority, None)
        priority = (
            priorities.get(parsed.sub_priority, top) if parsed.sub_priority else top
        )
        position = positions.get(priority.pk, 0)
        positions[priority.pk] = position + 1
        values = {name: getattr(parsed, name) for name in FIELDS}
        action = existing.get((priority.pk, parsed.title))
        if action is None:
            action = Action(priority=priority, position=position, **values)
            action.set_in_plan_since_from_document(plan)
            if parsed.status:
                action.status = parsed.status
            # The database holds the constraints; checking them here would cost two
            # queries per row, and a violation still rolls the whole import back.
            action.full_clean(validate_constraints=False)
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
        action.full_clean(validate_constraints=False)
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
                    Organisation.objects.get_or_create(
                        name=name, defaults={"kind": Organisation.Kind.OTHER}
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
