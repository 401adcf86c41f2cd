"""Who does what by when: actions, progress, meetings, and the reminders about them."""

from .actions import Action, ActionQuerySet, Meeting, ProgressUpdate
from .dataversion import PlanDataVersion
from .reminders import ProgressRound, ReminderItem, ReminderMail, ReminderSettings
from .status import CLOSED_STATUSES, Status

__all__ = [
    "CLOSED_STATUSES",
    "Action",
    "ActionQuerySet",
    "Meeting",
    "PlanDataVersion",
    "ProgressRound",
    "ProgressUpdate",
    "ReminderItem",
    "ReminderMail",
    "ReminderSettings",
    "Status",
]
