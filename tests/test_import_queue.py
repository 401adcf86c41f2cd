"""Large imports on the task queue (issue 19; actions/importjobs.py): the upload waits
in an ImportJob, the page says the file is being read, and then shows the same preview,
problems or success as an import in the request. Small files, and every file without a
real queue, are imported in the request as before.

Here the queue is "real" as far as the pages can tell (importjobs._eager patched) and
the task runs when the test hands over the request's on_commit callbacks, so each step
is seen in between; tests/test_import_queue_worker.py runs a real worker.
"""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from actions import importjobs
from actions.models import Action, ImportJob
from policies.models import Plan
from policies.workbook import export_plan

from .factories import PlanFactory, PriorityFactory, UserFactory
from .test_import_admin import new_plan  # noqa: F401 (a fixture)

# ruff: noqa: F811 (the fixture, asked for by name)
from .test_plan_workbook import _remove, plan_tree

pytestmark = pytest.mark.django_db
EXAMPLE = Path(settings.BASE_DIR) / "fixtures" / "import" / "veluwe-noord-2021.xlsx"


@pytest.fixture
def queue(settings, monkeypatch):
    """Workers behind the queue, and every upload larger than the threshold."""
    settings.IMPORT_QUEUE_BYTES = 1000
    monkeypatch.setattr(importjobs, "_eager", lambda: False)


