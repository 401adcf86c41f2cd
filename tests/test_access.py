"""The permission rule (ivp/access.py) through the admin: roles x models x verbs x two
municipalities. Every refusal is also checked in the database: nothing changed."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import Action, Meeting, ProgressUpdate
from ivp.access import DOMAIN_APPS
from policies.models import (
    Agreement,
    Indicator,
    Measurement,
    Membership,
    Plan,
    Priority,
)

from .factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MunicipalityFactory,
    PartnerFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class World:
    """Epe and Hattem share a plan; each also has a plan of its own."""

    def __init__(self):
        self.epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
        self.hattem = MunicipalityFactory(name="Hattem", cbs_code="GM0244")
        self.police = PartnerFactory(name="Politie basisteam Veluwe-Noord")
        self.shared = PlanFactory(
            title="Veluwe-Noord", municipalities=[self.epe, self.hattem]
        )
        self.shared.partners.add(self.police)
        self.epe_plan = PlanFactory(title="IVP Epe", municipalities=[self.epe])
        self.hattem_plan = PlanFactory(title="IVP Hattem", municipalities=[self.hattem])
        self.objects = {}
        for scope, plan in [
            ("shared", self.shared),
            ("epe", self.epe_plan),
            ("hattem", self.hattem_plan),
        ]:
            priority = PriorityFactory(plan=plan)
            indicator = IndicatorFactory(plan=plan, priority=priority)
            meeting = MeetingFactory(date=dt.date(2021, 6, 17))
            meeting.plans.add(plan)
            self.objects[scope] = {
                "plan": plan,
                "priority": priority,
                "agreement": AgreementFactory(priority=priority),
                "indicator": indicator,
                "measurement": MeasurementFactory(indicator=indicator),
                "meeting": meeting,
            }
        # In the shared plan each municipality owns an action, each with progress.
        for scope, owner in [("shared-epe", self.epe), ("shared-hattem", self.hattem)]:
            action = ActionFactory(
                priority=self.objects["shared"]["priority"], owners=[owner]
            )
            self.objects[scope] = {
                "action": action,
                "progressupdate": ProgressUpdateFactory(action=action),
            }
        for scope in ["epe", "hattem"]:
            action = ActionFactory(priority=self.objects[scope]["priority"])
            self.objects[scope]["action"] = action
            self.objects[scope]["progressupdate"] = ProgressUpdateFactory(action=action)

        self.users = {"beheerder": UserFactory(username="beheerder", is_superuser=True)}
        for username, org, role in [
            ("oov.epe", self.epe, "officer"),
            ("lezer.epe", self.epe, "reader"),
            ("raad.epe", self.epe, "council"),
            ("lezer.politie", self.police, "reader"),
        ]:
            user = UserFactory(username=username)
            Membership.objects.create(user=user, organisation=org, role=role)
            self.users[username] = user
        for user in self.users.values():
            user.is_staff = True
            user.save()


@pytest.fixture
def world():
    return World()


# What each role may see (scopes) and change (scopes), for every model in those scopes.
SEES = {
    "beheerder": {"shared", "shared-epe", "shared-hattem", "epe", "hattem"},
    "oov.epe": {"shared", "shared-epe", "shared-hattem", "epe"},
    "lezer.epe": {"shared", "shared-epe", "shared-hattem", "epe"},
    "raad.epe": {"shared", "shared-epe", "shared-hattem", "epe"},
    "lezer.politie": {"shared", "shared-epe", "shared-hattem"},
}
CHANGES = {
    "beheerder": SEES["beheerder"],
    # In the shared plan: only Epe's own action and its progress.
    "oov.epe": {"shared-epe", "epe"},
    "lezer.epe": set(),
    "raad.epe": set(),
    "lezer.politie": set(),
}
CASES = [
    (scope, model)
    for scope in ["shared", "epe", "hattem"]
    for model in [
        "plan",
        "priority",
        "agreement",
        "indicator",
        "measurement",
        "meeting",
    ]
] + [
    (scope, model)
    for scope in ["shared-epe", "shared-hattem", "epe", "hattem"]
    for model in ["action", "progressupdate"]
]
MODELS = {
    "plan": Plan,
    "priority": Priority,
    "agreement": Agreement,
    "indicator": Indicator,
    "measurement": Measurement,
    "meeting": Meeting,
    "action": Action,
    "progressupdate": ProgressUpdate,
}


def _admin_url(obj, view):
    opts = obj._meta
    if opts.model_name == "measurement":  # edited inline on its indicator
        obj, opts = obj.indicator, obj.indicator._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def _snapshot(obj):
    return {
        f.attname: getattr(type(obj).objects.get(pk=obj.pk), f.attname)
        for f in obj._meta.concrete_fields
    }


@pytest.mark.parametrize("role", list(SEES))
def test_role_matrix_querysets_and_object_permissions(world, role):
    user = world.users[role]
    for scope, model_name in CASES:
        obj = world.objects[scope][model_name]
        model = MODELS[model_name]
        sees = scope in SEES[role]
        changes = scope in CHANGES[role]
        label = f"{role} {model_name} in {scope}"
        assert model.objects.visible_to(user).filter(pk=obj.pk).exists() == sees, label
        assert user.has_perm(f"{obj._meta.app_label}.view_{model_name}", obj) == sees, (
            label
        )
        for verb in ("change", "delete"):
            assert user.has_perm(f"{obj._meta.app_label}.{verb}_{model_name}", obj) == (
                changes
            ), f"{label}: {verb}"


@pytest.mark.parametrize("role", ["oov.epe", "lezer.epe", "raad.epe", "lezer.politie"])
def test_role_matrix_through_the_admin(world, role, client):
    user = world.users[role]
    client.force_login(user)
    for scope, model_name in CASES:
        obj = world.objects[scope][model_name]
        if model_name == "measurement":
            continue  # edited inline on its indicator, covered there
        label = f"{role} {model_name} in {scope}"
        before = _snapshot(obj)
        change_url = _admin_url(obj, "change")
        response = client.get(change_url)
        if scope not in SEES[role]:
            # Not visible: the admin says it does not exist.
            assert response.status_code == 302, label
            assert response.url == reverse("admin:index"), label
        else:
            assert response.status_code == 200, label
            editable = 'name="_save"' in response.content.decode()
            assert editable == (scope in CHANGES[role]), label
        if scope not in CHANGES[role]:
            response = client.post(
                change_url, {"title": "gewijzigd", "text": "gewijzigd"}
            )
            assert response.status_code in (302, 403), label
            response = client.post(_admin_url(obj, "delete"), {"post": "yes"})
            assert response.status_code in (302, 403), label
            assert _snapshot(obj) == before, label


def test_changelist_shows_only_visible_actions(world, client):
    client.force_login(world.users["oov.epe"])
    content = client.get(reverse("admin:actions_action_changelist")).content.decode()
    visible = {
        world.objects[s]["action"].title for s in ["shared-epe", "shared-hattem", "epe"]
    }
    hidden = world.objects["hattem"]["action"].title
    assert all(title in content for title in visible)
    assert hidden not in content


def test_officer_cannot_add_action_to_another_municipalitys_plan(world, client):
    client.force_login(world.users["oov.epe"])
    priority = world.objects["hattem"]["priority"]
    response = client.post(
        reverse("admin:actions_action_add"),
        {
            "priority": priority.pk,
            "title": "Inbraak",
            "deadline_precision": "day",
            "status": "not_started",
            "position": 0,
            "added_on_precision": "day",
            "progress_updates-TOTAL_FORMS": 0,
            "progress_updates-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert not Action.objects.filter(title="Inbraak").exists()


def _add_action(client, priority, owners):
    return client.post(
        reverse("admin:actions_action_add"),
        {
            "priority": priority.pk,
            "title": "Nieuwe actie",
            "owners": [o.pk for o in owners],
            "deadline_precision": "day",
            "status": "not_started",
            "position": 0,
            "added_on_precision": "day",
            "progress_updates-TOTAL_FORMS": 0,
            "progress_updates-INITIAL_FORMS": 0,
        },
    )


def test_officer_adds_actions_in_a_shared_plan_only_for_its_own_municipality(
    world, client
):
    client.force_login(world.users["oov.epe"])
    priority = world.objects["shared"]["priority"]
    response = _add_action(client, priority, [world.hattem])
    assert response.status_code == 200
    assert "andere organisatie" in response.content.decode()
    assert not Action.objects.filter(title="Nieuwe actie").exists()
    response = _add_action(client, priority, [world.epe])
    assert response.status_code == 302
    assert Action.objects.get(title="Nieuwe actie").owners.get() == world.epe


def test_reader_cannot_add_anything(world, client):
    client.force_login(world.users["lezer.epe"])
    response = _add_action(client, world.objects["epe"]["priority"], [world.epe])
    assert response.status_code == 403
    assert not Action.objects.filter(title="Nieuwe actie").exists()


def test_officer_cannot_manage_memberships(world, client):
    client.force_login(world.users["oov.epe"])
    assert (
        client.get(reverse("admin:policies_membership_changelist")).status_code == 403
    )
    response = client.post(
        reverse("admin:policies_membership_add"),
        {
            "user": world.users["oov.epe"].pk,
            "organisation": world.hattem.pk,
            "role": "officer",
        },
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(organisation=world.hattem).exists()


def test_bulk_delete_is_not_offered_to_officers(world, client):
    client.force_login(world.users["oov.epe"])
    content = client.get(reverse("admin:actions_action_changelist")).content.decode()
    assert "delete_selected" not in content


def test_memberships_are_asked_once_per_user_object(world, django_assert_num_queries):
    """Organisations, officer organisations and model verbs all come from one query."""
    from django.contrib.auth import get_user_model

    from ivp import access

    Membership.objects.create(
        user=world.users["oov.epe"], organisation=world.hattem, role="reader"
    )
    user = get_user_model().objects.get(username="oov.epe")  # nothing memoised yet
    backend = access.AccessBackend()
    with django_assert_num_queries(1):
        assert access.organisation_ids(user) == {world.epe.pk, world.hattem.pk}
        assert access.officer_organisation_ids(user) == {world.epe.pk}
        assert backend.has_perm(user, "actions.view_action")
        assert backend.has_perm(user, "actions.add_action")
        assert backend.has_module_perms(user, "actions")
        assert access.organisation_ids(user) == {world.epe.pk, world.hattem.pk}
    reader = get_user_model().objects.get(username="lezer.epe")
    with django_assert_num_queries(1):
        assert backend.has_perm(reader, "actions.view_action")
        assert not backend.has_perm(reader, "actions.change_action")
        assert access.officer_organisation_ids(reader) == frozenset()


def test_permissions_given_in_the_user_admin_open_no_way_around_the_rule(
    world, client, django_assert_num_queries
):
    """Django's permissions of users and groups count for Django's own apps (the user
    admin), never for plans and actions: only ivp/access.py decides those, and asking
    about a refused one reads no permission tables."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    reader = world.users["lezer.epe"]
    everything = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    group = Group.objects.create(name="Alles")
    group.permissions.set(everything)
    reader.groups.add(group)
    reader.user_permissions.set(everything)
    reader.user_permissions.add(Permission.objects.get(codename="view_group"))
    action = world.objects["hattem"]["action"]
    reader = get_user_model().objects.get(pk=reader.pk)  # nothing memoised
    reader.has_perm("actions.view_action")  # reads the memberships, once
    with django_assert_num_queries(0):
        assert not reader.has_perm("actions.change_action")
        assert not reader.has_perm("policies.change_membership")
    assert not reader.has_perm("actions.view_action", action)  # another municipality's
    assert reader.has_perm("auth.view_group")  # Django's own app: by the permission
    client.force_login(reader)
    url = reverse("admin:actions_action_change", args=[action.pk])
    assert client.get(url).status_code in (302, 403, 404)
    response = client.post(
        reverse("admin:actions_action_delete", args=[action.pk]), {"post": "yes"}
    )
    assert response.status_code in (302, 403, 404)
    assert Action.objects.filter(pk=action.pk).exists()


