"""The one rule that decides who may see and change what.

Every path goes through here: the admin (via ScopedAdminMixin), our pages, the PDF
reports and the API use `Model.objects.visible_to(user)` to find what a user may see and
`user.has_perm("app.verb_model", obj)` (answered by AccessBackend) for what they may do.

The rule, in words:
- A *beheerder* (superuser) may do everything.
- Everyone else acts through memberships of organisations, each with a role:
  - they SEE a plan when one of their organisations takes part in it (as one of its
    municipalities or as a partner, e.g. the police team), and everything in it;
  - an *OOV officer* CHANGES a plan and all its content when every municipality of the plan
    is one of theirs ("manages" it); in a plan shared with other municipalities they change
    only the actions their organisation owns (trekker), and the progress of those;
  - a *reader* (driehoek member) and a *council member* change nothing.
- Organisations are reference data: everyone signed in sees them; only a beheerder
  changes them.

An object outside `visible_to(user)` does not exist for that user: pages answer 404.

The models use this module (their querysets mix in ScopedQuerySet), so it names the
models through the app registry when a rule runs, never by importing them.
"""

from django.apps import apps
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.db.models import Q

DOMAIN_APPS = {"policies", "actions"}
VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
# Who belongs where is the beheerder's business.
BEHEERDER_ONLY_MODELS = {
    "membership",
    "remindersettings",
    "remindermail",
    "reminderitem",
    "progressround",
}
# Reference data: what others may do with it (officers add a missing partner organisation).
REFERENCE_MODELS = {
    "organisation": {VIEW, ADD},
    "safetyfield": {VIEW},
    "safetytheme": {VIEW},
    # The CBS municipality list and the safety regions: everyone reads, the beheerder
    # keeps them (a new list comes as a migration).
    "municipality": {VIEW},
    "safetyregion": {VIEW},
}


def _model(label: str):
    return apps.get_model(label)


class Role:
    OFFICER = "officer"
    READER = "reader"
    COUNCIL = "council"


def memberships(user) -> tuple[tuple[int, str], ...]:
    """The user's (organisation id, role) pairs, fetched once per request.

    Everything else here (which organisations, as which role, which model verbs) is
    derived from this one list, so a page asks the database about the user's memberships
    once, however many checks it makes. Memoised on the user object: the request's user
    lives as long as the request.
    """
    if not user.is_authenticated:
        return ()
    if not hasattr(user, "_ivp_memberships"):
        remember_memberships(user, memberships_query(user))
    return user._ivp_memberships


def memberships_query(user):
    """The query memberships() runs: (organisation id, role) rows."""
    return (
        _model("policies.Membership")
        .objects.filter(user=user)
        .order_by()  # the default ordering joins the organisation; not needed here
        .values_list("organisation_id", "role")
    )


def remember_memberships(user, pairs) -> None:
    """Keep the user's memberships for the request, read by memberships_query() here
    or as part of a larger query (ivp/pagecache.py reads them with the data version)."""
    user._ivp_memberships = tuple(pairs)


def organisation_ids(user) -> frozenset[int]:
    return frozenset(organisation for organisation, _ in memberships(user))


def officer_organisation_ids(user) -> frozenset[int]:
    return frozenset(
        organisation for organisation, role in memberships(user) if role == Role.OFFICER
    )


def is_beheerder(user) -> bool:
    return user.is_active and user.is_superuser


def enters_data(user) -> bool:
    """Whether the user enters plans and progress at all (a beheerder, or an officer of
    some organisation): readers and council members only read, and their menu says so."""
    return user.is_authenticated and (
        is_beheerder(user) or bool(officer_organisation_ids(user))
    )


def visible_plan_ids(user):
    """The ids of the plans the user sees, as a one-column subquery.

    A UNION of the two link tables rather than one query joining both with OR: with the
    OR, PostgreSQL cannot estimate how few plans match and, on a national database,
    scans every action; with the UNION it reads the few plans through the indexes and
    their actions through the priority index (bench/pages.py: API list 56 -> 4 ms).
    """
    Plan = _model("policies.Plan")
    orgs = organisation_ids(user)
    if not orgs:
        return Plan.objects.none().values("pk")  # a subquery that matches nothing
    return _plan_ids_of(orgs)


def _plan_ids_of(orgs):
    """The plans these organisations (ids, or a one-column subquery) take part in."""
    Plan = _model("policies.Plan")
    in_plan = Plan.municipalities.through.objects.filter(organisation_id__in=orgs)
    partner = Plan.partners.through.objects.filter(organisation_id__in=orgs)
    return in_plan.values("plan_id").union(partner.values("plan_id"))


def seen_plan_ids(user):
    """Every plan the user sees, as a one-column subquery that reads the user's
    memberships itself: for a query that runs before they are read (the page cache's
    key reads them in the same statement, ivp/pagecache.py). The rule of
    visible_plan_ids, and every plan for a beheerder, as visible_to() has it."""
    Plan = _model("policies.Plan")
    if is_beheerder(user):
        return Plan.objects.order_by().values("pk")
    if not user.is_authenticated:
        return Plan.objects.none().values("pk")
    if hasattr(user, "_ivp_memberships"):
        return visible_plan_ids(user)  # read already: their ids, a simpler query
    return _plan_ids_of(memberships_query(user).values("organisation_id"))