@pytest.fixture
def beheerder(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def import_url(plan):
    return reverse("admin:policies_plan_import", args=[plan.pk])


def upload(client, url, name, data, capture):
    """POST the file; the job's task is handed over but not yet run."""
    with capture() as callbacks:
        response = client.post(
            url, {"step": "preview", "file": SimpleUploadedFile(name, data)}
        )
    return response, callbacks


def run(callbacks):
    for callback in callbacks:
        callback()


def confirm(client, url, capture, **extra):
    with capture(execute=True):
        return client.post(url, {"step": "confirm", **extra})


def test_a_large_programme_is_read_by_a_worker_and_saved_as_in_the_request(
    new_plan,
    beheerder,
    queue,
    django_capture_on_commit_callbacks,
):
    client, capture = beheerder, django_capture_on_commit_callbacks
    response, callbacks = upload(
        client, import_url(new_plan), EXAMPLE.name, EXAMPLE.read_bytes(), capture
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == f"{import_url(new_plan)}?taak={job.pk}"
    assert bytes(job.content) == EXAMPLE.read_bytes()

    waiting = client.get(response.url)
    assert waiting.status_code == 202
    page = waiting.content.decode()
    assert 'role="status"' in page and 'aria-live="polite"' in page
    assert "Het bestand wordt gelezen en gecontroleerd" in page
    assert 'http-equiv="refresh"' not in page
    status_url = reverse("admin:policies_plan_import_status", args=[new_plan.pk])
    assert f"{status_url}?taak={job.pk}" in page
    assert client.get(f"{status_url}?taak={job.pk}").json()["status"] == "bezig"

    run(callbacks)
    assert client.get(f"{status_url}?taak={job.pk}").json()["status"] == "klaar"
    preview = client.get(response.url)
    assert preview.status_code == 200
    assert "32 nieuwe acties" in preview.content.decode()
    assert not Action.objects.for_plan(new_plan).exists()  # the preview saves nothing

    saved = confirm(client, response.url, capture)
    assert saved.status_code == 302
    done = client.get(response.url)
    assert done.url == reverse("admin:policies_plan_change", args=[new_plan.pk])
    assert "32 nieuwe en 0 gewijzigde acties" in client.get(done.url).content.decode()
    job.refresh_from_db()
    assert job.content is None  # the file is not kept once saved

    # The same file imported in the request gives the same actions.
    other = PlanFactory(title="In het verzoek", start_year=2021, end_year=2021)
    other.municipalities.set(new_plan.municipalities.all())
    other.partners.set(new_plan.partners.all())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importjobs, "_eager", lambda: True)
        client.post(
            import_url(other),
            {
                "step": "preview",
                "file": SimpleUploadedFile(EXAMPLE.name, EXAMPLE.read_bytes()),
            },
        )
        client.post(import_url(other), {"step": "confirm"})
    assert rows(new_plan) == rows(other)
    assert Action.objects.for_plan(new_plan).count() == 32


def rows(plan):
    return sorted(
        Action.objects.for_plan(plan).values_list(
            "priority__code", "title", "deadline", "status", "owners__name"
        ),
        key=str,
    )


def test_a_small_file_is_still_read_in_the_request(new_plan, beheerder, settings):
    settings.IMPORT_QUEUE_BYTES = 10 * 1024 * 1024
    response = beheerder.post(
        import_url(new_plan),
        {
            "step": "preview",
            "file": SimpleUploadedFile(EXAMPLE.name, EXAMPLE.read_bytes()),
        },
    )
    assert response.status_code == 200
    assert "32 nieuwe acties" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_without_a_queue_every_file_is_read_in_the_request(
    new_plan, beheerder, settings
):
    settings.IMPORT_QUEUE_BYTES = 0  # tasks run eagerly here: no worker to wait for
    response = beheerder.post(
        import_url(new_plan),
        {
            "step": "preview",
            "file": SimpleUploadedFile(EXAMPLE.name, EXAMPLE.read_bytes()),
        },
    )
    assert "32 nieuwe acties" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_with_problems_shows_them_in_dutch_and_cannot_be_saved(
    new_plan,
    beheerder,
    queue,
    django_capture_on_commit_callbacks,
):
    client, capture = beheerder, django_capture_on_commit_callbacks
    response, callbacks = upload(
        client, import_url(new_plan), "plan.xlsx", b"geen excel" * 200, capture
    )
    run(callbacks)
    shown = client.get(response.url)
    assert shown.status_code == 200
    assert "geen leesbaar Excel- of CSV-bestand" in shown.content.decode()
    confirm(client, response.url, capture)
    assert ImportJob.objects.get().status == ImportJob.State.READY
    assert not Action.objects.for_plan(new_plan).exists()


def test_a_workbook_with_a_missing_sheet_shows_it_and_saves_nothing(
    beheerder, queue, django_capture_on_commit_callbacks
):
    client, capture = beheerder, django_capture_on_commit_callbacks
    plan = PlanFactory(slug="slecht")
    PriorityFactory(plan=plan, code="1")
    book = openpyxl.load_workbook(io.BytesIO(export_plan(plan)))
    book.remove(book["Metingen"])
    buffer = io.BytesIO()
    book.save(buffer)
    _remove([plan])
    url = reverse("admin:policies_plan_workbook_import")
    response, callbacks = upload(client, url, "slecht.xlsx", buffer.getvalue(), capture)
    assert client.get(response.url).status_code == 202
    run(callbacks)
    shown = client.get(response.url).content.decode()
    assert "Werkblad “Metingen”: dit werkblad ontbreekt in het werkboek." in shown
    assert 'name="step" value="confirm"' not in shown
    confirm(client, response.url, capture)
    assert not Plan.objects.exists()


def test_a_large_workbook_becomes_the_same_plan_through_the_queue(
    beheerder, queue, django_capture_on_commit_callbacks
):
    client, capture = beheerder, django_capture_on_commit_callbacks
    plan = PlanFactory(slug="uit-werkboek", title="Uit een werkboek")
    PriorityFactory(plan=plan, code="1", title="Ondermijning")
    data = export_plan(plan)
    before = plan_tree(plan)
    _remove([plan])
    url = reverse("admin:policies_plan_workbook_import")
    response, callbacks = upload(client, url, "plan.xlsx", data, capture)
    run(callbacks)
    preview = client.get(response.url).content.decode()
    assert "Uit een werkboek" in preview and "Rijen per werkblad" in preview
    assert not Plan.objects.exists()
    confirm(client, response.url, capture)
    imported = Plan.objects.get(slug="uit-werkboek")
    assert client.get(response.url).url == reverse(
        "admin:policies_plan_change", args=[imported.pk]
    )
    assert plan_tree(imported) == before


def test_a_job_is_only_found_through_its_own_plan(
    new_plan,
    beheerder,
    queue,
    django_capture_on_commit_callbacks,
):
    client, capture = beheerder, django_capture_on_commit_callbacks
    response, callbacks = upload(
        client, import_url(new_plan), EXAMPLE.name, EXAMPLE.read_bytes(), capture
    )
    run(callbacks)
    job = ImportJob.objects.get()
    other = PlanFactory()
    assert client.get(f"{import_url(other)}?taak={job.pk}").status_code == 404
    status = reverse("admin:policies_plan_import_status", args=[other.pk])
    assert client.get(f"{status}?taak={job.pk}").json()["status"] == "weg"
    workbook = reverse("admin:policies_plan_workbook_import")
    assert client.get(f"{workbook}?taak={job.pk}").status_code == 404


def test_a_worker_that_fails_says_so_in_dutch_and_saves_nothing(
    new_plan,
    beheerder,
    queue,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    client, capture = beheerder, django_capture_on_commit_callbacks
    response, callbacks = upload(
        client, import_url(new_plan), EXAMPLE.name, EXAMPLE.read_bytes(), capture
    )

    def broken(**kwargs):
        raise RuntimeError("kapot")

    monkeypatch.setattr(importjobs, "programme_import", broken)
    with pytest.raises(RuntimeError):
        run(callbacks)
    shown = client.get(response.url)
    assert shown.status_code == 200
    assert "er is niets opgeslagen" in shown.content.decode()
    assert ImportJob.objects.get().status == ImportJob.State.FAILED
    assert not Action.objects.for_plan(new_plan).exists()


def test_a_job_whose_worker_was_lost_says_so_and_can_be_read_in_again(
    new_plan,
    beheerder,
    queue,
    django_capture_on_commit_callbacks,
):
    client, capture = beheerder, django_capture_on_commit_callbacks
    response, _callbacks = upload(
        client, import_url(new_plan), EXAMPLE.name, EXAMPLE.read_bytes(), capture
    )
    # The task never ran: a worker restarted after taking it.
    ImportJob.objects.update(
        started_at=timezone.now() - importjobs.STALE_AFTER - dt.timedelta(minutes=1)
    )
    shown = client.get(response.url)
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "De import is onderbroken en er is niets opgeslagen." in page
    assert f'href="{import_url(new_plan)}"' in page  # the upload form again
    status = reverse("admin:policies_plan_import_status", args=[new_plan.pk])
    query = response.url.partition("?")[2]
    assert client.get(f"{status}?{query}").json()["status"] == "mislukt"
    confirm(client, response.url, capture)
    assert not Action.objects.for_plan(new_plan).exists()
