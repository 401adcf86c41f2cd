"""The status of an action: one definition that every surface reads.

Label, order, colour, badge, whether a passed deadline still matters, and the Dutch words
a spreadsheet uses for it all live here, so the dashboard, the charts, the PDFs, the
exports and the import cannot disagree about them (kausal-watch's
`action_status_summary.py` does the same).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class _Look:
    order: int
    # NL Design System-like colours; each has at least 3:1 contrast with white, and is
    # never the only sign of the status (the label says it).
    colour: str
    # The modifier of the utrecht-status-badge that shows it on the pages.
    badge: str
    # A passed deadline no longer makes the action late.
    closed: bool
    # What a Dutch spreadsheet writes for it; the first is what the export writes.
    words: tuple[str, ...]


class Status(models.TextChoices):
    """The state of an action, as the driehoek talks about it."""

    NOT_STARTED = "not_started", _("not started")
    ONGOING = "ongoing", _("in progress")
    AT_RISK = "at_risk", _("at risk / delayed")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")
    CONTINUOUS = "continuous", _("continuous")

    @property
    def look(self) -> _Look:
        return _LOOKS[self]

    @property
    def colour(self) -> str:
        return self.look.colour

    @property
    def badge(self) -> str:
        return self.look.badge

    @property
    def closed(self) -> bool:
        return self.look.closed

    @property
    def spreadsheet_word(self) -> str:
        return self.look.words[0]

    @classmethod
    def in_order(cls) -> list["Status"]:
        """Reading order: finished work first, as the driehoek reads it."""
        return sorted(cls, key=lambda status: status.look.order)

    @classmethod
    def closed_values(cls) -> tuple["Status", ...]:
        return tuple(status for status in cls if status.closed)

    @classmethod
    def from_word(cls, text: str) -> "Status | None":
        """The status a spreadsheet cell means ("Afgerond", "risico / vertraagd"), or None."""
        return _BY_WORD.get(" ".join((text or "").lower().split()))

    @classmethod
    def words(cls) -> list[str]:
        return list(_BY_WORD)


_LOOKS = {
    Status.DONE: _Look(0, "#2b7a3d", "success", True, ("afgerond", "gereed")),
    Status.CONTINUOUS: _Look(1, "#1c6b75", "safe", True, ("doorlopend",)),
    Status.ONGOING: _Look(2, "#1e5eb0", "active", False, ("loopt", "lopend")),
    Status.AT_RISK: _Look(
        3, "#b3261e", "danger", False, ("risico / vertraagd", "risico", "vertraagd")
    ),
    Status.NOT_STARTED: _Look(4, "#595959", "neutral", False, ("niet gestart",)),
    Status.CANCELLED: _Look(5, "#3d3d3d", "inactive", True, ("vervallen",)),
}
_BY_WORD = {word: status for status, look in _LOOKS.items() for word in look.words}

# Statuses in which a passed deadline no longer matters.
CLOSED_STATUSES = Status.closed_values()


def combined_status(statuses) -> "Status | None":
    """The status of an action carried by several trekkers, from each one's own status.

    The one rule for a shared action (Action.refresh_from_progress stores it,
    ActionQuerySet.as_of() asks it in SQL through `COMBINED_BY_MASK`): all alike, that
    status; any at risk, at risk; a trekker that cancelled its part does not hold the
    others back; all closed (done, continuous), done, or continuous when a part goes on;
    otherwise, once any part has begun, in progress. It reads only which statuses occur,
    so SQL can ask it with the set of statuses as a bit mask. None: no parts.
    """
    present = {Status(status) for status in statuses}
    if len(present) <= 1:
        return next(iter(present), None)
    if Status.AT_RISK in present:
        return Status.AT_RISK
    remaining = present - {Status.CANCELLED}
    if len(remaining) == 1:
        return next(iter(remaining))
    if remaining <= {Status.DONE, Status.CONTINUOUS}:
        return Status.CONTINUOUS
    # Several parts in different states, at least one of them begun or finished.
    return Status.ONGOING


# Each status as one bit, so that SQL can sum the distinct statuses of an action's parts
# into one number (SUM(DISTINCT bit)) and look the combined status up by it.
STATUS_BIT = {status: 1 << index for index, status in enumerate(Status)}


def _combined_by_mask() -> dict[Status, list[int]]:
    by_status: dict[Status, list[int]] = {}
    for mask in range(1, 1 << len(STATUS_BIT)):
        present = [status for status, bit in STATUS_BIT.items() if mask & bit]
        by_status.setdefault(combined_status(present), []).append(mask)
    return by_status


# combined_status() for every set of statuses, for ActionQuerySet.as_of() in SQL: the
# rule above is the only place it is written.
COMBINED_BY_MASK = _combined_by_mask()
