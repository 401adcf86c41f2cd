"""Who plans what: organisations, plans with their priorities and agreements, indicators."""

from .indicators import Indicator, Measurement, Target
from .organisations import Membership, Organisation
from .plans import Agreement, Plan, Priority, Result, SafetyField

__all__ = [
    "Agreement",
    "Indicator",
    "Measurement",
    "Membership",
    "Organisation",
    "Plan",
    "Priority",
    "Result",
    "SafetyField",
    "Target",
]
