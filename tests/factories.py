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
    year = factory.Sequence(lambda n: 2000 + n)
    value = 10
