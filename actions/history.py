"""An action's recorded changes as a person reads them: who changed what, from what to
what, with names instead of ids (the action page's "Wijzigingen")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.apps import apps
from django.db.models import CharField, DateField, F, Value
from django.db.models.functions import Cast
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from policies.models import Organisation

from .models import Meeting

HIDDEN_HISTORY_FIELDS = {"version", "updated_at", "created_at", "position"}
HISTORY_LIMIT = 50


def history_entries(action) -> list[dict]:
    """The action's recorded changes (django-simple-history), newest first, with the diff.

    Plain fields come from diff_against; the three many-to-many fields are compared here.
    Two queries in all, however many records are shown: the records with the priority and
    agreement they pointed to (select_related), and every record's owners, partners and
    meetings with their names (a UNION ALL over the three history tables), instead of
    diff_against's two queries per field per record.
    """
    records = list(
        action.history.select_related(
            "history_user", "priority", "agreement__priority"
        ).order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    if not records:
        # An action written by a bulk insert (the national dataset) has no history;
        # the pairing of each record with the one before it below needs one record.
        return []
    m2m_fields = {"owners": Organisation, "partners": Organisation, "meetings": Meeting}
    history_model = type(action).history.model
    # Typed NULLs: PostgreSQL must see one type per column of the UNION.
    no_text = Cast(Value(None), output_field=CharField())
    no_date = Cast(Value(None), output_field=DateField())
    parts = []
    for field_name, target in m2m_fields.items():
        through = apps.get_model(
            history_model._meta.app_label, f"{history_model.__name__}_{field_name}"
        )
        target_field = next(
            f.name
            for f in through._meta.fields
            if f.is_relation and f.related_model is target
        )
        # What a name is made of: an organisation's name; a meeting's title, body, date.
        if target is Meeting:
            label = {
                "name": F(f"{target_field}__title"),
                "body": F(f"{target_field}__body"),
                "date": F(f"{target_field}__date"),
            }
        else:
            label = {
                "name": F(f"{target_field}__name"),
                "body": no_text,
                "date": no_date,
            }
        parts.append(
            through.objects.filter(history__in=[r.history_id for r in records]).values(
                field=Value(field_name),
                record=F("history_id"),
                target=F(f"{target_field}_id"),
                **label,
            )
        )
    by_record = {field_name: defaultdict(set) for field_name in m2m_fields}
    # The names of the targets that still exist (a deleted one has no name: left out).
    names: dict[str, dict] = {field_name: {} for field_name in m2m_fields}
    for row in parts[0].union(*parts[1:], all=True):
        field_name, target_id = row["field"], row["target"]
        by_record[field_name][row["record"]].add(target_id)
        if field_name == "meetings" and row["date"] is not None:
            meeting = Meeting(title=row["name"], body=row["body"], date=row["date"])
            names[field_name][target_id] = str(meeting)
        elif field_name != "meetings" and row["name"] is not None:
            names[field_name][target_id] = row["name"]
    sets = {
        field_name: {
            r.history_id: frozenset(by_record[field_name][r.history_id])
            for r in records
        }
        for field_name in m2m_fields
    }

    # A priority or agreement an action ever pointed to lies in the action's own plan;
    # one that is gone, or elsewhere, is shown as "–".
    plan_id = action.priority.plan_id
    fk_objects = {"priority": {}, "agreement": {}}
    for record in records:
        if record.priority is not None and record.priority.plan_id == plan_id:
            fk_objects["priority"][record.priority_id] = record.priority
        if (
            record.agreement is not None
            and record.agreement.priority.plan_id == plan_id
        ):
            fk_objects["agreement"][record.agreement_id] = record.agreement

    meta = type(action)._meta

    def show(field_name, value):
        if value in (None, ""):
            return "–"
        field = meta.get_field(field_name)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if field_name in fk_objects:
            obj = fk_objects[field_name].get(value)
            return str(obj) if obj else "–"
        if isinstance(value, dt.date):
            return formats.date_format(value, "DATE_FORMAT")
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    entries = []
    for newer, older in zip(records, records[1:] + [None], strict=True):
        if len(entries) == HISTORY_LIMIT:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(
                older, excluded_fields=HIDDEN_HISTORY_FIELDS | set(m2m_fields)
            )
            for change in delta.changes:
                changes.append(
                    {
                        "field": meta.get_field(change.field).verbose_name,
                        "old": show(change.field, change.old),
                        "new": show(change.field, change.new),
                    }
                )
            for field_name in m2m_fields:
                before = sets[field_name][older.history_id]
                after = sets[field_name][newer.history_id]
                if before != after:
                    changes.append(
                        {
                            "field": meta.get_field(field_name).verbose_name,
                            "old": ", ".join(
                                sorted(
                                    str(names[field_name][i])
                                    for i in before
                                    if i in names[field_name]
                                )
                            )
                            or "–",
                            "new": ", ".join(
                                sorted(
                                    str(names[field_name][i])
                                    for i in after
                                    if i in names[field_name]
                                )
                            )
                            or "–",
                        }
                    )
            if not changes:
                continue
        entries.append({"record": newer, "changes": changes})
    return entries