def test_plan_viewers_answers_as_the_rule_for_every_user_plan_and_owned_action(world):
    """access.PlanViewers asks the rule for many users at once (the day's reminders);
    pair by pair it must say what visible_plans and changeable_by say, also for an
    action owned by an organisation outside its plan, a partner and an inactive user."""
    from ivp import access

    stranger = MunicipalityFactory(name="Heerde")
    outside = ActionFactory(priority=world.objects["hattem"]["priority"])
    outside.owners.set([stranger, world.epe])
    oov_heerde = UserFactory(username="oov.heerde")
    Membership.objects.create(user=oov_heerde, organisation=stranger, role="officer")
    gone = UserFactory(username="oov.weg", is_active=False)
    Membership.objects.create(user=gone, organisation=world.epe, role="officer")
    users = [*world.users.values(), oov_heerde, gone]
    plans = list(Plan.objects.all())
    viewers = access.PlanViewers(plan.pk for plan in plans)
    for user in users:
        seen = set(access.visible_plans(user).values_list("pk", flat=True))
        for plan in plans:
            expected = user.is_active and plan.pk in seen
            assert viewers.sees(user, plan.pk) == expected, (user, plan)
    pairs = 0
    for action in Action.objects.prefetch_related("owners").select_related("priority"):
        for user in users:
            if not set(access.officer_organisation_ids(user)) & {
                o.pk for o in action.owners.all()
            }:
                continue  # only officers of an owner are asked
            pairs += 1
            expected = user.has_perm("actions.change_action", action)
            assert viewers.changes_owned(user, action.priority.plan_id) == expected, (
                user,
                action,
            )
    assert pairs == 5  # oov.epe and oov.weg: two actions each; oov.heerde: one
    # Owning is not enough: Hattem's plan is seen by neither Heerde nor Epe.
    hattem_plan = world.objects["hattem"]["plan"].pk
    assert not viewers.changes_owned(oov_heerde, hattem_plan)
    assert not viewers.changes_owned(world.users["oov.epe"], hattem_plan)
    assert viewers.changes_owned(world.users["oov.epe"], world.shared.pk)
