"""The admin's history pages ("Geschiedenis") go through the permission rule (issue 15).

On the seeds with the demo accounts: oov.hattem sees the shared Veluwe-Noord programme
but changes only Hattem's actions in it, and does not see Stadskanaal's plan at all.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from actions.models import Action, Meeting, ProgressUpdate
from policies.models import Indicator, Organisation, Plan
from policies.seeds import seeds_load

from .factories import IndicatorFactory, PlanFactory, ProgressUpdateFactory
from .forms import as_post_data

pytestmark = pytest.mark.django_db


class Seeds:
    def __init__(self):
        seeds_load()
        call_command("load_demo_users", "--password", "demo-wachtwoord-2021")
        self.epe = Organisation.objects.get(name="Epe")
        self.hattem = Organisation.objects.get(name="Hattem")
        self.shared = Plan.objects.get(slug="veluwe-noord-uvp-2021")
        in_shared = Action.objects.filter(priority__plan=self.shared)
        self.epe_action = (
            in_shared.filter(owners=self.epe).exclude(owners=self.hattem).first()
        )
        self.hattem_action = (
            in_shared.filter(owners=self.hattem).exclude(owners=self.epe).first()
        )
        # A plan oov.hattem manages wholly: where the takeover would move things to.
        self.hattem_plan = PlanFactory(title="IVP Hattem", municipalities=[self.hattem])
        self.oov_hattem = get_user_model().objects.get(username="oov.hattem")
        self.hidden_action = Action.objects.exclude(
            pk__in=Action.objects.visible_to(self.oov_hattem).values("pk")
        ).first()


@pytest.fixture
def seeds():
    return Seeds()


def _urls(obj, record=None):
    opts = obj._meta
    record = record or obj.history.earliest()
    history = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]
    )
    version = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, record.history_id],
    )
    return history, version


def _snapshot(obj):
    fresh = type(obj).objects.get(pk=obj.pk)
    row = {f.attname: getattr(fresh, f.attname) for f in obj._meta.concrete_fields}
    links = {
        f.name: sorted(getattr(fresh, f.name).values_list("pk", flat=True))
        for f in obj._meta.many_to_many
    }
    return row, links


def _takeover(client, obj, **values):
    history, version = _urls(obj)
    assert client.get(history).status_code == 200  # the officer may see it
    page = client.get(version)
    assert page.status_code == 200
    data = as_post_data(page.context["adminform"].form, **values)
    # The version stored now: the request is not refused as stale, only as not allowed.
    current = getattr(type(obj).objects.get(pk=obj.pk), "version", None)
    if current is not None:
        data["version"] = str(current)
    return client.post(version, data)


def test_officer_who_only_sees_a_shared_action_cannot_take_it_over_through_history(
    seeds, client
):
    client.force_login(seeds.oov_hattem)
    before = _snapshot(seeds.epe_action)
    response = _takeover(
        client,
        seeds.epe_action,
        owners=[str(seeds.hattem.pk)],
        title="Nu van Hattem",
    )
    assert response.status_code in (403, 404)
    assert _snapshot(seeds.epe_action) == before
    assert list(seeds.epe_action.owners.all()) == [seeds.epe]


def test_progress_update_cannot_be_moved_onto_another_action_through_history(
    seeds, client
):
    update = ProgressUpdateFactory(action=seeds.epe_action, text="Epe's voortgang")
    client.force_login(seeds.oov_hattem)
    before = _snapshot(update)
    response = _takeover(client, update, action=str(seeds.hattem_action.pk))
    assert response.status_code in (403, 404)
    assert _snapshot(update) == before
    assert ProgressUpdate.objects.get(pk=update.pk).action == seeds.epe_action


def test_indicator_and_meeting_cannot_be_moved_into_another_plan_through_history(
    seeds, client
):
    indicator = IndicatorFactory(plan=seeds.shared, name="Woninginbraken Veluwe-Noord")
    meeting = Meeting.objects.filter(plans=seeds.shared).first()
    client.force_login(seeds.oov_hattem)
    for obj, values in [
        (indicator, {"plan": str(seeds.hattem_plan.pk)}),
        (meeting, {"plans": [str(seeds.hattem_plan.pk)]}),
    ]:
        before = _snapshot(obj)
        response = _takeover(client, obj, **values)
        assert response.status_code in (403, 404), obj
        assert _snapshot(obj) == before, obj
    assert not Indicator.objects.filter(plan=seeds.hattem_plan).exists()
    assert not seeds.hattem_plan.meetings.exists()


def test_officer_reverts_its_own_action_from_history(seeds, client):
    """The rule refuses what it should, not the revert itself."""
    action = Action.objects.get(pk=seeds.hattem_action.pk)
    original, original_title = action.history.latest(), action.title
    action.title = "Verkeerd"
    action.save()
    client.force_login(seeds.oov_hattem)
    _, version = _urls(action, original)
    page = client.get(version)
    response = client.post(version, as_post_data(page.context["adminform"].form))
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).title == original_title


def test_hidden_object_history_is_404_whether_it_exists_or_not(seeds, client):
    client.force_login(seeds.oov_hattem)
    history, version = _urls(seeds.hidden_action)
    missing = Action.objects.order_by("-pk").first().pk + 1000
    before = _snapshot(seeds.hidden_action)
    for url in [
        history,
        version,
        reverse("admin:actions_action_history", args=[missing]),
        reverse("admin:actions_action_simple_history", args=[missing, 1]),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x"}).status_code == 404, url
    assert _snapshot(seeds.hidden_action) == before


def test_beheerder_only_history_is_404_for_an_officer(seeds, client):
    from policies.models import Membership

    membership = Membership.objects.first()
    client.force_login(seeds.oov_hattem)
    for pk in [membership.pk, Membership.objects.order_by("-pk").first().pk + 1000]:
        url = reverse("admin:policies_membership_history", args=[pk])
        assert client.get(url).status_code == 404, url
