"""PDF reports off the request path (issue 19): kept per plan, period and data version,
made by a task, served at once when asked again.

Without REDIS_URL tasks run eagerly: the first request makes the PDF and answers it.
With a queue the request answers "Het rapport wordt gemaakt" (202) until a worker has
made it (here the test plays the worker; tests/test_report_queue_worker.py runs a real
Redis and Celery worker on PostgreSQL).
"""

import datetime as dt
import os
import shutil
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from ivp.celery import app as celery_app
from policies.models import Membership
from reports import queue
from reports.models import KeptReport
from reports.tasks import make_report
from tests.factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PriorityFactory,
    UserFactory,
)
from tests.test_pdf_reports import pdf_pages

pytestmark = [
    pytest.mark.skipif(
        shutil.which("pdftotext") is None
        and os.environ.get("CI", "").lower() != "true",
        reason="poppler-utils is missing (.ci/run installs it)",
    ),
]

# Session, user, memberships, the plan, its data version, the kept row: a repeated
# request reads and never writes.
REPEAT_MAX_QUERIES = 6


@pytest.fixture
def plan(db):
    epe = MunicipalityFactory(name="Epe")
    priority = PriorityFactory(
        plan__slug="veluwe-noord-uvp-2021",
        plan__title="UVP Veluwe-Noord",
        plan__start_year=2021,
        plan__end_year=2021,
        plan__municipalities=[epe],
    )
    ActionFactory(priority=priority, title="Bibob-beleid actualiseren")
    return priority.plan


def member(plan_or_municipality, username, role=Membership.Role.READER):
    user = UserFactory(username=username)
    organisation = getattr(plan_or_municipality, "municipalities", None)
    organisation = organisation.get() if organisation else plan_or_municipality
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def reader(plan):
    return member(plan, "lezer.epe")


@pytest.fixture
def queued():
    """Tasks sent to a queue instead of run in-process, as with REDIS_URL; in these
    tests no worker takes them (the test plays the worker with `make_report`)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = saved


def annual_url(plan, year=2021):
    return reverse("pdf:annual", args=[plan.pk, year])


def text(content: bytes) -> str:
    return " ".join(pdf_pages(content))


def test_a_repeated_request_is_served_from_the_kept_report(client, plan, reader):
    client.force_login(reader)
    first = client.get(annual_url(plan))
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert KeptReport.objects.get().status == KeptReport.State.READY

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        second = client.get(annual_url(plan))
        took = time.perf_counter() - started
    assert second.status_code == 200
    assert second.content == first.content
    assert KeptReport.objects.count() == 1
    # The request's transaction (ATOMIC_REQUESTS) is a savepoint in a test.
    sql = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) <= REPEAT_MAX_QUERIES, "\n".join(q[:150] for q in sql)
    assert not [q for q in sql if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    # Making it takes WeasyPrint 0.3 s and more; serving it is a few queries.
    assert took < 0.25


def test_a_write_to_the_plan_makes_a_new_report_that_shows_it(client, plan, reader):
    client.force_login(reader)
    before = client.get(annual_url(plan)).content
    assert "Bibob-beleid actualiseren" in text(before)

    action = Action.objects.get()
    action.title = "Bibob-beleid vastgesteld"
    action.save()

    after = client.get(annual_url(plan))
    assert after.status_code == 200
    assert "Bibob-beleid vastgesteld" in text(after.content)
    assert "Bibob-beleid actualiseren" not in text(after.content)
    # The older version is pruned once the new one is made.
    assert KeptReport.objects.count() == 1


def test_reports_of_other_periods_are_kept_beside_each_other(client, plan, reader):
    client.force_login(reader)
    url = reverse("pdf:quarterly", args=[plan.pk])
    q1 = client.get(url, {"year": 2021, "quarter": 1})
    q2 = client.get(url, {"year": 2021, "quarter": 2})
    assert "1e kwartaal 2021" in text(q1.content)
    assert "2e kwartaal 2021" in text(q2.content)
    periods = KeptReport.objects.values_list("period", flat=True)
    assert sorted(periods) == ["2021-K1", "2021-K2"]


def test_a_running_quarter_is_made_anew_the_next_day(plan):
    """Its report shows today's state, so the day is part of its key."""
    today = dt.date(2021, 5, 3)
    wanted = queue.quarterly(plan, 2021, 2, today=today)
    assert wanted.as_of == today
    assert queue.quarterly(plan, 2021, 2, today=today + dt.timedelta(days=1)) != wanted
    # An ended quarter shows the state at its end, whichever day it is asked for.
    ended = queue.quarterly(plan, 2021, 1, today=today)
    assert ended.as_of == dt.date(2021, 3, 31)
    assert queue.quarterly(plan, 2021, 1, today=dt.date(2026, 1, 1)) == ended


