"""Load the seed documents (fixtures/seeds/*.json) into the database, idempotently.

The files follow fixtures/seeds/FORMAT.md: shaped like the paper documents, not like the
tables. Every object is matched on a natural key (a CBS code, a plan slug, a priority code,
a position in its list), so loading twice updates in place and creates no duplicates, and
progress recorded on seeded actions survives a reload.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from actions.models import Action, Meeting, Status
from actions.models.actions import meeting_named_by_deadline
from ivp.periods import Precision, parse_period

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

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seeds"


@dataclass
class SeedCounts:
    """What a load touched, for the command's report."""

    organisations: int = 0
    plans: int = 0
    priorities: int = 0
    agreements: int = 0
    actions: int = 0
    meetings: int = 0
    indicators: int = 0
    measurements: int = 0
    files: list[str] = field(default_factory=list)


def seed_files(directory: Path = SEED_DIR) -> list[Path]:
    return sorted(directory.glob("*.json"))


def seeds_load(*, paths: list[Path] | None = None) -> SeedCounts:
    """Load all seed files in one transaction: all of them land, or none."""
    counts = SeedCounts()
    with transaction.atomic():
        for path in paths if paths is not None else seed_files():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                _SeedLoader(data, counts).load()
            except (KeyError, TypeError, ValueError, ValidationError) as exc:
                raise SeedError(f"{path.name}: {exc!r}") from exc
            counts.files.append(path.name)
    return counts


class SeedError(Exception):
    """A seed file that does not follow FORMAT.md."""


