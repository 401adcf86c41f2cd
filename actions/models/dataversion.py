"""The data version of a plan, kept by the database itself (issue 19)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The row of what every plan shows but no plan owns: organisations, municipalities,
# safety regions, fields and themes, people's names, and figures from public sources
# (another municipality's police or CBS figure moves its region's average on every
# dashboard of that region).
SHARED = 0


class PlanDataVersion(models.Model):
    """A number that changes with every write to what a plan shows; written by triggers."""

    # Not a foreign key: the triggers write it for a plan that is being deleted (and
    # for SHARED, no plan), and a row outliving its plan costs nothing.
    plan_id = models.BigIntegerField(_("plan"), primary_key=True)
    # A fresh random number on every write, not a counter: a rolled-back transaction,
    # a flushed test database or a restored backup never brings back a number a cache
    # entry was made under (a counter would start again at the same values).
    version = models.BigIntegerField(_("data version"))

    class Meta:
        verbose_name = _("plan data version")
        verbose_name_plural = _("plan data versions")
        # Written by the database only (actions/triggers.py); no admin, no API.
        default_permissions = ()

    def __str__(self):
        return f"{self.plan_id}: {self.version}"
