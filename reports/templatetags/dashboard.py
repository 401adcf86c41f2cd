"""Template helpers for the dashboard pages."""

from django import template

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
