"""Export actions to XLSX or CSV, in the layout the import reads back (the template).

Headers are Dutch; every text cell that a spreadsheet would take for a formula
(starting with =, +, - or @) is neutralised with a leading apostrophe, so an exported
list cannot run anything when opened in Excel or LibreOffice.
"""

import tablib
from django.http import HttpResponse
from django.utils import timezone

from ivp.periods import typed_period

from .models import Action, Status

TEMPLATE_HEADERS = [
    "Speerpunt",
    "Subspeerpunt",
    "Actie",
    "Toelichting",
    "Item",
    "Trekker",
    "Rol trekker",
    "Partners",
    "Portefeuillehouder",
    "Begroting",
    "Deadline",
    "Status",
    "Onvoorzien",
    "Laatste voortgang",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _priority_label(priority) -> str:
    """ "1.2. Jeugd", "a. Subjectieve veiligheid": the form the import reads back."""
    return f"{priority.code}. {priority.title}" if priority.code else priority.title


def _deadline_cell(action: Action) -> str:
    if action.deadline is None:
        return "continu proces" if action.status == Status.CONTINUOUS else ""
    return typed_period(action.deadline, action.deadline_precision)


def actions_dataset(queryset) -> tablib.Dataset:
    """One row per action; the queryset's order is kept.

    A queryset from ActionQuerySet.as_of(day) (the pages' `?as_of=`) exports the status
    and the latest progress as known that day; otherwise today's.
    """
    dataset = tablib.Dataset(headers=TEMPLATE_HEADERS, title="Acties")
    if "latest_text" not in queryset.query.annotations:
        queryset = queryset.with_latest_progress()
    actions = queryset.select_related(
        "priority__parent", "priority__plan"
    ).prefetch_related("owners", "partners")
    for action in actions:
        priority = action.priority
        top, sub = (
            (priority.parent, priority) if priority.parent_id else (priority, None)
        )
        owners = [o.name for o in action.owners.all()]
        dataset.append(
            [
                safe_cell(v)
                for v in [
                    _priority_label(top),
                    _priority_label(sub) if sub else "",
                    action.title,
                    action.description if action.description != action.title else "",
                    action.item,
                    ", ".join(owners),
                    action.owner_role,
                    ", ".join(o.name for o in action.partners.all()),
                    action.portfolio_holder,
                    action.budget_text,
                    _deadline_cell(action),
                    Status(
                        getattr(action, "status_on", action.status)
                    ).spreadsheet_word,
                    "ja" if action.unplanned else "",
                    action.latest_text or "",
                ]
            ]
        )
    return dataset


def dataset_response(
    dataset: tablib.Dataset, *, basename: str, file_format: str
) -> HttpResponse:
    if file_format == "csv":
        # Excel in Dutch opens a UTF-8 CSV with semicolons and a byte order mark correctly.
        content = "\ufeff" + dataset.export("csv", delimiter=";")
        content_type = "text/csv; charset=utf-8"
    else:
        content = dataset.export("xlsx")
        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{basename}-{stamp}.{file_format}"'
    )
    return response


def agreements_dataset(queryset) -> tablib.Dataset:
    """Agreements with their expected and achieved results, per reporting year."""
    dataset = tablib.Dataset(
        headers=[
            "Plan",
            "Prioriteit",
            "Afspraak",
            "Beoogd resultaat",
            "Planning",
            "Trekker",
            "Partners",
            "Behaald resultaat",
        ],
        title="Afspraken",
    )
    agreements = queryset.select_related("priority__plan").prefetch_related(
        "owners", "partners", "results"
    )
    for agreement in agreements:
        results = "\n".join(
            f"{r.year}: {r.get_assessment_display() or '-'}: {r.text}"
            for r in agreement.results.all()
        )
        dataset.append(
            [
                safe_cell(v)
                for v in [
                    agreement.priority.plan.title,
                    _priority_label(agreement.priority),
                    agreement.text,
                    agreement.expected_result,
                    agreement.planning_text or agreement.planning_display,
                    ", ".join(o.name for o in agreement.owners.all()),
                    ", ".join(o.name for o in agreement.partners.all()),
                    results,
                ]
            ]
        )
    return dataset


def progress_dataset(queryset) -> tablib.Dataset:
    """Progress updates, newest first, with their action and plan (never the author)."""
    dataset = tablib.Dataset(
        headers=["Datum", "Plan", "Actie", "Status", "Percentage", "Voortgang"],
        title="Voortgang",
    )
    for update in queryset.select_related("action__priority__plan").order_by(
        "-date", "-pk"
    ):
        dataset.append(
            [
                safe_cell(v)
                for v in [
                    update.date.strftime("%d-%m-%Y"),
                    update.action.priority.plan.title,
                    update.action.title,
                    Status(update.status).spreadsheet_word,
                    "" if update.percentage is None else update.percentage,
                    update.text,
                ]
            ]
        )
    return dataset
