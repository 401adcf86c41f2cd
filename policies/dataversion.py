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
    # One IN over a UNION rather than ORs of INs: PostgreSQL then reads the few rows
    # through the primary key instead of scanning every plan's version.
    plans = Plan.objects.order_by()
    family = (
        plans.filter(Q(pk__in=plan_ids) | Q(parent__in=plan_ids))
        .values("pk")
        .union(
            plans.filter(pk__in=plan_ids).values("parent_id"),
            PlanDataVersion.objects.order_by().filter(plan_id=SHARED).values("plan_id"),
        )
    )
    return (
        PlanDataVersion.objects.filter(plan_id__in=family)
        .order_by()
        .values_list("plan_id", "version")
    )


def fingerprint(rows) -> str:
    """The fingerprint of (plan id, version) rows, in any order."""
    ordered = sorted((int(plan), int(version)) for plan, version in rows)
    return hashlib.sha256(repr(ordered).encode()).hexdigest()[:24]
