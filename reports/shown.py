"""Which plans each cached page shows: the data versions its cache key holds
(ivp/pagecache.py). Each answer is a one-column queryset, so the version costs the
page one query whatever the page shows.
"""

from django.apps import apps
from django.db.models import Q

from actions.models import Action, Meeting
from ivp import access
from policies.models import Plan


def plan_page(request, pk):
    """A plan's dashboard and its list of actions: the plan (its programmes and IVP
    come with its version)."""
    return [pk]


def meeting_page(request, pk):
    """A meeting's agenda: the plans the meeting is about (a meeting without plans
    changes the rows all plans share, which every version holds)."""
    return Plan.meetings.through.objects.filter(meeting_id=pk).values("plan_id")


def seen_plans(request, *args, **kwargs):
    """Pages that show whatever of many plans the user may see (the start page, an
    organisation's page, the API): every plan the user sees. What such a page shows
    is read through visible_to(user), so it lies in these plans (or in the rows all
    plans share); a superset of what one page shows keeps its key exact, at the price
    of a new entry after a write to a plan the page leaves out. One subquery through
    the link tables' indexes, with the user's memberships, instead of a page's own
    UNION of five joins (organisation_page had it: planning that took longer than the
    page's hit)."""
    return access.seen_plan_ids(request.user)


def action_page(request, pk):
    """An action's page: its plan, the plans of the action it continues and of those
    that continue it (a plan cycle crosses plans), and the plans of the meetings it
    names: its deadline meeting and those it was reported at, now or in a change its
    history shows (a meeting's own row changes its plans' versions, or the shared row
    for a meeting without plans). Its progress, agreement (of its own priority) and
    history come with its own plan: a history record is written with the row it
    records, whose trigger changes the version."""
    actions = Action.objects.order_by()  # a UNION's parts have no order
    past_meetings = apps.get_model("actions", "HistoricalAction_meetings").objects
    meetings = (
        Action.meetings.through.objects.order_by()
        .filter(action_id=pk)
        .values("meeting_id")
        .union(
            actions.filter(pk=pk).values("deadline_meeting_id"),
            past_meetings.order_by().filter(action_id=pk).values("meeting_id"),
        )
    )
    # Each part through an index: an OR with a subquery (the action it continues) made
    # PostgreSQL scan every action.
    return (
        actions.filter(Q(pk=pk) | Q(carried_over_from_id=pk))
        .values("priority__plan_id")
        .union(
            actions.filter(carried_over_to=pk).values("priority__plan_id"),
            Meeting.plans.through.objects.filter(meeting_id__in=meetings).values(
                "plan_id"
            ),
        )
    )