def visible_plans(user):
    Plan = _model("policies.Plan")
    if is_beheerder(user):
        return Plan.objects.all()
    return Plan.objects.filter(pk__in=visible_plan_ids(user))


def managed_plans(user):
    """Plans an officer changes wholly: all of the plan's municipalities are theirs."""
    Organisation, Plan = _model("policies.Organisation"), _model("policies.Plan")
    if is_beheerder(user):
        return Plan.objects.all()
    orgs = officer_organisation_ids(user)
    others = Organisation.objects.municipalities().exclude(pk__in=orgs)
    return Plan.objects.filter(
        pk__in=Plan.objects.filter(municipalities__in=orgs)
        .exclude(municipalities__in=others)
        .values("pk")
    )


def manages_plan(user, plan_id) -> bool:
    """Whether `user` manages the plan (managed_plans), asked once per request: a list of
    forms asks it for each row. Memoised on the user object, as memberships are."""
    if not hasattr(user, "_ivp_managed_plan_ids"):
        user._ivp_managed_plan_ids = frozenset(
            managed_plans(user).values_list("pk", flat=True)
        )
    return plan_id in user._ivp_managed_plan_ids


def plan_scope(queryset, plan_ids, lookups: tuple[str, ...]):
    """Restrict a queryset to rows whose plan (reached through any of `lookups`) is in
    `plan_ids`, a one-column subquery of plan ids."""
    condition = Q()
    for lookup in lookups:
        condition |= Q(**{f"{lookup}__in": plan_ids})
    return queryset.filter(condition)


class ScopedQuerySet:
    """QuerySet mixin: `plan_lookups` says how a row reaches its plan."""

    plan_lookups: tuple[str, ...] = ()

    def visible_to(self, user):
        if is_beheerder(user):
            return self.all()
        return plan_scope(self, visible_plan_ids(user), self.plan_lookups)

    def changeable_by(self, user):
        if is_beheerder(user):
            return self.all()
        return plan_scope(self, managed_plans(user).values("pk"), self.plan_lookups)


def owned_actions(user):
    """Actions owned by one of the officer's organisations, in plans the officer can see."""
    Action = _model("actions.Action")
    owned = Action.objects.filter(owners__in=officer_organisation_ids(user)).values(
        "pk"
    )
    return plan_scope(
        Action.objects.filter(pk__in=owned), visible_plan_ids(user), ("priority__plan",)
    )


class PlanViewers:
    """Who sees which of these plans, for any number of users in one query.

    The rule above asked for many users at once, where asking per user would cost a
    query each (the day's reminders: hundreds of officers, thousands of actions).
    tests/test_access.py holds it to visible_plans() and changeable_by() pair by pair.
    """

    def __init__(self, plan_ids):
        Plan = _model("policies.Plan")
        plan_ids = list(plan_ids)

        def members(link):  # (plan id, user id) through one link table
            return link.objects.filter(
                plan_id__in=plan_ids, organisation__memberships__isnull=False
            ).values_list("plan_id", "organisation__memberships__user_id")

        self._users = {}  # plan id -> ids of users with a membership taking part
        for plan_id, user_id in members(Plan.municipalities.through).union(
            members(Plan.partners.through)
        ):
            self._users.setdefault(plan_id, set()).add(user_id)

    def sees(self, user, plan_id) -> bool:
        """visible_plans(user) holds the plan (an active user, as `can` asks)."""
        return user.is_active and (
            is_beheerder(user) or user.pk in self._users.get(plan_id, ())
        )

    def changes_owned(self, user, plan_id) -> bool:
        """An officer of an owning organisation changes its action in this plan
        (owned_actions: in a plan they see; a plan they manage they see too)."""
        return self.sees(user, plan_id)


def can(user, verb: str, obj) -> bool:
    """May `user` do `verb` (view, change, delete) on this saved object?"""
    if not user.is_active:
        return False
    if is_beheerder(user):
        return True
    manager = type(obj)._default_manager
    if verb == VIEW:
        return manager.visible_to(user).filter(pk=obj.pk).exists()
    return manager.changeable_by(user).filter(pk=obj.pk).exists()


def _has_role(user, roles: set[str]) -> bool:
    return any(role in roles for _, role in memberships(user))


