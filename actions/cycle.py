"""The plan cycle: next year's programme of an IVP, made from this year's.

An IVP is carried out by a programme a year (Plan.parent). `next_programme(plan)` says
what making the next one from `plan` would create, without saving anything: the
programme itself (same IVP, municipalities, partners and coordinators), a copy of every
priority with its tree, a copy of every agreement that is still to be kept (its result
of the year was not "behaald", or an action carried over works on it), and a new action
for every action that is not finished (its status is not a closed one), linked to the old one by `Action.carried_over_from` and in
the plan from the new programme's first day. The old action keeps its history and its
place in last year's programme. `NextProgramme.save(by=user)` creates all of it in one
transaction, or nothing; the page (reports/cycle.py) shows the preview and asks this
module, who may do it is ivp/access.py's answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, prefetch_related_objects
from django.utils.translation import gettext as _

from policies.models import AgendaPriority, Agreement, Plan, Priority, Result

from .models import CLOSED_STATUSES, Action

# What a carried-over action takes from the old one; the rest (meetings, progress,
# the day it came into the plan) belongs to last year.
ACTION_FIELDS = (
    "title",
    "description",
    "item",
    "owner_role",
    "internal_parties",
    "parties_text",
    "portfolio_holder",
    "budget",
    "budget_text",
    "deadline",
    "deadline_precision",
    "deadline_text",
    "status",
    "percentage",
    "note",
    "position",
)
PRIORITY_FIELDS = (
    "code",
    "position",
    "title",
    "kind",
    "objective",
    "description",
    "attention_points",
    "regional_alignment",
    "national_alignment",
)
PLAN_FIELDS = ("description",)
AGREEMENT_FIELDS = (
    "text",
    "expected_result",
    "planning",
    "planning_precision",
    "planning_text",
    "position",
)
AGENDA_FIELDS = (
    "level",
    "agenda",
    "issuer_id",
    "title",
    "kind",
    "start_year",
    "end_year",
    "position",
)


def _next_name(text: str, plan: Plan, year: int) -> str:
    """The title or slug with the programme's years replaced by the new year."""
    for old in (plan.period, f"{plan.start_year}-{plan.end_year}", str(plan.end_year)):
        if old in text:
            return text.replace(old, str(year))
    return f"{text} {year}"


