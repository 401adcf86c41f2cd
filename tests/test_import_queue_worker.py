"""A large import read and saved by a real Celery worker (issue 19): PostgreSQL, Redis
and `celery -A ivp worker` (tests/scaleout.py). The upload answers at once with the
page that says the file is being read; the worker reads it, the preview is the one an
import in the request shows, and confirming saves the same rows in one transaction."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import Action, ImportJob
from policies.models import Plan
from policies.seeds import seeds_load

from .factories import PlanFactory, UserFactory

EXAMPLE = Path(settings.BASE_DIR) / "fixtures" / "import" / "veluwe-noord-2021.xlsx"


def _plan(title):
    seeded = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    plan = PlanFactory(title=title, start_year=2021, end_year=2021)
    plan.municipalities.set(seeded.municipalities.all())
    plan.partners.set(seeded.partners.all())
    return plan


def _upload(client, plan, data=None):
    return client.post(
        reverse("admin:policies_plan_import", args=[plan.pk]),
        {
            "step": "preview",
            "file": SimpleUploadedFile(EXAMPLE.name, data or EXAMPLE.read_bytes()),
        },
    )


def _wait(client, plan, job_url, worker):
    status = reverse("admin:policies_plan_import_status", args=[plan.pk])
    query = job_url.partition("?")[2]
    deadline = time.monotonic() + 60
    while (state := client.get(f"{status}?{query}").json())["status"] == "bezig":
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.3)
    return state


def rows(plan):
    return sorted(
        Action.objects.for_plan(plan).values_list(
            "priority__code", "title", "deadline", "status", "owners__name"
        ),
        key=str,
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reads_and_saves_a_large_programme(
    client, celery_worker, use_redis, settings
):
    seeds_load()
    queued, in_request = _plan("Via de wachtrij"), _plan("In het verzoek")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    # A file under the threshold: read in the request, as without a queue.
    settings.IMPORT_QUEUE_BYTES = 10 * 1024 * 1024
    assert "32 nieuwe acties" in _upload(client, in_request).content.decode()
    url = reverse("admin:policies_plan_import", args=[in_request.pk])
    assert client.post(url, {"step": "confirm"}).status_code == 302

    settings.IMPORT_QUEUE_BYTES = 1000
    response = _upload(client, queued)
    assert response.status_code == 302
    waiting = client.get(response.url)
    assert waiting.status_code in (200, 202)  # the worker may already be done
    assert _wait(client, queued, response.url, celery_worker)["status"] == "klaar"
    preview = client.get(response.url)
    assert "32 nieuwe acties" in preview.content.decode()
    assert not Action.objects.for_plan(queued).exists()

    client.post(response.url, {"step": "confirm"})
    assert _wait(client, queued, response.url, celery_worker)["status"] == "klaar"
    done = client.get(response.url)
    assert done.url == reverse("admin:policies_plan_change", args=[queued.pk])
    assert rows(queued) == rows(in_request)
    assert Action.objects.for_plan(queued).count() == 32
    assert ImportJob.objects.get().content is None


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_shows_the_problems_of_a_bad_file_and_saves_nothing(
    client, celery_worker, use_redis, settings
):
    seeds_load()
    plan = _plan("Slecht bestand")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    settings.IMPORT_QUEUE_BYTES = 1000
    response = _upload(client, plan, data=b"geen excel" * 200)
    assert _wait(client, plan, response.url, celery_worker)["status"] == "klaar"
    shown = client.get(response.url).content.decode()
    assert "geen leesbaar Excel- of CSV-bestand" in shown
    client.post(response.url, {"step": "confirm"})
    assert ImportJob.objects.get().status == ImportJob.State.READY
    assert not Action.objects.for_plan(plan).exists()