class AccessBackend(BaseBackend):
    """Answers has_perm for the domain apps from memberships instead of groups.

    Model level (obj is None): everyone with a membership may view; officers may also add,
    change and delete (what exactly is then decided per object). Object level: `can()`.
    """

    def _model_verbs(self, user) -> set[str]:
        if not hasattr(user, "_ivp_model_verbs"):
            verbs = set()
            if _has_role(user, {Role.OFFICER, Role.READER, Role.COUNCIL}):
                verbs.add(VIEW)
            if _has_role(user, {Role.OFFICER}):
                verbs |= {ADD, CHANGE, DELETE}
            user._ivp_model_verbs = verbs
        return user._ivp_model_verbs

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or not user_obj.is_authenticated:
            return False
        app_label, _, codename = perm.partition(".")
        if app_label not in DOMAIN_APPS:
            return False
        verb, _, model_name = codename.partition("_")
        if is_beheerder(user_obj):
            return True
        if model_name in BEHEERDER_ONLY_MODELS:
            return False
        if model_name in REFERENCE_MODELS and verb not in REFERENCE_MODELS[model_name]:
            return False
        if verb not in self._model_verbs(user_obj):
            return False
        if obj is None:
            return True
        if verb == ADD:
            verb = CHANGE  # adding to an object means changing its content
        return can(user_obj, verb, obj)

    def has_module_perms(self, user_obj, app_label):
        return (
            user_obj.is_active
            and app_label in DOMAIN_APPS
            and bool(self._model_verbs(user_obj))
        )


class AccountBackend(ModelBackend):
    """Django's sign-in with user name and password, and the permissions of Django's
    own apps (the user and group admin) by user and group.

    It answers nothing for the domain apps: what a user may do with plans, actions and
    everything in them is AccessBackend's rule alone, so a permission given to a user
    or a group in the admin cannot open a way around it. Asking costs no query: Django
    asks every backend in turn until one says yes, and ModelBackend read the user's and
    the groups' permissions for each request that asked about something refused.
    """

    def has_perm(self, user_obj, perm, obj=None):
        if perm.partition(".")[0] in DOMAIN_APPS:
            return False
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if app_label in DOMAIN_APPS:
            return False
        return super().has_module_perms(user_obj, app_label)


def may_save(user, instance, *, owners=(), municipalities=(), plans=()) -> bool:
    """May `user` save this (new or changed, not yet saved) object where it now points?

    The many-to-many values come from the form, as they are not on the instance yet:
    the owners of an action, the municipalities of a plan, the plans of a meeting.
    """
    Action, Meeting, ProgressUpdate = (
        _model("actions.Action"),
        _model("actions.Meeting"),
        _model("actions.ProgressUpdate"),
    )
    Organisation, Plan = _model("policies.Organisation"), _model("policies.Plan")
    if is_beheerder(user):
        return True
    officer_orgs = officer_organisation_ids(user)
    if isinstance(instance, Organisation):
        return instance.pk is None and bool(officer_orgs)
    if isinstance(instance, Plan):
        ids = {m.pk for m in municipalities}
        return (
            bool(ids)
            and ids <= officer_orgs
            and (instance.pk is None or can(user, CHANGE, instance))
        )
    if isinstance(instance, Meeting):
        managed = set(managed_plans(user).values_list("pk", flat=True))
        return bool(plans) and {p.pk for p in plans} <= managed
    if isinstance(instance, ProgressUpdate):
        if (
            not Action.objects.changeable_by(user)
            .filter(pk=instance.action_id)
            .exists()
        ):
            return False
        if managed_plans(user).filter(pk=_plan_of(instance).pk).exists():
            return True
        # An officer reports their own organisation's part of a shared action, and
        # only for a single-trekker action the action as a whole.
        if instance.organisation_id is not None:
            return instance.organisation_id in officer_orgs
        return not instance.action.is_shared
    plan = _plan_of(instance)
    if plan is None:
        return False
    if managed_plans(user).filter(pk=plan.pk).exists():
        return True
    if isinstance(instance, Action):
        owns = any(o.pk in officer_orgs for o in owners)
        return owns and visible_plans(user).filter(pk=plan.pk).exists()
    return False


def may_add_action(user, plan, *, seen: bool = False) -> bool:
    """May `user` add an action to this plan at all? An officer may add one to every plan
    they see: to one they manage freely, to a shared one as their organisation's own
    (`may_save` then checks the owners the form names). `seen`: the plan came from
    `visible_to(user)` already, so the page asks no second time."""
    if not user.is_active:
        return False
    if is_beheerder(user):
        return True
    if not officer_organisation_ids(user):
        return False
    return seen or visible_plans(user).filter(pk=plan.pk).exists()


def _plan_of(instance):
    """Follow the model's first filled plan lookup ("priority__plan") on an instance."""
    for lookup in type(instance)._default_manager.get_queryset().plan_lookups:
        obj = instance
        for attr in lookup.split("__"):
            obj = getattr(obj, attr, None)
            if obj is None:
                break
        if obj is not None:
            return obj
    return None


def visible_choices(model):
    """A FilterSet `queryset` callable: the choices the requesting user may see."""

    def queryset(request):
        user = getattr(request, "user", None)
        return model.objects.none() if user is None else model.objects.visible_to(user)

    return queryset


def rights(user) -> tuple:
    """Everything this rule reads of the user, and so all that makes two users see a
    page differently: every rule above derives from these and the data alone.

    Users with the same rights (two readers of one municipality) see the same content,
    so a cache keyed by this shares their pages (ivp/pagecache.py); is_staff is here
    for the menu's admin link. Memoised through memberships(), one query a request.
    """
    if not user.is_authenticated:
        return ("anonymous",)
    return (
        user.is_active,
        user.is_superuser,
        user.is_staff,
        tuple(sorted(memberships(user))),
    )
