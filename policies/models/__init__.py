"""Who plans what: organisations, plans with their priorities and agreements, indicators."""

from .agenda import AgendaPriority
from .indicators import Indicator, Measurement, Target
from .organisations import Membership, Organisation
from .plans import Agreement, Plan, Priority, Result, SafetyField, SafetyTheme
from .reference import Municipality, SafetyRegion

__all__ = [
    "AgendaPriority",
    "Agreement",
    "Indicator",
    "Measurement",
    "Membership",
    "Municipality",
    "Organisation",
    "Plan",
    "Priority",
    "Result",
    "SafetyField",
    "SafetyRegion",
    "SafetyTheme",
    "Target",
]
