"""The PDF reports, read back with poppler: the seed plans as a council member knows them.

The reports are generated once per module from the seed documents (with the illustrative
demo progress) and read back with pdftotext / pdfinfo. One page of each kind is kept as a
PNG in test-artifacts/ so a person can look at it.
"""

import datetime as dt
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from actions.demo import demo_progress_load
from actions.models import Meeting, Status
from policies.models import Plan
from policies.seeds import seeds_load
from reports import pdf
from tests.factories import ActionFactory, MeetingFactory, PriorityFactory

# Skipped only on a developer's machine without poppler; CI installs it and must run these.
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and os.environ.get("CI", "").lower() != "true",
    reason="poppler-utils is not installed (.ci/run installs it)",
)

TODAY = dt.date(2022, 1, 15)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page, whitespace folded, as pdftotext reads it."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def pdf_info(content: bytes) -> dict[str, str]:
    out = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    pairs = (line.split(":", 1) for line in out.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def pdf_language(content: bytes) -> str | None:
    """The document language (/Lang) from the catalog, which may sit in a compressed stream."""
    chunks = [content]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    found = re.search(rb"/Lang ?\(([^)]*)\)", b"".join(chunks))
    return found.group(1).decode() if found else None


def keep_png(content: bytes, name: str, page: int) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(content)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(source),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    return ARTIFACTS / f"{name}.png"


def page_of(pages: list[str], text: str, start: int = 2) -> int:
    """The 1-based number of the first page after the contents holding `text`."""
    for number, page in enumerate(pages, start=1):
        if number > start and text in page:
            return number
    raise AssertionError(f"{text!r} is on no page")


@pytest.fixture(scope="module")
def reports(django_db_setup, django_db_blocker):
    """The seed reports, made once: they take a second or two each."""
    with django_db_blocker.unblock(), transaction.atomic():
        seeds_load()
        demo_progress_load()
        veluwe = Plan.objects.get(slug="veluwe-noord-uvp-2021")
        stadskanaal = Plan.objects.get(slug="stadskanaal-ivp-2020-2024")
        meeting = Meeting.objects.get(date=dt.date(2021, 6, 17), plans=veluwe)
        made = {
            "annual-veluwe": pdf.annual_report_pdf(veluwe, year=2021, today=TODAY),
            "annual-stadskanaal": pdf.annual_report_pdf(
                stadskanaal, year=2021, today=TODAY
            ),
            "quarterly-veluwe": pdf.quarterly_report_pdf(
                veluwe, year=2021, quarter=2, today=TODAY
            ),
            "agenda-veluwe": pdf.agenda_pdf(meeting, today=TODAY),
            "meeting-actions": sorted(meeting.actions.values_list("title", flat=True)),
            "annual-oost-nederland": pdf.annual_report_pdf(
                Plan.objects.get(slug="veiligheidsnetwerk-oost-nederland-2015-2018"),
                year=2016,
                today=TODAY,
            ),
        }
        transaction.set_rollback(True)
    return made


def test_veluwe_noord_annual_report_has_cover_contents_and_page_numbers(reports):
    content = reports["annual-veluwe"]
    pages = pdf_pages(content)
    info = pdf_info(content)
    assert info["Title"] == (
        "Jaarverslag 2021: Uitvoeringsprogramma 2021 Integrale veiligheid Veluwe Noord"
    )
    assert int(info["Pages"]) == len(pages) >= 6
    assert pdf_language(content) == "nl"
    cover = pages[0]
    assert "JAARVERSLAG AAN DE GEMEENTERAAD" in cover
    assert "Elburg, Epe, Hattem, Heerde, Nunspeet, Oldebroek" in cover
    assert "Verslagjaar 2021" in cover
    assert "Gegenereerd op 15 januari 2022" in cover
    for number, page in enumerate(pages, start=1):
        assert f"pagina {number} van {len(pages)}" in page
    # The contents list gives the page each chapter really starts on.
    contents = pages[1]
    summary_page = page_of(pages, "Samenvatting Deze rapportage")
    results_page = page_of(pages, "Resultaten per prioriteit 1 Zorg")
    assert re.search(rf"Samenvatting[ .]+{summary_page}\b", contents)
    assert re.search(rf"Resultaten per prioriteit[ .]+{results_page}\b", contents)
    # Running header: the plan's title and the chapter, on every page after the cover.
    assert pages[results_page - 1].startswith(
        "Uitvoeringsprogramma 2021 Integrale veiligheid Veluwe Noord Resultaten per prioriteit"
    )


def test_veluwe_noord_annual_report_tells_each_priority_with_its_actions(reports):
    text = " ".join(pdf_pages(reports["annual-veluwe"]))
    assert "1.1 Kwetsbare personen" in text
    assert "2.1 Georganiseerde criminaliteit" in text
    assert "Doelstelling Gevaar en overlast door kwetsbare personen" in text
    # Actions in their groups, with the explanation from the latest progress update.
    assert "Gereed Actie Trekker Deadline Status Laatste voortgang" in text
    assert "Te laat Actie Trekker Deadline Status Laatste voortgang" in text
    assert "Implementeren lessons learned casus" in text
    assert "[Illustratief] Afgerond en teruggekoppeld in het overleg." in text
    # Dutch dates and the summary table with its totals.
    assert "15 april 2021" in text
    # Every action of the 2021 programme, as the dashboard counts them at the year's end.
    assert "Totaal 32 Te laat op 31 december 2021 12" in text
    # The summary (done, late, in progress, cancelled) adds up to the same 32.
    assert any(
        sum(map(int, total)) == 32
        for total in re.findall(r"Totaal (\d+) (\d+) (\d+) (\d+)", text)
    )


def test_stadskanaal_annual_report_sets_agreements_against_results(reports):
    content = reports["annual-stadskanaal"]
    pages = pdf_pages(content)
    text = " ".join(pages)
    assert pdf_info(content)["Title"] == (
        "Jaarverslag 2021: Integraal Veiligheidsbeleid 2020-2024 Stadskanaal"
    )
    assert "Gemeente Stadskanaal" in pages[0]
    assert "1 Burenproblematiek / Sociale wijkproblematiek" in text
    assert "7 Jeugd" in text
    assert "Beleidsregels Wet Aanpak Woonoverlast opstellen." in text
    assert "Beoogd resultaat" in text and "Behaald in 2021" in text
    assert "Nog niet gerapporteerd." in text
    assert "Voor 2021 zijn nog geen behaalde resultaten vastgelegd." in text
    # The schematic overview in the manner of the plan's own chapter 4: all 19 agreements.
    start = page_of(pages, "Schematisch overzicht van afspraken en resultaten Afspraak")
    overview = " ".join(pages[start - 1 :])
    # The table runs over several pages, its header repeated on each.
    assert len(pages) - start >= 1
    for page in pages[start - 1 :]:
        assert "Afspraak Trekker Beoogd resultaat Oordeel 2021" in page
    assert overview.count("Nog niet gerapporteerd.") == 19
    assert re.search(r"Totaal 19 0 0 0", text)


def test_agenda_of_17_june_2021_lists_its_items_per_owner(reports):
    content = reports["agenda-veluwe"]
    pages = pdf_pages(content)
    text = " ".join(pages)
    assert pdf_info(content)["Title"] == "Agenda Driehoek 17 juni 2021"
    assert "Driehoek, donderdag 17 juni 2021" in pages[0]
    assert "Bijdragen aanleveren vóór 3 juni 2021" in pages[0]
    assert "Acties op de agenda van dit overleg: 5." in text
    # One group per owner, each listed in the contents with its page.
    for owner in (
        "Elburg, Epe, Hattem, Heerde, Nunspeet, Oldebroek",
        "Epe",
        "Hattem",
    ):
        assert re.search(rf"(^| ){re.escape(owner)} [ .]*\d", pages[1]), owner
    for title in reports["meeting-actions"]:
        assert " ".join(title.split())[:40] in text


def test_quarterly_report_shows_status_overview_and_the_next_quarter(reports):
    content = reports["quarterly-veluwe"]
    pages = pdf_pages(content)
    text = " ".join(pages)
    assert pdf_info(content)["Title"].endswith(", 2e kwartaal 2021")
    assert "2e kwartaal 2021 (1 april 2021 – 30 juni 2021)" in pages[0]
    assert "Statusoverzicht" in text
    assert (
        "De stand aan het eind van de periode, op 30 juni 2021, zoals de voortgang "
        "toen was gemeld." in text
    )
    assert "Deadline in 3e kwartaal 2021" in text
    assert "Onvoorziene acties" in text
    assert f"pagina 1 van {len(pages)}" in pages[0]


def test_indicators_show_baseline_targets_and_values_in_dutch_numbers(reports):
    text = " ".join(pdf_pages(reports["annual-oost-nederland"]))
    assert "Indicatoren" in text
    indicators = text[text.index("Aantal misdrijven woninginbraak Eenheid") :]
    # 8701 burglaries in 2016, provisional, with the Dutch thousands separator.
    assert "8.701" in indicators
    assert "8.701 (2016, voorlopig)" in indicators


@pytest.mark.parametrize(
    "kind,page_text",
    [
        ("annual-veluwe", "Resultaten per prioriteit 1 Zorg"),
        ("annual-stadskanaal", "Resultaten per prioriteit 1 Burenproblematiek"),
        ("annual-oost-nederland", "Indicatoren Aantal"),
        ("quarterly-veluwe", "Voortgang per prioriteit 1 Zorg"),
        ("agenda-veluwe", "Agendapunten per trekker Acties"),
    ],
)
def test_one_page_of_each_report_is_kept_as_png_for_a_person_to_look_at(
    reports, kind, page_text
):
    page = page_of(pdf_pages(reports[kind]), page_text)
    png = keep_png(reports[kind], f"pdf-{kind}", page)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    # A blank page compresses to a few kB; a page of tables is far larger.
    assert len(data) > 20_000


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["annual", "quarterly", "agenda"])
def test_report_queries_do_not_grow_with_actions(django_assert_max_num_queries, kind):
    priority = PriorityFactory(plan__start_year=2021, plan__end_year=2021)
    plan = priority.plan
    meeting = MeetingFactory(date=dt.date(2021, 6, 17))
    meeting.plans.add(plan)

    def add_actions(count):
        for action in ActionFactory.create_batch(
            count, priority=priority, deadline=dt.date(2021, 5, 1)
        ):
            action.progress_updates.create(
                date=dt.date(2021, 4, 1), status=Status.ONGOING, text="Loopt"
            )
            meeting.actions.add(action)

    def make():
        if kind == "annual":
            return pdf.annual_report_html(plan, year=2021)
        if kind == "quarterly":
            return pdf.quarterly_report_html(plan, year=2021, quarter=2)
        return pdf.agenda_html(meeting)

    add_actions(3)
    with django_assert_max_num_queries(14) as few:
        make()
    add_actions(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = make()
    assert html.count("Loopt") >= 33


@pytest.mark.django_db
def test_status_is_told_as_it_was_at_the_end_of_the_year():
    priority = PriorityFactory(plan__start_year=2021, plan__end_year=2022)
    action = ActionFactory(priority=priority, deadline=dt.date(2021, 6, 1))
    action.progress_updates.create(
        date=dt.date(2021, 3, 1), status=Status.ONGOING, text="Begonnen"
    )
    action.progress_updates.create(
        date=dt.date(2022, 2, 1), status=Status.DONE, text="Klaar"
    )
    html_2021 = pdf.annual_report_html(
        priority.plan, year=2021, today=dt.date(2022, 3, 1)
    )
    assert "Begonnen" in html_2021 and "Klaar" not in html_2021
    assert '<h4 class="late">Te laat</h4>' in html_2021
