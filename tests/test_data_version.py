"""A plan's data version is kept by the database (actions/triggers.py): every write to
what the plan shows changes it, by whatever path, and a write elsewhere does not."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection, transaction

from actions import triggers
from actions.models import Action, Meeting, PlanDataVersion, ProgressUpdate, Status
from policies.dataversion import data_version
from policies.models import Agreement, Indicator, Organisation, Plan, Priority, Result
from policies.models.indicators import Measurement, Target

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
    UserFactory,
)

pytestmark = pytest.mark.django_db


class World:
    """Plan `a` with a bit of everything, plan `b` beside it with its own."""

    def __init__(self):
        self.town, self.other_town = MunicipalityFactory(), MunicipalityFactory()
        self.police = PartnerFactory()
        self.a = PlanFactory(municipalities=[self.town])
        self.b = PlanFactory(municipalities=[self.other_town])
        self.priority = PriorityFactory(plan=self.a)
        self.agreement = AgreementFactory(priority=self.priority)
        self.result = Result.objects.create(
            agreement=self.agreement, year=2021, text="Gedaan"
        )
        self.action = ActionFactory(priority=self.priority)
        self.action.owners.add(self.town)
        self.meeting = MeetingFactory()
        self.meeting.plans.add(self.a)
        # Own registration: no other municipality's average reads it.
        self.indicator = IndicatorFactory(plan=self.a, source=Indicator.Source.OWN)
        self.measurement = MeasurementFactory(indicator=self.indicator, year=2021)
        self.target = Target.objects.create(
            indicator=self.indicator, kind="absolute", value=5, year=2022
        )
        self.b_priority = PriorityFactory(plan=self.b)
        self.officer = UserFactory()


@pytest.fixture
def world():
    return World()


def _raw_update(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE actions_action SET title = %s WHERE id = %s",
            ["Rauw", world.action.pk],
        )


WRITES_TO_A = {
    "plan saved": lambda w: Plan.objects.get(pk=w.a.pk).save(),
    "plan municipality added": lambda w: w.a.municipalities.add(w.other_town),
    "plan partner added": lambda w: w.a.partners.add(w.police),
    "plan coordinator added": lambda w: w.a.coordinators.add(w.officer),
    "priority added": lambda w: PriorityFactory(plan=w.a),
    "priority renamed by update()": lambda w: Priority.objects.filter(
        pk=w.priority.pk
    ).update(title="Nieuw"),
    "priority safety field": lambda w: w.priority.safety_fields.add(
        apps.get_model("policies", "SafetyField").objects.first()
    ),
    "agreement edited": lambda w: Agreement.objects.filter(pk=w.agreement.pk).update(
        text="Anders"
    ),
    "agreement owner added": lambda w: w.agreement.owners.add(w.town),
    "result deleted": lambda w: w.result.delete(),
    "result of the priority added": lambda w: Result.objects.create(
        priority=w.priority, year=2022, text="Ja"
    ),
    "action renamed by update()": lambda w: Action.objects.filter(
        pk=w.action.pk
    ).update(title="Anders"),
    "action renamed by raw SQL": _raw_update,
    "action owner removed": lambda w: w.action.owners.remove(w.town),
    "action partner added": lambda w: w.action.partners.add(w.police),
    "action put on a meeting": lambda w: w.action.meetings.add(w.meeting),
    "action deleted": lambda w: Action.objects.filter(pk=w.action.pk).delete(),
    "progress recorded": lambda w: Action.objects.get(pk=w.action.pk).record_progress(
        by=w.officer, status=Status.ONGOING, text="Loopt", date=dt.date(2021, 3, 1)
    ),
    "meeting moved by update()": lambda w: Meeting.objects.filter(
        pk=w.meeting.pk
    ).update(date=dt.date(2021, 9, 9)),
    "meeting municipality added": lambda w: w.meeting.municipalities.add(w.town),
    "meeting taken off the plan": lambda w: w.meeting.plans.remove(w.a),
    "indicator edited": lambda w: Indicator.objects.filter(pk=w.indicator.pk).update(
        name="Anders"
    ),
    "measurement added": lambda w: MeasurementFactory(indicator=w.indicator, year=2022),
    "measurement edited": lambda w: Measurement.objects.filter(
        pk=w.measurement.pk
    ).update(value=3),
    "target deleted": lambda w: Target.objects.filter(pk=w.target.pk).delete(),
}


@pytest.mark.parametrize("write", WRITES_TO_A)
def test_a_write_changes_its_plans_version_and_not_another_plans(world, write):
    a, b = data_version([world.a.pk]), data_version([world.b.pk])
    WRITES_TO_A[write](world)
    assert data_version([world.a.pk]) != a
    assert data_version([world.b.pk]) == b


def test_moving_an_action_to_another_plan_changes_both(world):
    a, b = data_version([world.a.pk]), data_version([world.b.pk])
    Action.objects.filter(pk=world.action.pk).update(priority=world.b_priority)
    assert data_version([world.a.pk]) != a
    assert data_version([world.b.pk]) != b


def test_a_bulk_write_of_many_rows_changes_each_plan_once(world):
    PriorityFactory.create_batch(3, plan=world.b)
    before = dict(PlanDataVersion.objects.values_list("plan_id", "version"))
    Priority.objects.all().update(title="Alles anders")
    after = dict(PlanDataVersion.objects.values_list("plan_id", "version"))
    assert after[world.a.pk] != before[world.a.pk]
    assert after[world.b.pk] != before[world.b.pk]


def test_what_every_plan_shows_changes_every_version(world):
    a, b = data_version([world.a.pk]), data_version([world.b.pk])
    Organisation.objects.filter(pk=world.police.pk).update(name="Politie Oost")
    a2, b2 = data_version([world.a.pk]), data_version([world.b.pk])
    assert a2 != a and b2 != b
    # A police figure moves the average of its safety region on others' dashboards.
    public = IndicatorFactory(plan=world.b, source=Indicator.Source.POLICE)
    a3 = data_version([world.a.pk])
    assert a3 != a2
    MeasurementFactory(indicator=public, year=2021)
    assert data_version([world.a.pk]) != a3


def test_a_sign_in_changes_nothing_a_new_name_changes_all(world):
    a = data_version([world.a.pk])
    world.officer.last_login = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    world.officer.save(update_fields=["last_login"])
    world.officer.save()  # every column written, no name changed
    assert data_version([world.a.pk]) == a
    world.officer.first_name = "Anna"
    world.officer.save()
    assert data_version([world.a.pk]) != a


def test_an_ivp_holds_its_programmes_and_a_programme_its_ivp_not_its_sibling(world):
    first = PlanFactory(parent=world.a, kind=Plan.Kind.PROGRAMME)
    second = PlanFactory(parent=world.a, kind=Plan.Kind.PROGRAMME, start_year=2022)
    ivp, sibling = data_version([world.a.pk]), data_version([second.pk])
    own = data_version([first.pk])
    PriorityFactory(plan=first)
    assert data_version([world.a.pk]) != ivp
    assert data_version([first.pk]) != own
    assert data_version([second.pk]) == sibling
    # The IVP's title is on its programmes' pages.
    sibling = data_version([second.pk])
    Plan.objects.filter(pk=world.a.pk).update(title="Nieuw IVP")
    assert data_version([second.pk]) != sibling


def test_a_programme_moved_to_another_ivp_changes_both_ivps(world):
    programme = PlanFactory(parent=world.a, kind=Plan.Kind.PROGRAMME)
    a, b = data_version([world.a.pk]), data_version([world.b.pk])
    Plan.objects.filter(pk=programme.pk).update(parent=world.b)
    assert data_version([world.a.pk]) != a
    assert data_version([world.b.pk]) != b


def test_a_meeting_without_plans_changes_the_shared_version(world):
    meeting = MeetingFactory()
    a = data_version([world.a.pk])
    Meeting.objects.filter(pk=meeting.pk).update(notes="Verzet")
    assert data_version([world.a.pk]) != a


def test_a_rolled_back_write_leaves_the_version_as_it_was(world):
    a = data_version([world.a.pk])
    with pytest.raises(RuntimeError), transaction.atomic():
        ProgressUpdate.objects.create(
            action=world.action, date=dt.date(2021, 3, 1), status=Status.DONE
        )
        assert data_version([world.a.pk]) != a
        raise RuntimeError
    assert data_version([world.a.pk]) == a


def test_the_version_of_any_number_of_plans_is_one_query(
    world, django_assert_num_queries
):
    ids = [world.a.pk, world.b.pk, *(p.pk for p in PlanFactory.create_batch(5))]
    with django_assert_num_queries(1):
        data_version(ids)
    with django_assert_num_queries(1):
        data_version(Plan.objects.filter(pk__in=ids).values("pk"))


def test_every_table_of_the_domain_apps_is_classified():
    """A new model's table is in the triggers (what a plan shows) or named as not
    shown, with why; the historical tables copy rows whose own tables have triggers."""
    tables = set()
    for label in ("policies", "actions"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            table = model._meta.db_table
            if not table.split("_", 1)[1].startswith("historical"):
                tables.add(table)
    classified = (
        set(triggers.PLAN_TABLES)
        | set(triggers.SHARED_TABLES)
        | set(triggers.NOT_SHOWN)
    )
    assert tables - classified == set()


def test_every_plan_table_has_its_triggers_installed():
    names = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers"
                " WHERE trigger_name LIKE 'ivp_dv%%'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE 'ivp_dv%'"
            )
        with_triggers = {row[0] for row in cursor.fetchall()}
    wanted = (set(triggers.PLAN_TABLES) | set(triggers.SHARED_TABLES)) & names
    assert wanted | {"auth_user"} <= with_triggers
