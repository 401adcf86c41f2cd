import datetime as dt

import factory
from django.contrib.auth import get_user_model

from actions.models import Action, Meeting, ProgressUpdate, Status
from policies.models import (
    Agreement,
    Indicator,
    Measurement,
    Organisation,
    Plan,
    Priority,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Gemeente {n}")
    kind = Organisation.Kind.MUNICIPALITY
    cbs_code = factory.Sequence(lambda n: f"GM{9000 + n:04d}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = Organisation.Kind.POLICE
    cbs_code = None


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Integraal Veiligheidsplan {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")
    kind = Plan.Kind.IVP
    start_year = 2021
    end_year = 2024
    status = Plan.Status.ADOPTED

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.set(extracted)


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"Prioriteit {n}")


class SubPriorityFactory(PriorityFactory):
    parent = factory.SubFactory(PriorityFactory)
    plan = factory.SelfAttribute("parent.plan")


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    priority = factory.SubFactory(PriorityFactory)
    text = factory.Sequence(lambda n: f"Afspraak {n}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    priority = factory.SubFactory(PriorityFactory)
    title = factory.Sequence(lambda n: f"Actie {n}")
    deadline = dt.date(2021, 6, 17)
    # As the seeds and imports do: in the plan from its start.
    in_plan_since = factory.LazyAttribute(
        lambda o: dt.date(o.priority.plan.start_year, 1, 1)
    )

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        if create and extracted:
            self.owners.set(extracted)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(ActionFactory)
    date = dt.date(2021, 3, 1)
    status = Status.ONGOING
    text = "Voortgang"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    body = Meeting.Body.DRIEHOEK
    date = dt.date(2021, 6, 17)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    plan = factory.SubFactory(PlanFactory)
    name = factory.Sequence(lambda n: f"Indicator {n}")
    source = Indicator.Source.POLICE
    direction = Indicator.Direction.LOWER


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    indicator = factory.SubFactory(IndicatorFactory)
    # Within the years a measurement may have (a year over 2100 is refused), however
    # many a test session makes; a test that needs two of one indicator names them.
    year = factory.Sequence(lambda n: 2000 + n % 100)
    value = 10


# --- dashboard page data (appended for the dashboard page tests) -----------------------


def dashboard_plan():
    """A 2021 plan of two municipalities and a police team, with a priority tree, three
    driehoek meetings and an indicator; add actions with `dashboard_actions`.

    Returns (plan, reader): reader is a driehoek member of the first municipality.
    """
    from policies.models import Membership, Target

    municipalities = MunicipalityFactory.create_batch(2)
    police = PartnerFactory()
    plan = PlanFactory(municipalities=municipalities, start_year=2021, end_year=2021)
    plan.partners.add(police)
    top = PriorityFactory(plan=plan, code="1", title="Zorg en veiligheid")
    PriorityFactory(plan=plan, parent=top, code="1.1", title="Jeugd")
    PriorityFactory(plan=plan, parent=top, code="1.2", title="Woonoverlast")
    PriorityFactory(plan=plan, code="2", title="Ondermijning")
    for day in (dt.date(2021, 2, 11), dt.date(2021, 6, 17), dt.date(2021, 11, 4)):
        meeting = MeetingFactory(
            date=day, preparation_deadline=day - dt.timedelta(days=14)
        )
        meeting.plans.add(plan)
        meeting.municipalities.set(municipalities)
    indicator = IndicatorFactory(
        plan=plan,
        name="Woninginbraken",
        baseline_value=100,
        baseline_year=2019,
        unit="aantal",
    )
    Target.objects.create(indicator=indicator, kind="absolute", value=80, year=2021)
    MeasurementFactory(indicator=indicator, year=2020, value=95)
    MeasurementFactory(indicator=indicator, year=2021, value=88, provisional=True)
    reader = UserFactory()
    Membership.objects.create(
        user=reader, organisation=municipalities[0], role="reader"
    )
    return plan, reader


def dashboard_actions(plan, n):
    """Add n actions spread over the plan's priorities, owners, meetings and statuses,
    each with two progress updates (bulk inserts: 500 actions take well under a second)."""
    priorities = list(plan.priorities.order_by("sort_key"))
    municipalities = list(plan.municipalities.order_by("pk"))
    police = plan.partners.first()
    meetings = list(plan.meetings.order_by("date"))
    statuses = [
        Status.DONE,
        Status.ONGOING,
        Status.AT_RISK,
        Status.NOT_STARTED,
        Status.ONGOING,
    ]
    start = Action.objects.count()
    actions = Action.objects.bulk_create(
        Action(
            priority=priorities[i % len(priorities)],
            title=f"Actie {start + i}",
            status=statuses[i % len(statuses)],
            deadline=dt.date(2021, 1 + i % 12, 15),
            unplanned=i % 7 == 3,
            added_on=dt.date(2021, 1 + i % 12, 1) if i % 7 == 3 else None,
            # From the plan's document: in the plan from its start (or from being added).
            in_plan_since=dt.date(2021, 1 + i % 12, 1)
            if i % 7 == 3
            else dt.date(2021, 1, 1),
        )
        for i in range(n)
    )
    owners, meetings_through, partners, updates = [], [], [], []
    for i, action in enumerate(actions):
        owners.append(
            Action.owners.through(action=action, organisation=municipalities[i % 2])
        )
        if i % 5 == 0:
            owners.append(Action.owners.through(action=action, organisation=police))
        partners.append(Action.partners.through(action=action, organisation=police))
        meetings_through.append(
            Action.meetings.through(action=action, meeting=meetings[i % 3])
        )
        for month in (2, 5):
            updates.append(
                ProgressUpdate(
                    action=action,
                    date=dt.date(2021, month, 1),
                    status=action.status,
                    text=f"Stand {month}/2021",
                )
            )
    Action.owners.through.objects.bulk_create(owners)
    Action.partners.through.objects.bulk_create(partners)
    Action.meetings.through.objects.bulk_create(meetings_through)
    ProgressUpdate.objects.bulk_create(updates)
    return actions