def test_with_a_queue_the_user_waits_on_a_page_and_then_downloads(
    client, plan, reader, queued, django_capture_on_commit_callbacks
):
    client.force_login(reader)
    with django_capture_on_commit_callbacks() as sent:
        waiting = client.get(annual_url(plan))
    assert waiting.status_code == 202
    page = waiting.content.decode()
    assert "Het rapport wordt gemaakt" in page
    assert 'role="status"' in page and 'aria-live="polite"' in page
    assert f'href="{annual_url(plan)}">Opnieuw kijken</a>' in page
    assert "report-status.js" in page
    assert len(sent) == 1  # the task, handed to the queue once the row is written
    report = KeptReport.objects.get()
    assert report.status == KeptReport.State.BUSY

    status_url = reverse("pdf:annual-status", args=[plan.pk, 2021])
    assert client.get(status_url).json()["status"] == "bezig"
    # Asking again while it is made starts nothing new.
    with django_capture_on_commit_callbacks() as sent_again:
        assert client.get(annual_url(plan)).status_code == 202
    assert sent_again == []

    make_report.apply(args=[report.pk])  # what the worker does with the task

    state = client.get(status_url).json()
    assert state == {
        "status": "klaar",
        "message": "Het rapport is klaar.",
        "link": "Rapport downloaden",
    }
    download = client.get(annual_url(plan))
    assert download.status_code == 200
    assert "UVP Veluwe-Noord" in text(download.content)


def test_a_report_too_large_says_why_and_can_be_tried_again(
    client, plan, reader, monkeypatch
):
    from reports import pdf

    client.force_login(reader)
    monkeypatch.setattr(pdf, "MAX_ACTIONS", 0)
    refused = client.get(annual_url(plan))
    assert refused.status_code == 413
    page = refused.content.decode()
    assert "Het rapport kon niet worden gemaakt" in page
    assert "meer dan de 0 die een rapportage kan bevatten" in page
    assert "Opnieuw proberen" in page
    # Asked again, the same data gives the same answer at once: nothing is made.
    assert client.get(annual_url(plan)).status_code == 413
    assert KeptReport.objects.get().status == KeptReport.State.FAILED

    monkeypatch.setattr(pdf, "MAX_ACTIONS", 1000)
    retried = client.post(annual_url(plan))
    assert retried.status_code == 302
    assert retried["Location"] == annual_url(plan)
    assert client.get(annual_url(plan)).status_code == 200
    assert KeptReport.objects.get().status == KeptReport.State.READY


def test_a_wrong_period_is_refused_before_anything_is_made(client, plan, reader):
    client.force_login(reader)
    response = client.get(reverse("pdf:annual", args=[plan.pk, 2030]))
    assert response.status_code == 400
    status = client.get(reverse("pdf:annual-status", args=[plan.pk, 2030]))
    assert status.status_code == 400
    assert "Het plan loopt van 2021 tot en met 2021" in status.json()["message"]
    assert not KeptReport.objects.exists()


def test_a_report_whose_worker_was_lost_is_made_again(client, plan, reader, queued):
    client.force_login(reader)
    client.get(annual_url(plan))
    report = KeptReport.objects.get()
    KeptReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - queue.STALE_AFTER - dt.timedelta(seconds=1)
    )
    celery_app.conf.task_always_eager = True
    response = client.get(annual_url(plan))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_status_of_a_report_on_a_plan_one_may_not_see_does_not_exist(
    client, plan, reader
):
    client.force_login(reader)
    client.get(annual_url(plan))
    stranger = member(MunicipalityFactory(name="Elders"), "raad.elders")
    client.force_login(stranger)
    status_url = reverse("pdf:annual-status", args=[plan.pk, 2021])
    assert client.get(status_url).status_code == 404
    assert client.get(annual_url(plan)).status_code == 404
    assert client.post(annual_url(plan)).status_code == 404


def test_an_agenda_is_kept_per_view_and_never_shows_another_users_plans(
    client, plan, reader
):
    """A meeting serving two municipalities' plans: Epe's reader gets an agenda of
    Epe's plan only, the beheerder one of both; neither is served the other's."""
    heerde = MunicipalityFactory(name="Heerde")
    other = PriorityFactory(
        plan__title="IVP Heerde", plan__municipalities=[heerde]
    ).plan
    ActionFactory(
        priority=other.priorities.get(),
        title="Ondermijning Heerde",
        deadline=dt.date(2021, 1, 31),
    )
    ActionFactory(
        priority=plan.priorities.get(),
        title="Keurmerk Epe",
        deadline=dt.date(2021, 1, 31),
    )
    meeting = MeetingFactory(date=dt.date(2021, 6, 10))
    meeting.plans.add(plan, other)
    url = reverse("pdf:agenda", args=[meeting.pk])

    client.force_login(reader)
    mine = text(client.get(url).content)
    assert "Keurmerk Epe" in mine and "Ondermijning Heerde" not in mine

    client.force_login(UserFactory(username="beheerder", is_superuser=True))
    everything = text(client.get(url).content)
    assert "Keurmerk Epe" in everything and "Ondermijning Heerde" in everything
    assert KeptReport.objects.filter(meeting=meeting).count() == 2

    client.force_login(reader)
    assert text(client.get(url).content) == mine


def test_a_write_while_waiting_sends_the_user_to_the_latest_data(
    client, plan, reader, queued
):
    """The status asks about the report of the data as it is now: after a write the
    one being made is of old data, and the page's link asks for the new one."""
    client.force_login(reader)
    assert client.get(annual_url(plan)).status_code == 202
    action = Action.objects.get()
    action.title = "Bibob-beleid vastgesteld"
    action.save()
    state = client.get(reverse("pdf:annual-status", args=[plan.pk, 2021])).json()
    assert state == {
        "status": "weg",
        "message": "Het plan is veranderd terwijl het rapport werd gemaakt.",
        "link": "Maak het rapport met de nieuwste gegevens",
    }
    assert client.get(annual_url(plan)).status_code == 202  # the new one is under way
    assert KeptReport.objects.count() == 2
