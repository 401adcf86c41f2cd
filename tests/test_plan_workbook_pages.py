"""The plan's workbook on the dashboard (a download for whoever sees the plan), the
beheerder's import page in the admin, and the export_plan / import_plan commands."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from actions.demo import demo_progress_load
from actions.models import Action
from policies.demo import demo_users_load
from policies.models import Membership, Plan, Priority
from policies.seeds import seeds_load
from policies.workbook import SHEETS, export_plan

from .factories import ActionFactory, PlanFactory, PriorityFactory, UserFactory
from .queries import count_queries
from .test_plan_workbook import _remove, plan_tree

pytestmark = pytest.mark.django_db
VELUWE = "veluwe-noord-uvp-2021"


@pytest.fixture
def seeded():
    seeds_load()
    demo_progress_load()
    demo_users_load(password="demo-wachtwoord-2021")
    return Plan.objects.get(slug=VELUWE)


def log_in(client, username):
    client.force_login(Membership.objects.filter(user__username=username)[0].user)


def workbook_url(plan):
    return reverse("reports:plan_workbook", args=[plan.pk])


def _book(response):
    return openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)


def test_a_reader_downloads_the_whole_plan_from_its_dashboard(client, seeded):
    log_in(client, "lezer.veluwe-noord")
    dashboard = client.get(reverse("reports:plan", args=[seeded.pk]))
    assert f'href="{workbook_url(seeded)}" download>Exporteren (werkboek)<' in (
        dashboard.content.decode()
    )
    response = client.get(workbook_url(seeded))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{VELUWE}-werkboek-' in response["Content-Disposition"]
    book = _book(response)
    assert book.sheetnames == [sheet.title for sheet in SHEETS]
    titles = [row[4] for row in book["Acties"].iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(
        Action.objects.for_plan(seeded).values_list("title", flat=True)
    )


def test_a_plan_the_user_may_not_see_is_404(client, seeded):
    log_in(client, "oov.stadskanaal")
    assert client.get(workbook_url(seeded)).status_code == 404


def test_the_workbook_costs_as_many_queries_for_50_actions_as_for_5(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    counts = []
    for n in (5, 50):
        plan = PlanFactory()
        priority = PriorityFactory(plan=plan)
        ActionFactory.create_batch(n, priority=priority)
        counts.append(count_queries(client, workbook_url(plan))[0])
    assert counts[0] == counts[1]


def _beheerder(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))


IMPORT_URL = "admin:policies_plan_workbook_import"


def test_the_beheerder_previews_and_then_saves_a_plan_from_its_workbook(client):
    plan = PlanFactory(slug="uit-werkboek", title="Uit een werkboek")
    PriorityFactory(plan=plan, code="1", title="Ondermijning")
    data = export_plan(plan)
    before = plan_tree(plan)
    _remove([plan])
    _beheerder(client)
    changelist = client.get(reverse("admin:policies_plan_changelist"))
    assert reverse(IMPORT_URL) in changelist.content.decode()
    upload = io.BytesIO(data)
    upload.name = "plan.xlsx"
    preview = client.post(reverse(IMPORT_URL), {"step": "preview", "file": upload})
    assert preview.status_code == 200
    assert "Uit een werkboek" in preview.content.decode()
    assert not Plan.objects.exists()  # the preview saves nothing
    saved = client.post(reverse(IMPORT_URL), {"step": "confirm"})
    imported = Plan.objects.get(slug="uit-werkboek")
    assert saved.url == reverse("admin:policies_plan_change", args=[imported.pk])
    assert plan_tree(imported) == before


def test_a_bad_workbook_shows_its_problems_and_cannot_be_confirmed(client):
    plan = PlanFactory(slug="slecht")
    PriorityFactory(plan=plan, code="1")
    book = openpyxl.load_workbook(io.BytesIO(export_plan(plan)))
    book.remove(book["Metingen"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "slecht.xlsx"
    buffer.seek(0)
    _remove([plan])
    _beheerder(client)
    preview = client.post(reverse(IMPORT_URL), {"step": "preview", "file": buffer})
    assert "Werkblad “Metingen”: dit werkblad ontbreekt in het werkboek." in (
        preview.content.decode()
    )
    # Nothing waits to be confirmed.
    client.post(reverse(IMPORT_URL), {"step": "confirm"})
    assert not Plan.objects.exists()


def test_an_officer_may_not_import_a_plan(client, seeded):
    log_in(client, "oov.epe")
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    changelist = client.get(reverse("admin:policies_plan_changelist"))
    assert reverse(IMPORT_URL) not in changelist.content.decode()


def test_the_commands_write_and_read_a_plan(tmp_path):
    plan = PlanFactory(slug="commando")
    PriorityFactory(plan=plan, code="1")
    path = tmp_path / "plan.xlsx"
    call_command("export_plan", "commando", str(path), stdout=io.StringIO())
    _remove([plan])
    call_command("import_plan", str(path), "--preview", stdout=io.StringIO())
    assert not Plan.objects.exists()
    out = io.StringIO()
    call_command("import_plan", str(path), stdout=out)
    assert "Opgeslagen." in out.getvalue()
    assert Priority.objects.get().plan.slug == "commando"
    with pytest.raises(CommandError, match="Niets opgeslagen"):
        call_command(
            "import_plan", str(path), stdout=io.StringIO(), stderr=io.StringIO()
        )
    with pytest.raises(CommandError, match="geen plan"):
        call_command("export_plan", "bestaat-niet", str(path))
