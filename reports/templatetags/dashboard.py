"""Template helpers for the dashboard pages."""

import html

from django import template
from django.template import defaultfilters
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from actions.models import Status

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    """The utrecht-status-badge modifier for a status value; the label says the status,
    the colour helps."""
    try:
        return Status(status).badge
    except ValueError:
        return "neutral"


@register.filter
def status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return ""


@register.filter
def overdue_on(action, day) -> bool:
    """Late on `day`: a row from ActionQuerySet.as_of() knows (`late_on`); otherwise
    the action's current status says."""
    late = getattr(action, "late_on", None)
    return action.is_late(day) if late is None else late


@register.filter
def shown_status(action) -> str:
    """The status as of the day the list is about (`status_on` from as_of()), else now."""
    return getattr(action, "status_on", None) or action.status


@register.filter
def shown_percentage(action):
    """The percentage that goes with `shown_status`: that of the latest update by the
    list's day when the row has it (with_latest_progress(on=day)), else the current one."""
    if not hasattr(action, "latest_date"):
        return action.percentage
    return action.percentage_as_of(action.latest_date, action.latest_percentage)


@register.inclusion_tag("reports/_legend.html")
def status_legend():
    """What the colours of the status bars mean, in words (WCAG 1.4.1: colour is never
    the only sign); every page that draws a bar shows it once."""
    return {"statuses": Status.in_order()}


def _e(value) -> str:
    """What {{ value }} writes: the text escaped (django.utils.html.escape is this,
    without its check for lazy strings, which cost more than the escaping)."""
    return html.escape(str(value))


@register.simple_tag
def action_rows(
    actions, today=None, show_plan=False, show_progress=False
) -> SafeString:
    """The rows of reports/_actions_table.html, each built once in Python.

    The cells the template's loop wrote, with the same filters and escaping; the
    dashboard, meeting page and organisation page show up to a hundred such rows, and
    the template engine spent more time on them than on the rest of those pages.
    `today`: the day the list is about (the dashboard's state day, the meeting's day;
    none: today). tests/test_action_rows.py compares the rows with the loop's."""
    today = today or None
    late = (
        ' <span class="utrecht-status-badge utrecht-status-badge--danger">'
        f"{_e(_('late'))}</span>"
    )
    unplanned = (
        ' <span class="utrecht-status-badge utrecht-status-badge--warning">'
        f"{_e(_('unplanned'))}</span>"
    )
    no_progress = f'<span class="ivp-muted">{_e(_("no progress reported yet"))}</span>'
    # The action page's address, resolved once: the pk is the path's last segment
    # (reports/urls.py "acties/<int:pk>/"), so each row only puts its pk between.
    before_pk, after_pk = reverse("reports:action", args=[0]).rsplit("0", 1)
    # A list repeats the same deadlines and report days: each is formatted once.
    deadlines: dict[tuple, str] = {}
    days: dict = {}
    rows = []
    for action in actions:
        url = f"{before_pk}{action.pk}{after_pk}"
        title = _e(defaultfilters.truncatechars(action.title, 120))
        row = [
            '<tr class="utrecht-table__row"><th scope="row" '
            f'class="utrecht-table__header-cell"><a href="{_e(url)}">{title}</a>'
            f"{unplanned if action.unplanned else ''}</th>"
        ]
        if show_plan:
            row.append(
                f'<td class="utrecht-table__cell">{_e(action.priority.plan.title)}</td>'
            )
        owners = action.owners.all()
        if owners:
            owned_by = ", ".join(_e(owner.name) for owner in owners)
        else:
            owned_by = _e(action.owner_role or "–")
        status = shown_status(action)
        percentage = shown_percentage(action)
        key = (action.deadline, action.deadline_precision)
        deadline = deadlines.get(key)
        if deadline is None:
            deadline = deadlines[key] = _e(action.deadline_display or "–")
        row.append(
            f'<td class="utrecht-table__cell">{_e(action.priority)}</td>'
            f'<td class="utrecht-table__cell">{owned_by}</td>'
            f'<td class="utrecht-table__cell">{deadline}'
            f"{late if overdue_on(action, today) else ''}</td>"
            '<td class="utrecht-table__cell"><span class="utrecht-status-badge '
            f'utrecht-status-badge--{_e(status_badge(status))}">'
            f"{_e(status_label(status))}</span>"
            f"{'' if percentage is None else f' {_e(percentage)}%'}</td>"
        )
        if show_progress:
            latest_date = getattr(action, "latest_date", None)
            if latest_date:
                date = days.get(latest_date)
                if date is None:
                    date = days[latest_date] = _e(
                        defaultfilters.date(latest_date, "j F Y")
                    )
                text = _e(defaultfilters.truncatewords(action.latest_text, 40))
                progress = f"<strong>{date}</strong>: {text}"
            else:
                progress = no_progress
            row.append(f'<td class="utrecht-table__cell">{progress}</td>')
        row.append("</tr>")
        rows.append("".join(row))
    return mark_safe("".join(rows))