@dataclass
class NextProgramme:
    """What making next year's programme from `source` creates (nothing saved yet)."""

    source: Plan

    @property
    def year(self) -> int:
        return self.source.end_year + 1

    @cached_property
    def ivp(self) -> Plan | None:
        return self.source.parent if self.source.parent_id else None

    @cached_property
    def existing(self) -> Plan | None:
        """A programme of the same IVP for that year, if one was made already."""
        if self.ivp is None:
            return None
        return (
            Plan.objects.filter(
                parent=self.ivp, start_year__lte=self.year, end_year__gte=self.year
            )
            .exclude(pk=self.source.pk)
            .order_by("pk")
            .first()
        )

    @property
    def problems(self) -> list[str]:
        """Why the programme cannot be made (Dutch, for the page); [] when it can."""
        if not self.source.is_programme:
            return [
                _(
                    "Only from a yearly programme of an IVP can next year's programme "
                    "be made."
                )
            ]
        problems = []
        if self.existing is not None:
            problems.append(
                _(
                    "The IVP already has a programme for %(year)s: %(title)s. A second "
                    "programme for the same year is not made."
                )
                % {"year": self.year, "title": self.existing.title}
            )
        if self.year > self.ivp.end_year:
            problems.append(
                _(
                    "The IVP runs until %(end)s; a programme for %(year)s falls "
                    "outside it."
                )
                % {"end": self.ivp.end_year, "year": self.year}
            )
        return problems

    @cached_property
    def plan(self) -> Plan:
        """The new programme, unsaved."""
        source = self.source
        slug = _next_name(source.slug, source, self.year)
        base, n = slug, 2
        while Plan.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return Plan(
            title=_next_name(source.title, source, self.year),
            slug=slug[: Plan._meta.get_field("slug").max_length],
            kind=Plan.Kind.PROGRAMME,
            start_year=self.year,
            end_year=self.year,
            parent=self.ivp,
            status=Plan.Status.CONCEPT,
            **{name: getattr(source, name) for name in PLAN_FIELDS},
        )

    @cached_property
    def priorities(self) -> list[Priority]:
        """The source's priorities, parents before their children (each with its
        `depth` in the tree)."""
        priorities = list(
            Priority.objects.filter(plan=self.source)
            .prefetch_related("safety_fields")
            .order_by("sort_key", "position", "id")
        )
        children: dict[int | None, list[Priority]] = {}
        for priority in priorities:
            children.setdefault(priority.parent_id, []).append(priority)
        ordered: list[Priority] = []

        def walk(parent_id, depth):
            for priority in children.get(parent_id, []):
                priority.depth = depth  # for the preview's indentation
                ordered.append(priority)
                walk(priority.pk, depth + 1)

        walk(None, 0)
        return ordered

    @cached_property
    def actions(self) -> list[Action]:
        """The unfinished actions that are carried over, in the plan's order."""
        return list(
            Action.objects.for_plan(self.source)
            .exclude(status__in=CLOSED_STATUSES)
            .select_related("priority")
            .prefetch_related("owners", "partners")
            .order_by("priority__sort_key", "position", "id")
        )

    @cached_property
    def agreements(self) -> list[Agreement]:
        """The agreements the new programme keeps: all of the source's, but for those
        achieved in its year that no carried-over action works on. Their results stay
        with the year they are about."""
        worked_on = {a.agreement_id for a in self.actions if a.agreement_id}
        achieved = Result.objects.filter(
            agreement=OuterRef("pk"),
            year=self.source.end_year,
            assessment=Result.Assessment.ACHIEVED,
        )
        return [
            agreement
            for agreement in Agreement.objects.filter(priority__plan=self.source)
            .annotate(achieved=Exists(achieved))
            .select_related("priority")
            .order_by("priority__sort_key", "position", "id")
            if not agreement.achieved or agreement.pk in worked_on
        ]

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    def save(self, *, by=None) -> Plan:
        """Create the programme, its priorities and the carried-over actions, all or
        nothing. Raises ValidationError (Dutch) when it cannot be made."""
        with transaction.atomic():
            if self.ivp is not None:
                # Two officers confirming at once: the second waits here, then finds
                # the first one's programme.
                Plan.objects.select_for_update().filter(pk=self.ivp.pk).first()
                self.__dict__.pop("existing", None)
            if self.problems:
                raise ValidationError(self.problems)
            plan = self.plan
            _by(plan, by)
            plan.full_clean()
            plan.save()
            plan.municipalities.set(self.source.municipalities.all())
            plan.partners.set(self.source.partners.all())
            plan.coordinators.set(self.source.coordinators.all())
            # The agendas the programme answers to are those of the one before.
            agenda: dict[int, AgendaPriority] = {}
            for old in self.source.agenda_priorities.all():
                new = AgendaPriority(
                    plan=plan, **{name: getattr(old, name) for name in AGENDA_FIELDS}
                )
                _by(new, by)
                new.full_clean()
                new.save()
                agenda[old.pk] = new
            copies: dict[int, Priority] = {}
            prefetch_related_objects(
                self.priorities, "safety_themes", "agenda_priorities"
            )
            for old in self.priorities:
                new = Priority(
                    plan=plan,
                    parent=copies.get(old.parent_id),
                    **{name: getattr(old, name) for name in PRIORITY_FIELDS},
                )
                _by(new, by)
                new.full_clean()
                new.save()
                new.safety_fields.set(old.safety_fields.all())
                new.safety_themes.set(old.safety_themes.all())
                new.agenda_priorities.set(
                    [
                        agenda[a.pk]
                        for a in old.agenda_priorities.all()
                        if a.pk in agenda
                    ]
                )
                copies[old.pk] = new
            agreements: dict[int, Agreement] = {}
            for old in self.agreements:
                new = Agreement(
                    priority=copies[old.priority_id],
                    **{name: getattr(old, name) for name in AGREEMENT_FIELDS},
                )
                _by(new, by)
                new.full_clean()
                new.save()
                new.owners.set(old.owners.all())
                new.partners.set(old.partners.all())
                agreements[old.pk] = new
            for old in self.actions:
                new = Action(
                    priority=copies[old.priority_id],
                    agreement=agreements.get(old.agreement_id),
                    carried_over_from=old,
                    in_plan_since=self.start,
                    **{name: getattr(old, name) for name in ACTION_FIELDS},
                )
                _by(new, by)
                new.full_clean()
                new.save()
                new.owners.set(old.owners.all())
                new.partners.set(old.partners.all())
        return plan


def _by(instance, user) -> None:
    """Who made it, for its history (django-simple-history)."""
    if user is not None:
        instance._history_user = user


def next_programme(plan: Plan) -> NextProgramme:
    """What making next year's programme from `plan` would create (nothing saved)."""
    return NextProgramme(plan)
