"""The rows of the actions tables (dashboard, meeting page, organisation page, actions
list) are built in Python (reports.templatetags.dashboard.action_rows) for speed; they
must say exactly what the template loop they replaced said, escaped the same way."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from actions.models import Action, Status
from reports.templatetags.dashboard import action_rows

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db

# The loop of templates/reports/_actions_table.html before the rows moved to Python.
TEMPLATE_LOOP = """{% load i18n dashboard %}{% for action in actions %}
    <tr class="utrecht-table__row">
      <th scope="row" class="utrecht-table__header-cell"><a href="{% url 'reports:action' action.pk %}">{{ action.title|truncatechars:120 }}</a>{% if action.unplanned %} <span class="utrecht-status-badge utrecht-status-badge--warning">{% translate "unplanned" %}</span>{% endif %}</th>
      {% if show_plan %}<td class="utrecht-table__cell">{{ action.priority.plan.title }}</td>{% endif %}
      <td class="utrecht-table__cell">{{ action.priority }}</td>
      <td class="utrecht-table__cell">{% for owner in action.owners.all %}{{ owner.name }}{% if not forloop.last %}, {% endif %}{% empty %}{{ action.owner_role|default:"–" }}{% endfor %}</td>
      <td class="utrecht-table__cell">{{ action.deadline_display|default:"–" }}{% if action|overdue_on:today %} <span class="utrecht-status-badge utrecht-status-badge--danger">{% translate "late" %}</span>{% endif %}</td>
      <td class="utrecht-table__cell">{% with status=action|shown_status percentage=action|shown_percentage %}<span class="utrecht-status-badge utrecht-status-badge--{{ status|status_badge }}">{{ status|status_label }}</span>{% if percentage is not None %} {{ percentage }}%{% endif %}{% endwith %}</td>
      {% if show_progress %}<td class="utrecht-table__cell">{% if action.latest_date %}<strong>{{ action.latest_date|date:"j F Y" }}</strong>: {{ action.latest_text|truncatewords:40 }}{% else %}<span class="ivp-muted">{% translate "no progress reported yet" %}</span>{% endif %}</td>{% endif %}
    </tr>
    {% endfor %}"""


def without_layout(html: str) -> str:
    """The markup without the template's line breaks and indentation between tags."""
    return re.sub(r">\s*\n\s*<", "><", html).strip()


@pytest.fixture
def actions():
    towns = [
        MunicipalityFactory(name="Gemeente <Één>"),
        MunicipalityFactory(name="Stad & Ommeland"),
    ]
    plan = PlanFactory(municipalities=towns, start_year=2021, end_year=2021)
    plan.title = 'Plan "A" & <B>'
    plan.save()
    priority = PriorityFactory(plan=plan, code="1", title="Zorg & <veiligheid>")
    long_title = "Een <titel> met 'aanhalingstekens' & " + "woorden " * 20
    # Unplanned, late, no trekker but a role, HTML in the title; progress by the day.
    first = ActionFactory(
        priority=priority,
        title=long_title,
        unplanned=True,
        owner_role="Politie & OM",
        deadline=dt.date(2021, 3, 31),
    )
    ProgressUpdateFactory(
        action=first,
        date=dt.date(2021, 3, 1),
        status=Status.ONGOING,
        percentage=40,
        text="<b>Voortgang</b> & " + "meer tekst " * 30,
    )
    # Shared by two trekkers, each reporting its own part (a combined percentage).
    shared = ActionFactory(
        priority=priority, owners=towns, deadline=dt.date(2021, 9, 30)
    )
    for town, status, percentage in (
        (towns[0], Status.DONE, None),
        (towns[1], Status.ONGOING, 30),
    ):
        ProgressUpdateFactory(
            action=shared,
            organisation=town,
            date=dt.date(2021, 5, 1),
            status=status,
            percentage=percentage,
        )
    # Nothing at all: no deadline, no trekker, no role, no progress.
    ActionFactory(priority=priority, deadline=None, owner_role="")
    # Progress only after the day asked for.
    later = ActionFactory(priority=priority, owners=[towns[1]])
    ProgressUpdateFactory(action=later, date=dt.date(2021, 8, 1), status=Status.DONE)
    for action in Action.objects.all():
        action.refresh_from_progress()
    return Action.objects.filter(priority=priority).order_by("pk")


@pytest.mark.parametrize("show_plan", [False, True])
@pytest.mark.parametrize("show_progress", [False, True])
@pytest.mark.parametrize("day", [None, dt.date(2021, 6, 30)], ids=["today", "past day"])
def test_rows_say_what_the_template_loop_said(actions, show_plan, show_progress, day):
    queryset = actions.with_list_relations()
    if day is not None:
        queryset = queryset.as_of(day).with_latest_progress(on=day)
    elif show_progress:
        queryset = queryset.with_latest_progress()
    rows = list(queryset)
    with translation.override("nl"):
        expected = Template(TEMPLATE_LOOP).render(
            Context(
                {
                    "actions": rows,
                    "today": day,
                    "show_plan": show_plan,
                    "show_progress": show_progress,
                }
            )
        )
        built = action_rows(rows, day, show_plan, show_progress)
    assert without_layout(built) == without_layout(expected)
    # The cases above did occur (the comparison is not of empty rows).
    assert built.count("<tr ") == 4
    assert "&lt;titel&gt;" in built and "<titel>" not in built
    assert "te laat" in built and "onvoorzien" in built
    if show_progress and day is not None:
        assert "&lt;b&gt;Voortgang&lt;/b&gt;" in built
        assert "nog geen voortgang gemeld" in built  # the one reported later


def test_rows_without_a_day_judge_lateness_today(actions):
    """Every page passes the day its list is about (the organisation page and the
    actions list: today). Without one, lateness is judged today, as `overdue_on`
    says; the template loop showed no badge at all then (its filter argument failed)."""
    rows = list(actions.with_list_relations())
    with translation.override("nl"):
        built = Template(
            "{% load dashboard %}{% action_rows actions today show_plan show_progress %}"
        ).render(Context({"actions": rows}))
    # The two open actions with a deadline in 2021; not the one done, nor the one
    # without a deadline.
    assert built.count("te laat") == 2
