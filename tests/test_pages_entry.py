"""The officer's screens outside the admin (actions/entry.py): add and change an action,
record progress, record an agreement's result for a year."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ProgressUpdate, Status
from ivp.periods import Precision
from policies.models import Membership, Result

from .factories import (
    ActionFactory,
    AgreementFactory,
    MeetingFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
    dashboard_plan,
)

pytestmark = pytest.mark.django_db


class World:
    """A plan shared by municipalities A and B (and the police), a plan of A alone,
    and a plan of C; an officer of A, a reader of A."""

    def __init__(self):
        self.shared, self.reader = dashboard_plan()
        self.a, self.b = self.shared.municipalities.order_by("pk")
        self.police = self.shared.partners.get()
        self.officer = UserFactory()
        Membership.objects.create(
            user=self.officer, organisation=self.a, role="officer"
        )
        self.priority = self.shared.priorities.get(code="1.1")
        self.action_a = ActionFactory(priority=self.priority, owners=[self.a])
        self.action_b = ActionFactory(priority=self.priority, owners=[self.b])
        self.own = PlanFactory(municipalities=[self.a], start_year=2020, end_year=2023)
        self.agreement = AgreementFactory(priority=PriorityFactory(plan=self.own))
        self.shared_agreement = AgreementFactory(priority=self.priority)
        self.c = MunicipalityFactory()
        self.other = PlanFactory(municipalities=[self.c])
        self.other_priority = PriorityFactory(plan=self.other)
        self.other_action = ActionFactory(priority=self.other_priority, owners=[self.c])
        self.other_meeting = MeetingFactory()
        self.other_meeting.plans.add(self.other)


@pytest.fixture
def world():
    return World()


def action_data(world, **changes):
    data = {
        "title": "Cameratoezicht evalueren",
        "description": "Met de politie.",
        "priority": world.priority.pk,
        "owners": [world.a.pk],
        "partners": [world.police.pk],
        "portfolio_holder": "Burgemeester",
        "deadline_typed": "Q3 2021",
        "budget": "12500,50",
        "meetings": [world.shared.meetings.order_by("date").first().pk],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> str:
    return " ".join(
        str(e) for errors in response.context["form"].errors.values() for e in errors
    )


# --- adding an action ---------------------------------------------------------------


def test_officer_adds_an_action_of_their_own_to_a_shared_plan(client, world):
    client.force_login(world.officer)
    url = reverse("entry:action-add", args=[world.shared.pk])
    response = client.post(url, action_data(world), follow=True)
    action = Action.objects.get(title="Cameratoezicht evalueren")
    assert response.redirect_chain[-1][0] == reverse("reports:action", args=[action.pk])
    assert "De actie “Cameratoezicht evalueren” is toegevoegd." in (
        response.content.decode()
    )
    assert (action.deadline, action.deadline_precision) == (
        dt.date(2021, 9, 30),
        Precision.QUARTER,
    )
    assert action.budget == Decimal("12500.50")
    assert list(action.owners.all()) == [world.a]
    assert list(action.partners.all()) == [world.police]
    assert action.meetings.count() == 1
    assert action.status == Status.NOT_STARTED
    assert action.in_plan_since == timezone.localdate()
    assert action.history.first().history_user == world.officer


@pytest.mark.parametrize(
    "typed, deadline, precision",
    [
        ("2021", dt.date(2021, 12, 31), Precision.YEAR),
        ("Q3 2021", dt.date(2021, 9, 30), Precision.QUARTER),
        ("september 2021", dt.date(2021, 9, 30), Precision.MONTH),
        ("15-09-2021", dt.date(2021, 9, 15), Precision.DAY),
        ("", None, Precision.DAY),
    ],
)
def test_deadline_is_read_as_typed_in_dutch(client, world, typed, deadline, precision):
    client.force_login(world.officer)
    url = reverse("entry:action-add", args=[world.shared.pk])
    client.post(url, action_data(world, deadline_typed=typed))
    action = Action.objects.get(title="Cameratoezicht evalueren")
    assert (action.deadline, action.deadline_precision) == (deadline, precision)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("31-02-2021", "“31-02-2021” is een datum die niet bestaat."),
        ("september", "Vul een deadline in met het jaar erbij"),
        ("binnenkort", "Vul een deadline in met het jaar erbij"),
    ],
)
def test_a_deadline_that_cannot_be_read_is_refused_in_dutch(
    client, world, typed, message
):
    client.force_login(world.officer)
    url = reverse("entry:action-add", args=[world.shared.pk])
    response = client.post(url, action_data(world, deadline_typed=typed))
    assert response.status_code == 400
    assert message in errors_of(response)
    assert "Er is niets opgeslagen." in response.content.decode()
    assert not Action.objects.filter(title="Cameratoezicht evalueren").exists()


def test_in_a_shared_plan_the_officers_organisation_stays_trekker(client, world):
    client.force_login(world.officer)
    url = reverse("entry:action-add", args=[world.shared.pk])
    response = client.post(url, action_data(world, owners=[world.b.pk]))
    assert response.status_code == 400
    assert (
        f"wijzigt u alleen acties van uw eigen organisatie: houd {world.a.name} "
        "als trekker" in errors_of(response)
    )
    assert not Action.objects.filter(title="Cameratoezicht evalueren").exists()


def test_empty_form_says_what_is_missing_in_dutch(client, world):
    client.force_login(world.officer)
    url = reverse("entry:action-add", args=[world.shared.pk])
    response = client.post(url, {})
    assert response.status_code == 400
    assert response.context["form"].errors["title"] == ["Dit veld is vereist."]
    assert Action.objects.count() == 3


def test_every_choice_list_offers_only_what_the_officer_may_choose(client, world):
    client.force_login(world.officer)
    form = client.get(reverse("entry:action-add", args=[world.shared.pk])).context[
        "form"
    ]
    priorities = set(form.fields["priority"].queryset)
    assert priorities == set(world.shared.priorities.all())
    organisations = set(form.fields["owners"].queryset)
    assert organisations == {world.a, world.b, world.police}
    assert set(form.fields["partners"].queryset) == organisations
    assert set(form.fields["meetings"].queryset) == set(world.shared.meetings.all())
    assert "status" not in form.fields and "percentage" not in form.fields
    for leftover in ("parties_text", "budget_text", "position", "added_on_precision"):
        assert leftover not in form.fields
    # In a shared plan the officer's own organisation is preselected as trekker.
    assert form.initial["owners"] == [world.a.pk]


def test_a_value_from_another_plan_is_refused(client, world):
    client.force_login(world.officer)
    url = reverse("entry:action-add", args=[world.shared.pk])
    response = client.post(
        url,
        action_data(
            world,
            priority=world.other_priority.pk,
            meetings=[world.other_meeting.pk],
            partners=[world.c.pk],
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"priority", "meetings", "partners"} <= set(errors)
    assert "Selecteer een geldige keuze" in errors_of(response)
    assert not Action.objects.filter(title="Cameratoezicht evalueren").exists()


def test_who_may_add_an_action(client, world):
    url = reverse("entry:action-add", args=[world.shared.pk])
    client.force_login(world.reader)
    assert client.get(url).status_code == 403
    assert client.post(url, action_data(world)).status_code == 403
    client.force_login(world.officer)
    other = reverse("entry:action-add", args=[world.other.pk])
    assert client.get(other).status_code == 404
    assert client.post(other, action_data(world)).status_code == 404
    assert Action.objects.count() == 3


# --- changing an action -------------------------------------------------------------


def test_officer_changes_their_action(client, world):
    client.force_login(world.officer)
    action = world.action_a
    url = reverse("entry:action-edit", args=[action.pk])
    form = client.get(url).context["form"]
    assert form.initial["deadline_typed"] == "17-06-2021"
    data = action_data(
        world, title="Nieuwe titel", deadline_typed="2022", version=action.version
    )
    response = client.post(url, data, follow=True)
    assert "De actie “Nieuwe titel” is opgeslagen." in response.content.decode()
    action.refresh_from_db()
    assert action.title == "Nieuwe titel"
    assert (action.deadline, action.deadline_precision) == (
        dt.date(2022, 12, 31),
        Precision.YEAR,
    )
    assert action.version == 2
    assert action.status == Status.NOT_STARTED


def test_a_stale_version_is_a_conflict_in_dutch_and_saves_nothing(client, world):
    client.force_login(world.officer)
    action = world.action_a
    url = reverse("entry:action-edit", args=[action.pk])
    started_from = action.version
    # Someone else saves meanwhile.
    other = Action.objects.get(pk=action.pk)
    other.title = "Door een ander gewijzigd"
    other.save()
    response = client.post(
        url, action_data(world, title="Mijn titel", version=started_from)
    )
    assert response.status_code == 400
    message = " ".join(response.context["form"].non_field_errors())
    assert "nadat u begon met bewerken" in message
    assert "Door een ander gewijzigd" in message
    action.refresh_from_db()
    assert action.title == "Door een ander gewijzigd"


def test_who_may_change_an_action(client, world):
    client.force_login(world.officer)
    neighbour = reverse("entry:action-edit", args=[world.action_b.pk])
    assert client.get(neighbour).status_code == 403
    assert client.post(neighbour, action_data(world)).status_code == 403
    other = reverse("entry:action-edit", args=[world.other_action.pk])
    assert client.get(other).status_code == 404
    client.force_login(world.reader)
    mine = reverse("entry:action-edit", args=[world.action_a.pk])
    assert client.get(mine).status_code == 403
    world.action_b.refresh_from_db()
    assert world.action_b.version == 1


def test_the_officer_may_not_hand_a_shared_action_to_a_neighbour(client, world):
    client.force_login(world.officer)
    url = reverse("entry:action-edit", args=[world.action_a.pk])
    response = client.post(
        url, action_data(world, owners=[world.b.pk], version=world.action_a.version)
    )
    assert response.status_code == 400
    assert list(world.action_a.owners.all()) == [world.a]


# --- progress -----------------------------------------------------------------------


def test_officer_records_progress_and_the_action_follows(client, world):
    client.force_login(world.officer)
    action = world.action_a
    url = reverse("entry:progress", args=[action.pk])
    form = client.get(url).context["form"]
    assert form["date"].value() == timezone.localdate()
    response = client.post(
        url,
        {
            "status": Status.ONGOING,
            "percentage": "40",
            "date": timezone.localdate().isoformat(),
            "text": "Camera's geplaatst.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("reports:action", args=[action.pk])
    assert "Voortgang opgeslagen" in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.percentage) == (Status.ONGOING, 40)
    update = action.progress_updates.get()
    assert update.author == world.officer


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"date": "2999-01-01"}, "date", "De datum kan niet in de toekomst liggen."),
        ({"percentage": "140"}, "percentage", "hoogstens 100"),
        ({"text": ""}, "text", "Dit veld is vereist."),
    ],
)
def test_progress_is_checked_in_dutch(client, world, changes, field, message):
    client.force_login(world.officer)
    url = reverse("entry:progress", args=[world.action_a.pk])
    data = {"status": Status.DONE, "percentage": "100", "text": "Klaar."}
    response = client.post(url, {**data, **changes})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not ProgressUpdate.objects.exists()
    world.action_a.refresh_from_db()
    assert world.action_a.status == Status.NOT_STARTED


def test_who_may_record_progress(client, world):
    data = {"status": Status.DONE, "text": "Klaar."}
    client.force_login(world.officer)
    assert (
        client.post(
            reverse("entry:progress", args=[world.action_b.pk]), data
        ).status_code
        == 403
    )
    assert (
        client.get(reverse("entry:progress", args=[world.other_action.pk])).status_code
        == 404
    )
    client.force_login(world.reader)
    assert (
        client.post(
            reverse("entry:progress", args=[world.action_a.pk]), data
        ).status_code
        == 403
    )
    assert not ProgressUpdate.objects.exists()


# --- results ------------------------------------------------------------------------


def test_officer_records_and_then_changes_a_years_result(client, world):
    client.force_login(world.officer)
    url = reverse("entry:result", args=[world.agreement.pk])
    form = client.get(url + "?jaar=2021").context["form"]
    assert [value for value, _ in form.fields["year"].choices] == [
        2020,
        2021,
        2022,
        2023,
    ]
    response = client.post(
        url,
        {"year": "2021", "assessment": "partly", "text": "Twee van de drie wijken."},
        follow=True,
    )
    assert "Het resultaat over 2021 is opgeslagen." in response.content.decode()
    client.post(url, {"year": "2021", "assessment": "achieved", "text": "Alle wijken."})
    result = Result.objects.get(agreement=world.agreement)
    assert (result.year, result.assessment, result.text) == (
        2021,
        "achieved",
        "Alle wijken.",
    )
    # The form of that year shows what was recorded.
    form = client.get(url + "?jaar=2021").context["form"]
    assert form["text"].value() == "Alle wijken."


def test_a_year_outside_the_plan_is_refused(client, world):
    client.force_login(world.officer)
    url = reverse("entry:result", args=[world.agreement.pk])
    response = client.post(
        url, {"year": "2030", "assessment": "achieved", "text": "Klaar."}
    )
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in " ".join(
        response.context["form"].errors["year"]
    )
    response = client.post(url, {"year": "2021", "text": "Klaar."})
    assert response.context["form"].errors["assessment"] == ["Dit veld is vereist."]
    assert not Result.objects.exists()


def test_who_may_record_a_result(client, world):
    data = {"year": "2021", "assessment": "achieved", "text": "Klaar."}
    client.force_login(world.officer)
    # A shared plan's agreements are its managers' (ivp/access.py).
    shared = reverse("entry:result", args=[world.shared_agreement.pk])
    assert client.get(shared).status_code == 403
    assert client.post(shared, data).status_code == 403
    other = AgreementFactory(priority=world.other_priority)
    assert client.get(reverse("entry:result", args=[other.pk])).status_code == 404
    reader = UserFactory()
    Membership.objects.create(user=reader, organisation=world.a, role="council")
    client.force_login(reader)
    mine = reverse("entry:result", args=[world.agreement.pk])
    assert client.post(mine, data).status_code == 403
    assert not Result.objects.exists()


# --- links --------------------------------------------------------------------------


def test_entry_links_only_for_who_may_use_them(client, world):
    world.action_a.agreement = world.shared_agreement
    world.action_a.save()
    action_page = reverse("reports:action", args=[world.action_a.pk])
    plan_page = reverse("reports:plan", args=[world.shared.pk])
    plan_actions = reverse("reports:plan_actions", args=[world.shared.pk])
    edit = reverse("entry:action-edit", args=[world.action_a.pk])
    progress = reverse("entry:progress", args=[world.action_a.pk])
    add = reverse("entry:action-add", args=[world.shared.pk])
    result = reverse("entry:result", args=[world.shared_agreement.pk])

    client.force_login(world.reader)
    for url in (action_page, plan_page, plan_actions):
        html = client.get(url).content.decode()
        for link in (edit, progress, add, result):
            assert link not in html

    client.force_login(world.officer)
    html = client.get(action_page).content.decode()
    assert edit in html and progress in html
    assert result not in html  # the shared plan's agreement is not the officer's
    assert add in client.get(plan_page).content.decode()
    assert add in client.get(plan_actions).content.decode()

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert result in client.get(action_page).content.decode()