def _period(value: str | None) -> tuple[dt.date | None, str]:
    if not value:
        return None, Precision.DAY
    return parse_period(value)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _decimal(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _measurement_period(period: str) -> tuple[int, str, int]:
    period = str(period)
    if "-Q" in period.upper():
        year, quarter = period.upper().split("-Q")
        return int(year), Measurement.PeriodType.QUARTER, int(quarter)
    if "-" in period:
        year, month = period.split("-")
        return int(year), Measurement.PeriodType.MONTH, int(month)
    return int(period), Measurement.PeriodType.YEAR, 0


class _SeedLoader:
    def __init__(self, data: dict, counts: SeedCounts):
        self.data = data
        self.counts = counts
        self.organisations: dict[str, Organisation] = {}

    def load(self) -> None:
        for org in self.data.get("organisations", []):
            self._organisation(org)
        plans = {}
        for plan_data in self.data["plans"]:
            plans[plan_data["key"]] = self._plan(plan_data, plans)

    # Organisations -----------------------------------------------------------------
    def _organisation(self, data: dict) -> Organisation:
        defaults = {
            "kind": data["kind"],
            "police_unit": data.get("police_unit", ""),
            "police_district": data.get("police_district", ""),
        }
        if data.get("cbs_code"):
            org, _ = Organisation.objects.update_or_create(
                cbs_code=data["cbs_code"], defaults={"name": data["name"], **defaults}
            )
        else:
            org, _ = Organisation.objects.update_or_create(
                name=data["name"], defaults=defaults
            )
        org.full_clean()
        self.organisations[org.name] = org
        if org.cbs_code:
            self.organisations[org.cbs_code] = org
        self.counts.organisations += 1
        return org

    def _org(self, name: str) -> Organisation:
        if name in self.organisations:
            return self.organisations[name]
        try:
            org = Organisation.objects.get(name=name)
        except Organisation.DoesNotExist:
            raise ValueError(
                f"organisation {name!r} is not listed in 'organisations'"
            ) from None
        self.organisations[name] = org
        return org

    def _orgs(self, names: list[str]) -> list[Organisation]:
        return [self._org(name) for name in names]

    # Plans ---------------------------------------------------------------------------
    def _plan(self, data: dict, plans: dict[str, Plan]) -> Plan:
        parent_key = data.get("parent")
        plan, _ = Plan.objects.update_or_create(
            slug=data["key"],
            defaults={
                "title": data["title"],
                "kind": data["kind"],
                "start_year": data["start_year"],
                "end_year": data["end_year"],
                "parent": plans[parent_key] if parent_key else None,
                "status": data.get("status", Plan.Status.CONCEPT),
                "adopted_on": _date(data.get("adopted_on")),
                "adopted_by": data.get("adopted_by") or "",
                "description": data.get("description", ""),
            },
        )
        plan.full_clean()
        plan.municipalities.set(self._orgs(data.get("municipalities", [])))
        plan.partners.set(self._orgs(data.get("partners", [])))
        self.counts.plans += 1

        meetings = {}
        for meeting_data in data.get("meetings", []):
            meeting = self._meeting(plan, meeting_data)
            meetings[meeting_data["date"]] = meeting

        agenda = self._agendas(plan, data.get("agendas", []))
        priorities_by_title = {}
        for position, priority_data in enumerate(data.get("priorities", [])):
            self._priority(
                plan,
                None,
                position,
                priority_data,
                meetings,
                priorities_by_title,
                agenda,
            )

        for indicator_data in data.get("indicators", []):
            self._indicator(plan, indicator_data, priorities_by_title)
        return plan

    def _agendas(self, plan: Plan, agendas: list[dict]) -> dict[str, AgendaPriority]:
        """The agenda priorities the plan cites, by their key in the file; those the
        file no longer lists are removed."""
        by_key, kept, position = {}, [], 0
        for agenda in agendas:
            issuer = agenda.get("issuer")
            for item in agenda["priorities"]:
                if item["key"] in by_key:
                    raise ValueError(f"agenda key {item['key']!r} is used twice")
                row, _ = AgendaPriority.objects.update_or_create(
                    plan=plan,
                    level=agenda["level"],
                    agenda=agenda.get("agenda", ""),
                    title=item["title"],
                    defaults={
                        "issuer": self._org(issuer) if issuer else None,
                        "kind": item.get("kind", AgendaPriority.Kind.PRIORITY),
                        "start_year": agenda.get("start_year"),
                        "end_year": agenda.get("end_year"),
                        "position": position,
                    },
                )
                row.full_clean()
                by_key[item["key"]] = row
                kept.append(row.pk)
                position += 1
        AgendaPriority.objects.filter(plan=plan).exclude(pk__in=kept).delete()
        return by_key

    def _meeting(self, plan: Plan, data: dict) -> Meeting:
        date = _date(data["date"])
        meeting = Meeting.objects.filter(
            plans=plan, body=data["body"], date=date
        ).first()
        meeting = meeting or Meeting(body=data["body"], date=date)
        meeting.title = data.get("title", "")
        meeting.preparation_deadline = _date(data.get("preparation_deadline"))
        meeting.notes = data.get("notes", "")
        meeting.decisions = data.get("decisions", "")
        meeting.full_clean()
        meeting.save()
        meeting.plans.add(plan)
        meeting.municipalities.set(plan.municipalities.all())
        self.counts.meetings += 1
        return meeting

    def _priority(
        self, plan, parent, position, data, meetings, by_title, agenda
    ) -> Priority:
        code = data.get("code", "")
        lookup = (
            {"plan": plan, "code": code}
            if code
            else {"plan": plan, "code": "", "parent": parent, "title": data["title"]}
        )
        priority, _ = Priority.objects.update_or_create(
            **lookup,
            defaults={
                "parent": parent,
                "title": data["title"],
                "position": position,
                "kind": data.get("kind", Priority.Kind.PRIORITY),
                "objective": data.get("objective", ""),
                "description": data.get("description", ""),
                "attention_points": data.get("attention_points", ""),
                "regional_alignment": data.get("regional_alignment", ""),
                "national_alignment": data.get("national_alignment", ""),
            },
        )
        priority.full_clean()
        fields, themes = self._safety_tags(data)
        priority.safety_fields.set(fields)
        priority.safety_themes.set(themes)
        unknown = [key for key in data.get("agenda", []) if key not in agenda]
        if unknown:
            raise ValueError(f"agenda keys {unknown!r} are not in the plan's agendas")
        priority.agenda_priorities.set([agenda[key] for key in data.get("agenda", [])])
        by_title[data["title"]] = priority
        self.counts.priorities += 1
        for result in data.get("results", []):
            self._result(result, priority=priority)

        agreements = [
            self._agreement(priority, index, agreement)
            for index, agreement in enumerate(data.get("agreements", []))
        ]
        for index, action in enumerate(data.get("actions", [])):
            self._action(priority, index, action, agreements, meetings)
        for index, child in enumerate(data.get("children", [])):
            self._priority(plan, priority, index, child, meetings, by_title, agenda)
        return priority

    def _safety_tags(self, data: dict) -> tuple[list[SafetyField], list[SafetyTheme]]:
        """The VNG fields and themes the file gives a priority: an unknown code, or a
        theme whose field is not listed too, is a mistake in the file, not a guess."""
        field_codes = data.get("safety_fields", [])
        theme_codes = data.get("safety_themes", [])
        fields = list(SafetyField.objects.filter(code__in=field_codes))
        themes = list(SafetyTheme.objects.filter(code__in=theme_codes))
        unknown = (set(field_codes) - {f.code for f in fields}) | (
            set(theme_codes) - {t.code for t in themes}
        )
        if unknown:
            raise ValueError(f"unknown safety field or theme {sorted(unknown)!r}")
        outside = sorted(t.code for t in themes if t.field_id not in field_codes)
        if outside:
            raise ValueError(f"safety themes {outside!r} lack their field")
        return fields, themes

    def _result(self, data: dict, **owner) -> None:
        Result.objects.update_or_create(
            **owner,
            year=data["year"],
            defaults={"text": data["text"], "assessment": data.get("assessment", "")},
        )

    def _agreement(self, priority: Priority, position: int, data: dict) -> Agreement:
        planning, precision = _period(data.get("planning"))
        agreement, _ = Agreement.objects.update_or_create(
            priority=priority,
            position=position,
            defaults={
                "text": data["text"],
                "expected_result": data.get("expected_result", ""),
                "planning": planning,
                "planning_precision": precision,
                "planning_text": data.get("planning_text", ""),
            },
        )
        agreement.full_clean()
        agreement.owners.set(self._orgs(data.get("owners", [])))
        agreement.partners.set(self._orgs(data.get("partners", [])))
        for result in data.get("results", []):
            self._result(result, agreement=agreement)
        self.counts.agreements += 1
        return agreement

    def _action(self, priority, position, data, agreements, meetings) -> Action:
        deadline, precision = _period(data.get("deadline"))
        added_on, added_precision = _period(data.get("added_on"))
        if added_on and added_precision != Precision.DAY:
            # "ingevlogen in februari": the month it came in, shown as the month.
            added_on = added_on.replace(day=1)
        agreement_index = data.get("agreement")
        action, created = Action.objects.get_or_create(
            priority=priority, position=position, defaults={"title": data["title"]}
        )
        action.title = data["title"]
        action.description = data.get("description", "")
        action.item = data.get("item", "")
        action.agreement = (
            agreements[agreement_index] if agreement_index is not None else None
        )
        action.owner_role = data.get("owner_role", "")
        action.internal_parties = data.get("internal_parties", "")
        action.parties_text = data.get("parties_text", "")
        action.portfolio_holder = data.get("portfolio_holder", "")
        action.budget_text = data.get("budget", "")
        action.deadline = deadline
        action.deadline_precision = precision
        action.deadline_text = data.get("deadline_text", "")
        # "9 september Oldebroek": the deadline is the driehoek of that day, and moves
        # with it.
        action.deadline_meeting = meeting_named_by_deadline(
            action.deadline_text, deadline, precision, meetings.values()
        )
        action.unplanned = bool(data.get("unplanned"))
        action.added_on = added_on
        action.added_on_precision = added_precision
        action.note = data.get("note", "")
        action.set_in_plan_since_from_document(priority.plan)
        if created or not action.progress_updates.exists():
            # Progress recorded since the seed was loaded owns the status from then on.
            action.status = data.get("status") or Status.NOT_STARTED
        action.full_clean()
        action.save()
        action.owners.set(self._orgs(data.get("owners", [])))
        action.partners.set(self._orgs(data.get("partners", [])))
        action.meetings.set([meetings[date] for date in data.get("meetings", [])])
        self.counts.actions += 1
        return action

    def _indicator(self, plan: Plan, data: dict, priorities_by_title: dict) -> None:
        priority_title = data.get("priority")
        indicator, _ = Indicator.objects.update_or_create(
            plan=plan,
            name=data["name"],
            defaults={
                "priority": priorities_by_title[priority_title]
                if priority_title
                else None,
                "unit": data.get("unit", ""),
                "source": data.get("source", Indicator.Source.OTHER),
                "area": data.get("area", ""),
                "direction": data["direction"],
                "baseline_value": _decimal(data.get("baseline_value")),
                "baseline_year": data.get("baseline_year"),
                "description": data.get("description", ""),
            },
        )
        indicator.full_clean()
        self.counts.indicators += 1
        for target in data.get("targets", []):
            obj, _ = Target.objects.update_or_create(
                indicator=indicator,
                kind=target["kind"],
                year=target["year"],
                defaults={
                    "value": _decimal(target["value"]),
                    "reference_year": target.get("reference_year"),
                    "is_final": target.get("final", True),
                    "description": target.get("description", ""),
                },
            )
            obj.full_clean()
        for measurement in data.get("measurements", []):
            year, period_type, number = _measurement_period(measurement["period"])
            obj, _ = Measurement.objects.update_or_create(
                indicator=indicator,
                year=year,
                period_type=period_type,
                period_number=number,
                defaults={
                    "value": _decimal(measurement["value"]),
                    "provisional": measurement.get("provisional", False),
                    "note": measurement.get("note", ""),
                },
            )
            obj.full_clean()
            self.counts.measurements += 1
