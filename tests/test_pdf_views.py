"""Downloading the reports: only for a signed-in user who may see the plan or meeting."""

import datetime as dt
import os
import shutil

import pytest
from django.urls import reverse

from policies.models import Membership
from tests.factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PriorityFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None
        and os.environ.get("CI", "").lower() != "true",
        reason="poppler-utils is missing (.ci/run installs it)",
    ),
]


@pytest.fixture
def plan():
    epe = MunicipalityFactory(name="Epe")
    priority = PriorityFactory(
        plan__slug="veluwe-noord-uvp-2021",
        plan__start_year=2021,
        plan__end_year=2021,
        plan__municipalities=[epe],
    )
    ActionFactory(priority=priority, title="Bibob-beleid actualiseren")
    return priority.plan


@pytest.fixture
def reader(plan):
    user = UserFactory(username="lezer.epe")
    Membership.objects.create(
        user=user, organisation=plan.municipalities.get(), role=Membership.Role.READER
    )
    return user


@pytest.fixture
def stranger():
    user = UserFactory(username="raad.elders")
    Membership.objects.create(
        user=user,
        organisation=MunicipalityFactory(name="Elders"),
        role=Membership.Role.COUNCIL,
    )
    return user


def test_reader_downloads_the_annual_report_with_a_dutch_file_name(
    client, plan, reader
):
    client.force_login(reader)
    response = client.get(reverse("pdf:annual", args=[plan.pk, 2021]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="jaarverslag-veluwe-noord-uvp-2021-2021.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_reader_downloads_the_quarterly_report(client, plan, reader):
    client.force_login(reader)
    response = client.get(
        reverse("pdf:quarterly", args=[plan.pk]), {"year": 2021, "quarter": 2}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        'filename="voortgangsrapportage-veluwe-noord-uvp-2021-2021-K2.pdf"'
    )


def test_reader_downloads_the_meeting_agenda(client, plan, reader):
    meeting = MeetingFactory(date=dt.date(2021, 6, 17))
    meeting.plans.add(plan)
    client.force_login(reader)
    response = client.get(reverse("pdf:agenda", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="agenda-driehoek-2021-06-17.pdf"'
    )


def test_someone_elses_plan_and_meeting_do_not_exist(client, plan, stranger):
    meeting = MeetingFactory()
    meeting.plans.add(plan)
    client.force_login(stranger)
    assert client.get(reverse("pdf:annual", args=[plan.pk, 2021])).status_code == 404
    assert (
        client.get(
            reverse("pdf:quarterly", args=[plan.pk]), {"year": 2021, "quarter": 1}
        ).status_code
        == 404
    )
    assert client.get(reverse("pdf:agenda", args=[meeting.pk])).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, plan):
    response = client.get(reverse("pdf:annual", args=[plan.pk, 2021]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_wrong_period_is_answered_in_dutch(client, plan, reader):
    client.force_login(reader)
    url = reverse("pdf:quarterly", args=[plan.pk])
    response = client.get(url, {"year": 2021, "quarter": 5})
    assert response.status_code == 400
    assert response.content.decode() == "Het kwartaal moet 1, 2, 3 of 4 zijn."
    response = client.get(url, {"year": "twintig"})
    assert response.status_code == 400
    assert "Geef een jaar en een kwartaal" in response.content.decode()
    response = client.get(reverse("pdf:annual", args=[plan.pk, 2030]))
    assert response.status_code == 400
    assert "Het plan loopt van 2021 tot en met 2021" in response.content.decode()


def test_a_report_that_grows_too_big_is_refused_with_413(
    client, plan, reader, monkeypatch
):
    from reports import pdf

    monkeypatch.setattr(pdf, "MAX_ACTIONS", 0)
    client.force_login(reader)
    response = client.get(reverse("pdf:annual", args=[plan.pk, 2021]))
    assert response.status_code == 413
    assert "meer dan de 0 die een rapportage kan bevatten" in response.content.decode()
