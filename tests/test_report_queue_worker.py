"""A PDF report made by a real Celery worker (issue 19): PostgreSQL, Redis and
`celery -A ivp worker` (tests/scaleout.py). The request answers at once with the page
that says the report is being made; the worker makes it; the download is that PDF."""

import os
import shutil
import time

import pytest
from django.urls import reverse

from reports.models import KeptReport
from tests.factories import ActionFactory, MunicipalityFactory, PriorityFactory
from tests.test_report_queue import annual_url, member, text

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and os.environ.get("CI", "").lower() != "true",
    reason="poppler-utils is missing (.ci/run installs it)",
)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_the_report_while_the_user_waits(
    client, celery_worker, use_redis
):
    """PostgreSQL, Redis and a `celery -A ivp worker`: the request answers at once,
    the worker makes the PDF, the status says when, and the download is that PDF."""
    epe = MunicipalityFactory(name="Epe")
    priority = PriorityFactory(
        plan__title="UVP Veluwe-Noord",
        plan__start_year=2021,
        plan__end_year=2021,
        plan__municipalities=[epe],
    )
    ActionFactory(priority=priority, title="Bibob-beleid actualiseren")
    plan = priority.plan
    client.force_login(member(plan, "lezer.epe"))

    waiting = client.get(annual_url(plan))
    assert waiting.status_code == 202
    assert "Het rapport wordt gemaakt" in waiting.content.decode()

    status_url = reverse("pdf:annual-status", args=[plan.pk, 2021])
    deadline = time.monotonic() + 60
    while (state := client.get(status_url).json())["status"] == "bezig":
        assert time.monotonic() < deadline, celery_worker.log.read_text()[-3000:]
        time.sleep(0.5)
    assert state["status"] == "klaar", state

    download = client.get(annual_url(plan))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "Bibob-beleid actualiseren" in text(download.content)
    assert KeptReport.objects.get().status == KeptReport.State.READY
