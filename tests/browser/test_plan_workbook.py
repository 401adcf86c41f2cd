"""The beheerder reads a plan's workbook in through the admin in a real browser: the
form, a refused workbook and the preview pass axe (WCAG 2.1 AA) and fit 1,280 px, and
saving gives the plan."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from policies.models import Plan
from policies.workbook import export_plan

from ..factories import ActionFactory, MunicipalityFactory, PlanFactory, PriorityFactory
from ..test_plan_workbook import _remove
from .test_admin_pages import account, check_page
from .test_driehoek_journey import log_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(viewport={"width": 1280, "height": 900}),
]


def test_the_beheerder_reads_a_plan_in_from_its_workbook(
    page, live_server, assert_accessible, tmp_path
):
    account("beheerder")
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    plan = PlanFactory(slug="epe-werkboek", title="Werkboek Epe", municipalities=[epe])
    ActionFactory(priority=PriorityFactory(plan=plan, code="1"), owners=[epe])
    data = export_plan(plan)
    _remove([plan])
    good = tmp_path / "epe.xlsx"
    good.write_bytes(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    actions = book["Acties"]
    column = [cell.value for cell in actions[1]].index("Prioriteit") + 1
    actions.cell(row=2, column=column, value="9")  # a priority it does not have
    bad = tmp_path / "fout.xlsx"
    book.save(bad)

    log_in(page, live_server, "beheerder")
    page.goto(live_server.url + reverse("admin:policies_plan_changelist"))
    page.get_by_role("link", name="Plan importeren (werkboek)").click()
    check_page(page, assert_accessible)

    page.get_by_label("Bestand").set_input_files(bad)
    page.get_by_role("button", name=re.compile("voorbeeld", re.IGNORECASE)).click()
    expect(page.get_by_text("Er is niets opgeslagen.")).to_be_visible()
    problems = page.get_by_role("table", name="Problemen")
    expect(problems).to_contain_text("“9” staat niet in het werkblad “Prioriteiten”")
    check_page(page, assert_accessible)

    page.get_by_label("Bestand").set_input_files(good)
    page.get_by_role("button", name=re.compile("voorbeeld", re.IGNORECASE)).click()
    expect(page.get_by_text("Werkboek Epe")).to_be_visible()
    check_page(page, assert_accessible)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Het plan “Werkboek Epe” is geïmporteerd.")).to_be_visible()
    assert Plan.objects.get(slug="epe-werkboek").priorities.count() == 1
