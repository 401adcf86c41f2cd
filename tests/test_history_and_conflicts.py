"""Every change leaves a history entry; two stale saves give one success and one clear conflict."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import Action, ProgressUpdate
from ivp.versioning import StaleVersion
from policies.models import Membership

from .factories import (
    ActionFactory,
    MunicipalityFactory,
    PartnerFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)
from .forms import admin_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def epe_action():
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    plan = PlanFactory(municipalities=[epe])
    return ActionFactory(
        priority=PriorityFactory(plan=plan), owners=[epe], title="Pva cybercrime"
    )


def _officer(username, organisation):
    user = UserFactory(username=username, is_staff=True)
    Membership.objects.create(user=user, organisation=organisation, role="officer")
    return user


def _form_data(action, **changes):
    data = {
        "priority": action.priority_id,
        "title": action.title,
        "description": action.description,
        "owners": [o.pk for o in action.owners.all()],
        "deadline": "17-6-2021",
        "deadline_precision": "day",
        "status": action.status,
        "position": 0,
        "added_on_precision": "day",
        "version": action.version,
        "progress_updates-TOTAL_FORMS": 0,
        "progress_updates-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_two_stale_saves_one_succeeds_one_gets_a_clear_dutch_conflict(
    epe_action, client
):
    epe = epe_action.owners.get()
    anna, bram = _officer("anna", epe), _officer("bram", epe)
    url = reverse("admin:actions_action_change", args=[epe_action.pk])
    # Both open the form at the same version.
    anna_data = _form_data(epe_action, title="Pva cybercrime (Anna)")
    bram_data = _form_data(epe_action, description="Bram's toelichting")

    client.force_login(anna)
    assert client.post(url, anna_data).status_code == 302

    client.force_login(bram)
    response = client.post(url, bram_data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "anna heeft deze actie" in content
    assert "Pva cybercrime (Anna)" in content  # what changed
    assert "Bram&#x27;s toelichting" in content  # Bram's input is still there
    epe_action.refresh_from_db()
    assert epe_action.title == "Pva cybercrime (Anna)"
    assert epe_action.description == ""

    # Saving the re-shown form applies Bram's edit on top of Anna's.
    current = response.context["adminform"].form.data["version"]
    response = client.post(
        url, {**bram_data, "title": epe_action.title, "version": current}
    )
    assert response.status_code == 302
    epe_action.refresh_from_db()
    assert (epe_action.title, epe_action.description) == (
        "Pva cybercrime (Anna)",
        "Bram's toelichting",
    )


def test_stale_save_in_code_is_refused(epe_action):
    first = Action.objects.get(pk=epe_action.pk)
    second = Action.objects.get(pk=epe_action.pk)
    first.title = "Eerste"
    first.save()
    second.title = "Tweede"
    with pytest.raises(StaleVersion):
        second.save()
    assert Action.objects.get(pk=epe_action.pk).title == "Eerste"


def test_progress_update_bumps_the_action_version(epe_action):
    version = epe_action.version
    ProgressUpdate.objects.create(
        action=epe_action, date=dt.date(2021, 3, 1), status="ongoing", text="Gestart"
    )
    assert Action.objects.get(pk=epe_action.pk).version == version + 1


def test_history_records_who_changed_what(epe_action, client):
    epe = epe_action.owners.get()
    anna = _officer("anna", epe)
    client.force_login(anna)
    url = reverse("admin:actions_action_change", args=[epe_action.pk])
    client.post(url, _form_data(epe_action, title="Nieuwe titel"))
    latest = epe_action.history.latest()
    assert latest.history_user == anna
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert ("title", "Pva cybercrime", "Nieuwe titel") in [
        (c.field, c.old, c.new) for c in delta.changes
    ]
    history_page = client.get(
        reverse("admin:actions_action_history", args=[epe_action.pk])
    )
    assert history_page.status_code == 200
    assert "anna" in history_page.content.decode()


@pytest.mark.parametrize(
    "factory_name",
    [
        "PlanFactory",
        "PriorityFactory",
        "AgreementFactory",
        "ActionFactory",
        "ProgressUpdateFactory",
        "MeetingFactory",
        "IndicatorFactory",
        "MeasurementFactory",
    ],
)
def test_create_change_delete_are_all_in_the_history(factory_name):
    from . import factories

    obj = getattr(factories, factory_name)()
    model = type(obj)
    field = {
        "PlanFactory": "title",
        "PriorityFactory": "title",
        "AgreementFactory": "text",
        "ActionFactory": "title",
        "ProgressUpdateFactory": "text",
        "MeetingFactory": "notes",
        "IndicatorFactory": "name",
        "MeasurementFactory": "note",
    }[factory_name]
    obj = model.objects.get(pk=obj.pk)
    setattr(obj, field, "gewijzigd")
    obj.save()
    pk = obj.pk
    if factory_name == "ProgressUpdateFactory":
        obj.delete()
    elif factory_name != "MeasurementFactory":
        model.objects.filter(pk=pk).delete()
    types = list(
        model.history.filter(**{model._meta.pk.attname: pk})
        .order_by("history_date")
        .values_list("history_type", flat=True)
    )
    expected = ["+", "~"] if factory_name == "MeasurementFactory" else ["+", "~", "-"]
    assert (
        types[: len(expected)] == expected
        if factory_name != "ProgressUpdateFactory"
        else (types[0] == "+" and types[-1] == "-")
    )


def test_beheerder_can_revert_a_change(epe_action, client):
    admin = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    epe_action = Action.objects.get(pk=epe_action.pk)
    epe_action.title = "Verkeerd"
    epe_action.save()
    original = epe_action.history.earliest()
    client.force_login(admin)
    url = reverse(
        "admin:actions_action_simple_history", args=[epe_action.pk, original.history_id]
    )
    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(
        epe_action,
        title=original.title,
        version=Action.objects.get(pk=epe_action.pk).version,
    )
    assert client.post(url, data).status_code == 302
    assert Action.objects.get(pk=epe_action.pk).title == "Pva cybercrime"


def test_stale_inline_row_is_refused_without_saving_anything(client):
    """An action edited inline on its priority, changed meanwhile by someone else."""
    admin_user = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    priority = PriorityFactory(title="Jeugd")
    action = ActionFactory(priority=priority, title="Origineel")
    url = reverse("admin:policies_priority_change", args=[priority.pk])
    client.force_login(admin_user)
    form = client.get(url).context["adminform"].form
    data = {
        "plan": priority.plan_id,
        "code": priority.code,
        "position": 0,
        "title": "Jeugd en veiligheid",
        "kind": "priority",
        "version": form.initial["version"],
        "agreements-TOTAL_FORMS": 0,
        "agreements-INITIAL_FORMS": 0,
        "actions-TOTAL_FORMS": 1,
        "actions-INITIAL_FORMS": 1,
        "actions-0-id": action.pk,
        "actions-0-priority": priority.pk,
        "actions-0-title": "Inline gewijzigd",
        "actions-0-deadline": "17-6-2021",
        "actions-0-deadline_precision": "day",
        "actions-0-position": 0,
        "actions-0-version": action.version,
        "results-TOTAL_FORMS": 0,
        "results-INITIAL_FORMS": 0,
    }
    # Meanwhile someone else saves the action.
    other = Action.objects.get(pk=action.pk)
    other.title = "Door een ander gewijzigd"
    other.save()
    response = client.post(url, data)
    assert response.status_code == 200
    assert "nadat u begon met bewerken" in response.content.decode()
    assert "Inline gewijzigd" in response.content.decode()  # the input is kept
    assert Action.objects.get(pk=action.pk).title == "Door een ander gewijzigd"
    priority.refresh_from_db()
    assert priority.title == "Jeugd"  # the whole save was rolled back


# --- issue 14: every version in the history, readable conflicts, merge, revert ---------


def _change_page(client, obj):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    return url, response


def test_status_from_a_one_line_update_is_in_the_history_with_who(epe_action, client):
    carla = _officer("carla", epe_action.owners.get())
    client.force_login(carla)
    response = client.post(
        reverse("actions:quick-update", args=[epe_action.pk]),
        {f"a{epe_action.pk}-status": "ongoing", f"a{epe_action.pk}-text": "Gestart"},
    )
    assert response.status_code == 302
    latest = epe_action.history.latest()
    assert (latest.status, latest.history_user) == ("ongoing", carla)
    assert latest.version == Action.objects.get(pk=epe_action.pk).version
    assert latest.prev_record.status == "not_started"


def test_progress_recorded_outside_a_request_names_its_author(epe_action):
    dirk = UserFactory(username="dirk")
    ProgressUpdate.objects.create(
        action=epe_action,
        date=dt.date(2021, 3, 1),
        status="at_risk",
        text="Vertraagd",
        author=dirk,
    )
    latest = epe_action.history.latest()
    assert (latest.status, latest.history_user) == ("at_risk", dirk)


def test_conflict_after_progress_says_who_changed_what_and_saving_again_keeps_it(
    epe_action, client
):
    """Anna started before Bram's budget and Carla's progress; she changes the title."""
    epe_action.budget = 2500
    epe_action.save()
    epe = epe_action.owners.get()
    anna, bram, carla = (
        _officer("anna", epe),
        _officer("bram", epe),
        _officer("carla", epe),
    )

    client.force_login(anna)
    url, anna_page = _change_page(client, epe_action)

    client.force_login(bram)
    _, bram_page = _change_page(client, epe_action)
    assert (
        client.post(url, admin_post_data(bram_page, budget="3000")).status_code == 302
    )
    client.force_login(carla)
    client.post(
        reverse("actions:quick-update", args=[epe_action.pk]),
        {f"a{epe_action.pk}-status": "ongoing", f"a{epe_action.pk}-text": "Gestart"},
    )

    client.force_login(anna)
    response = client.post(url, admin_post_data(anna_page, title="Pva cybercrime 2021"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "bram heeft deze actie" in content
    assert "begroting (EUR): van “2500,00” naar “3000,00”" in content
    assert "carla heeft deze actie" in content
    assert "status: van “niet gestart” naar “loopt”" in content
    assert "Iemand heeft" not in content

    # Anna saves the form as it is shown again: her title, Bram's budget.
    response = client.post(url, admin_post_data(response))
    assert response.status_code == 302
    action = Action.objects.get(pk=epe_action.pk)
    assert (action.title, action.budget, action.status) == (
        "Pva cybercrime 2021",
        3000,
        "ongoing",
    )


def test_conflict_names_owners_and_partners_in_words(epe_action, client):
    epe = epe_action.owners.get()
    hattem = MunicipalityFactory(name="Hattem")
    police = PartnerFactory(name="Politie Veluwe-Noord")
    anna, bram = _officer("anna", epe), _officer("bram", epe)
    client.force_login(bram)
    url, bram_page = _change_page(client, epe_action)

    client.force_login(anna)
    _, anna_page = _change_page(client, epe_action)
    data = admin_post_data(
        anna_page, owners=[str(epe.pk), str(hattem.pk)], partners=[str(police.pk)]
    )
    assert client.post(url, data).status_code == 302

    client.force_login(bram)
    content = client.post(url, admin_post_data(bram_page, note="x")).content.decode()
    assert "trekkers: van “Epe” naar “Epe, Hattem”" in content
    assert "partners: van “—” naar “Politie Veluwe-Noord”" in content
    assert "&#x27;organisation&#x27;" not in content and "“[]”" not in content


def test_revert_from_the_history_applies_on_the_first_save(epe_action, client):
    admin = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    hattem = MunicipalityFactory(name="Hattem")
    original = epe_action.history.latest()
    action = Action.objects.get(pk=epe_action.pk)
    action.title = "Verkeerd"
    action.save()
    action.owners.add(hattem)
    client.force_login(admin)
    url = reverse(
        "admin:actions_action_simple_history", args=[action.pk, original.history_id]
    )
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, admin_post_data(page))
    assert response.status_code == 302
    action = Action.objects.get(pk=epe_action.pk)
    assert action.title == "Pva cybercrime"
    assert [o.name for o in action.owners.all()] == ["Epe"]
    assert action.history.latest().history_user == admin


def test_two_saves_of_a_plan_from_one_version_the_second_is_refused(client):
    epe = MunicipalityFactory(name="Epe")
    plan = PlanFactory(municipalities=[epe], title="IVP Epe")
    anna, bram = _officer("anna", epe), _officer("bram", epe)
    client.force_login(anna)
    url, page = _change_page(client, plan)
    client.force_login(bram)
    _, bram_page = _change_page(client, plan)

    client.force_login(anna)
    assert (
        client.post(url, admin_post_data(page, title="IVP Epe 2021")).status_code == 302
    )
    client.force_login(bram)
    response = client.post(url, admin_post_data(bram_page, description="Toelichting"))
    assert response.status_code == 200
    assert "titel: van “IVP Epe” naar “IVP Epe 2021”" in response.content.decode()
    plan.refresh_from_db()
    assert (plan.title, plan.description) == ("IVP Epe 2021", "")

    assert client.post(url, admin_post_data(response)).status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.description) == ("IVP Epe 2021", "Toelichting")


@pytest.mark.parametrize(
    "factory_name",
    ["PlanFactory", "MeetingFactory", "IndicatorFactory", "ProgressUpdateFactory"],
)
def test_plans_meetings_indicators_and_progress_are_versioned(factory_name):
    from . import factories

    obj = getattr(factories, factory_name)()
    model = type(obj)
    first, second = model.objects.get(pk=obj.pk), model.objects.get(pk=obj.pk)
    first.save()
    with pytest.raises(StaleVersion):
        second.save()
    assert model.objects.get(pk=obj.pk).version == first.version == second.version + 1
