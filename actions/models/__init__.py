"""Who does what by when: actions, progress, meetings, and the reminders about them."""

from .actions import Action, ActionQuerySet, Meeting, ProgressUpdate
from .dataversion import PlanDataVersion
from .importjobs import ImportJob
from .reminders import ProgressRound, ReminderItem, ReminderMail, ReminderSettings
from .status import CLOSED_STATUSES, Status

__all__ = [
    "CLOSED_STATUSES",
    "Action",
    "ActionQuerySet",
    "ImportJob",
    "Meeting",
    "PlanDataVersion",
    "ProgressRound",
    "ProgressUpdate",
    "ReminderItem",
    "ReminderMail",
    "ReminderSettings",
    "Status",
]
