"""The data version of plans: one fingerprint that changes with every write to what
the plans show (their priorities, agreements, results, actions, progress, meetings,
indicators), for every cache key: pages, charts, PDFs, the public site.
"""

import hashlib

from django.db.models import Q, QuerySet

from actions.models import PlanDataVersion
from actions.models.dataversion import SHARED
from policies.models import Plan


def data_version(plan_ids) -> str:
    """A fingerprint of the data versions of these plans (ids, or a one-column queryset
    of ids), their programmes, their IVPs and the rows all plans share, in one query.

    The database keeps the versions (actions/triggers.py): every INSERT, UPDATE and
    DELETE of what a plan shows gives its version a fresh number, whichever path wrote
    it. An IVP's pages hold its programmes and a programme's name its IVP, hence both
    directions; a programme that moves to another IVP leaves one set and joins the
    other, which changes both fingerprints.
    """
    return fingerprint(version_rows(plan_ids))


def version_rows(plan_ids):
    """The (plan id, version) rows data_version() reads, unordered, to read on their
    own or as part of a larger query (ivp/pagecache.py)."""
    if not isinstance(plan_ids, QuerySet):
        plan_ids = list(plan_ids)
    family = (
        Q(plan_id__in=plan_ids)
        | Q(plan_id=SHARED)
        | Q(plan_id__in=Plan.objects.filter(parent__in=plan_ids).values("pk"))
        | Q(plan_id__in=Plan.objects.filter(pk__in=plan_ids).values("parent_id"))
    )
    return (
        PlanDataVersion.objects.filter(family)
        .order_by()
        .values_list("plan_id", "version")
    )


def fingerprint(rows) -> str:
    """The fingerprint of (plan id, version) rows, in any order."""
    ordered = sorted((int(plan), int(version)) for plan, version in rows)
    return hashlib.sha256(repr(ordered).encode()).hexdigest()[:24]
