import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from actions.models import Action, Meeting, Status
from policies.models import Measurement, Organisation, Plan, Priority, Result
from policies.models.plans import natural_sort_key

from .factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MunicipalityFactory,
    PlanFactory,
    PriorityFactory,
    ProgressUpdateFactory,
    SubPriorityFactory,
)

pytestmark = pytest.mark.django_db


def _integrity_error(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_cbs_code_is_unique():
    MunicipalityFactory(cbs_code="GM0037")
    _integrity_error(lambda: MunicipalityFactory(cbs_code="GM0037"))


def test_municipality_without_cbs_code_is_refused_by_the_database():
    _integrity_error(lambda: MunicipalityFactory(cbs_code=None))


def test_partner_with_cbs_code_is_refused_by_the_database():
    _integrity_error(
        lambda: Organisation.objects.create(
            name="Politie", kind="police", cbs_code="GM0001"
        )
    )


def test_malformed_cbs_code_gets_a_dutch_message():
    org = Organisation(name="Stadskanaal", kind="municipality", cbs_code="0037")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "GM0037" in str(exc.value)


def test_plan_end_year_not_before_start_year():
    _integrity_error(lambda: PlanFactory(start_year=2024, end_year=2020))
    with pytest.raises(ValidationError, match="eindjaar"):
        Plan(
            title="x", slug="x", kind="ivp", start_year=2024, end_year=2020
        ).full_clean()


def test_priority_parent_must_be_in_the_same_plan_in_the_database():
    parent = PriorityFactory()
    other_plan = PlanFactory()
    _integrity_error(lambda: PriorityFactory(plan=other_plan, parent=parent))


def test_moving_a_parent_priority_away_from_its_children_is_refused():
    child = SubPriorityFactory()
    parent = child.parent
    parent.plan = PlanFactory()
    _integrity_error(lambda: parent.save())


def test_priority_parent_in_other_plan_gets_a_clear_message():
    parent = PriorityFactory()
    priority = Priority(plan=PlanFactory(), parent=parent, title="Sub", code="9.9")
    with pytest.raises(ValidationError) as exc:
        priority.full_clean()
    assert "zelfde plan" in str(exc.value)


def test_priority_code_unique_within_a_plan_but_empty_codes_may_repeat():
    plan = PlanFactory()
    PriorityFactory(plan=plan, code="1")
    PriorityFactory(plan=plan, code="")
    PriorityFactory(plan=plan, code="")
    PriorityFactory(code="1")  # another plan
    _integrity_error(lambda: PriorityFactory(plan=plan, code="1"))


def test_priorities_sort_naturally_by_code():
    plan = PlanFactory()
    for code in ["2.10", "a", "2.9", "10", "2", "", "1.2", "1"]:
        PriorityFactory(plan=plan, code=code, title=f"p{code}")
    codes = list(Priority.objects.filter(plan=plan).values_list("code", flat=True))
    assert codes == ["1", "1.2", "2", "2.9", "2.10", "10", "a", ""]


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [("2.9", "2.10"), ("1", "1.1"), ("1.4", "2"), ("9", "a"), ("h", "")],
)
def test_natural_sort_key(smaller, larger):
    assert natural_sort_key(smaller) < natural_sort_key(larger)


def test_result_belongs_to_agreement_or_priority_not_both():
    agreement = AgreementFactory()
    _integrity_error(
        lambda: Result.objects.create(
            agreement=agreement, priority=agreement.priority, year=2020, text="x"
        )
    )
    _integrity_error(lambda: Result.objects.create(year=2020, text="x"))


def test_one_result_per_agreement_per_year():
    agreement = AgreementFactory()
    Result.objects.create(
        agreement=agreement, year=2020, text="x", assessment="achieved"
    )
    _integrity_error(
        lambda: Result.objects.create(agreement=agreement, year=2020, text="y")
    )


def test_measurement_period_number_must_fit_its_type():
    indicator = IndicatorFactory()
    _integrity_error(
        lambda: Measurement.objects.create(
            indicator=indicator,
            year=2021,
            period_type="quarter",
            period_number=5,
            value=1,
        )
    )
    Measurement.objects.create(
        indicator=indicator, year=2021, period_type="month", period_number=3, value=1
    )
    _integrity_error(
        lambda: Measurement.objects.create(
            indicator=indicator,
            year=2021,
            period_type="month",
            period_number=3,
            value=2,
        )
    )


def test_meeting_preparation_deadline_not_after_meeting():
    _integrity_error(
        lambda: Meeting.objects.create(
            body="driehoek",
            date=dt.date(2021, 2, 11),
            preparation_deadline=dt.date(2021, 3, 1),
        )
    )


def test_action_status_follows_the_latest_progress_update():
    action = ActionFactory()
    assert action.status == Status.NOT_STARTED
    ProgressUpdateFactory(
        action=action, date=dt.date(2021, 3, 1), status=Status.ONGOING
    )
    ProgressUpdateFactory(
        action=action, date=dt.date(2021, 5, 1), status=Status.DONE, percentage=100
    )
    # An update entered later but dated earlier does not overrule the latest one.
    ProgressUpdateFactory(
        action=action, date=dt.date(2021, 4, 1), status=Status.AT_RISK
    )
    action.refresh_from_db()
    assert (action.status, action.percentage, action.last_update_on) == (
        Status.DONE,
        100,
        dt.date(2021, 5, 1),
    )


def test_deleting_the_latest_update_restores_the_previous_status():
    action = ActionFactory()
    ProgressUpdateFactory(
        action=action, date=dt.date(2021, 3, 1), status=Status.ONGOING
    )
    latest = ProgressUpdateFactory(
        action=action, date=dt.date(2021, 5, 1), status=Status.DONE
    )
    latest.delete()
    action.refresh_from_db()
    assert action.status == Status.ONGOING


def test_action_with_progress_cannot_be_deleted():
    update = ProgressUpdateFactory()
    with pytest.raises(ProtectedError):
        update.action.delete()
    assert Action.objects.filter(pk=update.action.pk).exists()


def test_priority_and_plan_with_progress_cannot_be_deleted():
    update = ProgressUpdateFactory()
    priority = update.action.priority
    with pytest.raises(ProtectedError):
        priority.delete()
    with pytest.raises(ProtectedError):
        priority.plan.delete()
    assert Priority.objects.filter(pk=priority.pk).exists()


def test_plan_with_measurements_cannot_be_deleted():
    measurement = MeasurementFactory()
    with pytest.raises(ProtectedError):
        measurement.indicator.plan.delete()


def test_plan_without_history_can_be_deleted_with_its_content():
    action = ActionFactory()
    action.priority.plan.delete()
    assert not Action.objects.exists()


def test_overdue_ignores_closed_actions_and_future_deadlines():
    late = ActionFactory(deadline=dt.date(2021, 2, 11))
    ActionFactory(deadline=dt.date(2021, 2, 11), status=Status.DONE)
    ActionFactory(deadline=dt.date(2021, 2, 11), status=Status.CONTINUOUS)
    ActionFactory(deadline=dt.date(2021, 6, 17))
    ActionFactory(deadline=None)
    assert list(Action.objects.late(on=dt.date(2021, 3, 1))) == [late]
    assert late.is_late(on=dt.date(2021, 3, 1))
    assert not late.is_late(on=dt.date(2021, 2, 11))


def test_agreement_of_another_priority_is_refused_on_an_action():
    action = ActionFactory()
    action.agreement = AgreementFactory()
    with pytest.raises(ValidationError):
        action.full_clean()
