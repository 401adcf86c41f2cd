"""Importing and exporting through the admin: preview, confirmation, permission rule."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from actions.models import Action
from policies.models import Membership, Plan
from policies.seeds import seeds_load

from .factories import MunicipalityFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db
EXAMPLE = Path(settings.BASE_DIR) / "fixtures" / "import" / "veluwe-noord-2021.xlsx"


@pytest.fixture
def new_plan():
    seeds_load()
    seeded = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    plan = PlanFactory(
        title="Uitvoeringsprogramma 2022", start_year=2021, end_year=2021
    )
    plan.municipalities.set(seeded.municipalities.all())
    plan.partners.set(seeded.partners.all())
    return plan


def _upload(client, plan):
    return client.post(
        reverse("admin:policies_plan_import", args=[plan.pk]),
        {
            "step": "preview",
            "file": SimpleUploadedFile(EXAMPLE.name, EXAMPLE.read_bytes()),
        },
    )


def test_beheerder_previews_then_saves_an_import(new_plan, client):
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    preview = _upload(client, new_plan)
    assert preview.status_code == 200
    assert "32 nieuwe acties" in preview.content.decode()
    assert not Action.objects.for_plan(new_plan).exists()
    saved = client.post(
        reverse("admin:policies_plan_import", args=[new_plan.pk]), {"step": "confirm"}
    )
    assert saved.status_code == 302
    assert Action.objects.for_plan(new_plan).count() == 32


def test_a_broken_file_gets_a_dutch_message_not_a_500(new_plan, client):
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    response = client.post(
        reverse("admin:policies_plan_import", args=[new_plan.pk]),
        {"step": "preview", "file": SimpleUploadedFile("plan.xlsx", b"geen excel")},
    )
    assert response.status_code == 200
    assert "geen leesbaar Excel- of CSV-bestand" in response.content.decode()


def test_officer_of_one_municipality_cannot_import_into_a_shared_plan(new_plan, client):
    user = UserFactory(username="oov.epe", is_staff=True)
    Membership.objects.create(
        user=user, organisation=new_plan.municipalities.get(name="Epe"), role="officer"
    )
    client.force_login(user)
    assert _upload(client, new_plan).status_code == 403
    assert not Action.objects.for_plan(new_plan).exists()


def test_officer_cannot_reach_another_municipalitys_plan(client):
    hattem = MunicipalityFactory(name="Hattem", cbs_code="GM0244")
    plan = PlanFactory(municipalities=[hattem])
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    user = UserFactory(username="oov.epe", is_staff=True)
    Membership.objects.create(user=user, organisation=epe, role="officer")
    client.force_login(user)
    assert _upload(client, plan).status_code == 404
    assert (
        client.get(reverse("admin:policies_plan_export", args=[plan.pk])).status_code
        == 404
    )


def test_plan_export_opens_as_a_workbook_with_dutch_headers(client):
    seeds_load()
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    response = client.get(reverse("admin:policies_plan_export", args=[plan.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["Speerpunt", "Subspeerpunt", "Actie", "Toelichting"]
    assert "Trekker" in headers and "Deadline" in headers
    assert sheet.max_row == 1 + 32


def test_filtered_action_list_exports_to_csv(client):
    seeds_load()
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    selected = list(
        Action.objects.for_plan(plan)
        .filter(owners__name="Epe")
        .values_list("pk", flat=True)
    )
    response = client.post(
        reverse("admin:actions_action_changelist"),
        {"action": "export_csv", "_selected_action": selected},
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Speerpunt;Subspeerpunt;Actie")
    assert len(text.strip().splitlines()) == 1 + len(selected)


@pytest.mark.parametrize(
    ("changelist", "model", "header"),
    [
        (
            "admin:policies_agreement_changelist",
            "agreement",
            "Plan;Prioriteit;Afspraak;Beoogd resultaat",
        ),
        (
            "admin:actions_progressupdate_changelist",
            "progressupdate",
            "Datum;Plan;Actie;Status",
        ),
    ],
)
def test_agreements_and_progress_export_with_dutch_headers(
    client, changelist, model, header
):
    from actions.demo import demo_progress_load
    from actions.models import ProgressUpdate
    from policies.models import Agreement

    seeds_load()
    demo_progress_load()
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    queryset = (
        Agreement.objects.all()
        if model == "agreement"
        else ProgressUpdate.objects.all()
    )
    selected = list(queryset.values_list("pk", flat=True)[:10])
    response = client.post(
        reverse(changelist), {"action": "export_csv", "_selected_action": selected}
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith(header)
    assert len(lines) >= 1 + len(selected)


def test_filtered_page_list_downloads_the_same_selection(client):
    seeds_load()
    plan = Plan.objects.get(slug="veluwe-noord-uvp-2021")
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    url = reverse("reports:plan_actions", args=[plan.pk])
    page = client.get(url, {"owner": plan.municipalities.get(name="Epe").pk})
    assert "export=xlsx" in page.content.decode()
    response = client.get(
        url, {"owner": plan.municipalities.get(name="Epe").pk, "export": "csv"}
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    expected = Action.objects.for_plan(plan).filter(owners__name="Epe").count()
    assert len(lines) == 1 + expected
    assert all("Epe" in line for line in lines[1:])
    assert "niet gestart" in response.content.decode("utf-8-sig")


def _post_file(client, plan, name, data):
    return client.post(
        reverse("admin:policies_plan_import", args=[plan.pk]),
        {"step": "preview", "file": SimpleUploadedFile(name, data)},
    )


def test_an_overlong_cell_is_listed_with_its_row_and_column_not_a_500(new_plan, client):
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    data = (
        "Speerpunt;Actie;Portefeuillehouder\n1 Jeugd;Iets doen.;" + "B" * 400 + "\n"
    ).encode()
    response = _post_file(client, new_plan, "plan.csv", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<td>2</td><td>Portefeuillehouder</td>" in page
    assert "niet meer dan 200 tekens" in page
    assert not Action.objects.for_plan(new_plan).exists()


def test_an_oversized_upload_is_refused_with_its_own_size(new_plan, client):
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    response = _post_file(client, new_plan, "groot.xlsx", b"x" * (6 * 1024 * 1024))
    assert response.status_code == 200
    assert (
        "Het bestand is 6,0 MB; er kan hoogstens 5 MB worden ingelezen."
        in response.content.decode()
    )
