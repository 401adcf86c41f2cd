"""“Mijn acties”: the owner's actions that need attention, updated in one line each."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from actions.models import Action, ProgressUpdate
from policies.demo import demo_users_load
from policies.models import Membership, Plan
from policies.seeds import seeds_load

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
JUNE_1 = dt.datetime(2021, 6, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
def epe(client):
    seeds_load()
    demo_users_load(password="demo-wachtwoord-2021")
    user = Membership.objects.get(organisation__name="Epe", role="officer").user
    client.force_login(user)
    return user


def test_owner_sees_only_own_actions_that_need_attention(epe, client):
    whatsapp = Action.objects.get(
        title__startswith="Het gebruik van (whatsapp) buurtpreventie"
    )
    whatsapp.progress_updates.create(
        date=dt.date(2021, 5, 1), status="ongoing", text="Gestart"
    )
    with time_machine.travel(JUNE_1, tick=False):
        content = client.get(reverse("actions:my-actions")).content.decode()
    assert "Actualisatie en uitvoeren Bibob beleid" in content  # Epe, due 17 June
    assert "Implementeren lessons learned" not in content  # Hattem's
    # Due in November and updated after the last driehoek (15 April): nothing to do now.
    assert "Het gebruik van (whatsapp) buurtpreventie" not in content
    # Due 18 February, not updated since: late.
    assert "Pva woninginbraken (pilot) opstellen" in content


def test_owner_updates_three_actions_in_a_row(epe, client):
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    with time_machine.travel(JUNE_1, tick=False):
        page = client.get(reverse("actions:my-actions"))
        own = [row["action"] for row in page.context["rows"]][:3]
        assert len(own) == 3
        for action, status in zip(own, ["ongoing", "done", "at_risk"], strict=True):
            response = client.post(
                reverse("actions:quick-update", args=[action.pk]),
                {
                    f"a{action.pk}-status": status,
                    f"a{action.pk}-text": "Besproken in het WIV",
                },
            )
            assert response.status_code == 302
            assert response.url.endswith(f"#actie-{action.pk}")
    for action, status in zip(own, ["ongoing", "done", "at_risk"], strict=True):
        action.refresh_from_db()
        # A shared action: the update is Epe's part; the others have not reported.
        split = action.split()
        parts = split.of({epe.memberships.get().organisation_id}) if split else []
        assert (parts[0] if parts else action).status == status
        update = action.progress_updates.get()
        assert (update.author, update.date) == (epe, dt.date(2021, 6, 1))
        assert action.priority.plan == plan


def test_empty_update_is_refused_with_a_message_and_nothing_saved(epe, client):
    action = Action.objects.get(
        title__startswith="Actualisatie en uitvoeren Bibob beleid"
    )
    with time_machine.travel(JUNE_1, tick=False):
        response = client.post(
            reverse("actions:quick-update", args=[action.pk]),
            {f"a{action.pk}-status": "done", f"a{action.pk}-text": ""},
        )
    assert response.status_code == 400
    assert "Dit veld is vereist" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_updating_another_municipalitys_action_is_404(epe, client):
    hattem_action = Action.objects.get(
        title__startswith="Implementeren lessons learned"
    )
    response = client.post(
        reverse("actions:quick-update", args=[hattem_action.pk]),
        {f"a{hattem_action.pk}-status": "done", f"a{hattem_action.pk}-text": "Klaar"},
    )
    assert response.status_code == 404
    assert not hattem_action.progress_updates.exists()


def _owned(count):
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    plan = PlanFactory(municipalities=[epe])
    priority = PriorityFactory(plan=plan)
    for _ in range(count):
        ActionFactory(priority=priority, owners=[epe], deadline=dt.date(2021, 6, 10))
    user = UserFactory(username="oov.epe")
    Membership.objects.create(user=user, organisation=epe, role="officer")
    return user


@pytest.mark.parametrize("count", [20, 100])
def test_query_count_does_not_grow_with_the_number_of_actions(
    client, count, django_assert_max_num_queries
):
    client.force_login(_owned(count))
    with time_machine.travel(JUNE_1, tick=False), django_assert_max_num_queries(12):
        response = client.get(reverse("actions:my-actions"))
    assert len(response.context["rows"]) == count
