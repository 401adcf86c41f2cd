"""Which plans each cached page shows: the data versions its cache key holds
(ivp/pagecache.py). Each answer is a one-column queryset, so the version costs the
page one query whatever the page shows.
"""

from actions.models import Action, Meeting
from policies.models import Plan


def plan_page(request, pk):
    """A plan's dashboard and its list of actions: the plan (its programmes and IVP
    come with its version)."""
    return [pk]


def meeting_page(request, pk):
    """A meeting's agenda: the plans the meeting is about (a meeting without plans
    changes the rows all plans share, which every version holds)."""
    return Plan.meetings.through.objects.filter(meeting_id=pk).values("plan_id")


def organisation_page(request, pk):
    """An organisation's page: the plans it takes part in (as a municipality or a
    partner), those it owns actions in, and those of the meetings it lists: where it
    takes part or its actions are on the agenda (a meeting's own row changes the
    versions of the meeting's plans)."""
    return (
        Plan.municipalities.through.objects.filter(organisation_id=pk)
        .values("plan_id")
        .union(
            Plan.partners.through.objects.filter(organisation_id=pk).values("plan_id"),
            Action.owners.through.objects.filter(organisation_id=pk).values(
                "action__priority__plan_id"
            ),
            Meeting.plans.through.objects.filter(meeting__municipalities=pk).values(
                "plan_id"
            ),
            Meeting.plans.through.objects.filter(meeting__actions__owners=pk).values(
                "plan_id"
            ),
        )
    )
