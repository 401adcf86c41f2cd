"""Template helpers for the dashboard pages."""

from django import template

from actions.models import Status

register = template.Library()

# NL Design System status badge variants; the label text says the status, the colour helps.
BADGE = {
    Status.DONE: "success",
    Status.CONTINUOUS: "safe",
    Status.ONGOING: "active",
    Status.AT_RISK: "danger",
    Status.NOT_STARTED: "neutral",
    Status.CANCELLED: "inactive",
}


@register.filter
def status_badge(status: str) -> str:
    """The utrecht-status-badge modifier for a status value."""
    return BADGE.get(status, "neutral")


@register.filter
def status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return ""


@register.filter
def overdue_on(action, day) -> bool:
    return action.is_overdue(day)
