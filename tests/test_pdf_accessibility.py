"""The PDFs are accessible (PDF/UA-1): the structure tree is read back with pikepdf.

A screen reader reads a PDF through its tags, not its drawing: the document's language,
its title, the headings in order, tables whose data cells point at their header cells and
a text alternative for each chart. Each of the three reports is made for a seed plan (or
meeting) and read back; and the tables are laid out so no text runs out of its cell.
"""

import base64
import datetime as dt
import io
import os
import re
import shutil
import subprocess

import pikepdf
import pytest
from django.db import transaction

from actions.demo import demo_progress_load
from actions.models import Meeting
from policies.models import Indicator, Plan
from policies.seeds import seeds_load
from reports import pdf
from reports.charts import indicator_text
from reports.fetcher import CHART_DATA_PREFIX, STATIC_BASE, StaticOnlyFetcher

pytestmark = [
    # The module's reports fixture needs the test database set up.
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdfinfo") is None and os.environ.get("CI", "").lower() != "true",
        reason="poppler-utils is not installed (.ci/run installs it)",
    ),
]

TODAY = dt.date(2022, 1, 15)
BURGLARY = "Aantal misdrijven woninginbraak"


@pytest.fixture(scope="module")
def reports(django_db_setup, django_db_blocker):
    """HTML and PDF of each kind, made once from the seeds with the demo progress."""
    with django_db_blocker.unblock(), transaction.atomic():
        seeds_load()
        demo_progress_load()
        veluwe = Plan.objects.get(slug="veluwe-noord-uvp-2021")
        oost = Plan.objects.get(slug="veiligheidsnetwerk-oost-nederland-2015-2018")
        meeting = Meeting.objects.get(date=dt.date(2021, 6, 17), plans=veluwe)
        html = {
            "quarterly": pdf.quarterly_report_html(
                veluwe, year=2021, quarter=2, today=TODAY
            ),
            "annual": pdf.annual_report_html(oost, year=2016, today=TODAY),
            "agenda": pdf.agenda_html(meeting, today=TODAY),
            "quarterly-en": pdf.quarterly_report_html(
                veluwe, year=2021, quarter=2, today=TODAY, language="en"
            ),
        }
        made = {kind: (text, pdf.html_to_pdf(text)) for kind, text in html.items()}
        burglary = Indicator.objects.prefetch_related("targets", "measurements").get(
            plan=oost, name=BURGLARY
        )
        made["burglary-text"] = indicator_text(burglary, until_year=2016)
        transaction.set_rollback(True)
    return made


def structure(content: bytes) -> list[tuple[str, pikepdf.Dictionary]]:
    """Every element of the structure tree in reading order, as (tag, element)."""
    found = []

    def walk(element):
        tag = element.get("/S")
        if tag is not None:
            found.append((str(tag)[1:], element))
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary):
                walk(kid)

    with pikepdf.open(io.BytesIO(content)) as document:
        walk(document.Root.StructTreeRoot)
        # Copy what the tests read while the file is open.
        return [(tag, pikepdf.Dictionary(element)) for tag, element in found]


KINDS = ["quarterly", "annual", "agenda"]


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_is_tagged_with_language_and_pdf_ua_identification(reports, kind):
    content = reports[kind][1]
    info = subprocess.run(
        ["pdfinfo", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    with pikepdf.open(io.BytesIO(content)) as document:
        assert document.Root.MarkInfo.Marked is True
        assert str(document.Root.Lang) == "nl"
        # A viewer shows the title, not the file name.
        assert document.Root.ViewerPreferences.DisplayDocTitle is True
        with document.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"


EXPECTED_METADATA = {
    "quarterly": {
        "Title": "Voortgangsrapportage Uitvoeringsprogramma 2021 Integrale veiligheid "
        "Veluwe Noord, 2e kwartaal 2021",
        "Subject": "Kwartaalrapportage voor de driehoek, 2e kwartaal 2021 "
        "(1 april 2021 – 30 juni 2021)",
        "Author": "Elburg, Epe, Hattem, Heerde, Nunspeet, Oldebroek",
    },
    "annual": {
        "Title": "Jaarverslag 2016: Veiligheidsstrategie 2015-2018 "
        "Veiligheidsnetwerk Oost-Nederland",
        "Subject": "Jaarverslag aan de gemeenteraad, Verslagjaar 2016",
    },
    "agenda": {
        "Title": "Agenda Driehoek 17 juni 2021",
        "Subject": "Agenda: voortgang van de acties, Overleg van 17 juni 2021",
    },
}


@pytest.mark.parametrize("kind", KINDS)
def test_title_subject_and_keywords_are_dutch_in_info_and_xmp(reports, kind):
    with pikepdf.open(io.BytesIO(reports[kind][1])) as document:
        info = {key[1:]: str(value) for key, value in document.docinfo.items()}
        with document.open_metadata() as xmp:
            xmp_title = xmp["dc:title"]
            xmp_subject = xmp["dc:description"]
    expected = EXPECTED_METADATA[kind]
    for key, value in expected.items():
        assert info[key] == value, key
    assert xmp_title == expected["Title"]
    assert xmp_subject == expected["Subject"]
    assert info["Keywords"].startswith("integraal veiligheidsplan")


def test_a_report_in_english_says_so_in_its_language_and_title(reports):
    with pikepdf.open(io.BytesIO(reports["quarterly-en"][1])) as document:
        assert str(document.Root.Lang) == "en"
        assert str(document.docinfo["/Title"]).startswith("Progress report Uitvoering")


@pytest.mark.parametrize("kind", KINDS)
def test_headings_are_tagged_in_the_order_and_at_the_level_of_the_html(reports, kind):
    html, content = reports[kind]
    levels = [int(tag[1]) for tag, _ in structure(content) if re.fullmatch(r"H\d", tag)]
    assert levels == [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
    # One H1 (the cover), first; below it no level is skipped.
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    assert 2 in levels and 3 in levels


def test_sub_priorities_are_headed_one_level_below_their_priority(reports):
    html = reports["quarterly"][0]
    assert re.search(r'<h3 class="priority-heading depth-0"[^>]*>1 Zorg', html)
    assert re.search(r'<h4 class="priority-heading depth-1"[^>]*>1.1 Kwetsbare', html)


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_has_header_cells_and_every_data_cell_points_at_them(reports, kind):
    elements = structure(reports[kind][1])
    tags = [tag for tag, _ in elements]
    assert tags.count("Table") >= 2
    header_ids = {
        str(element.ID) for tag, element in elements if tag == "TH" and "/ID" in element
    }
    cells = [element for tag, element in elements if tag == "TD"]
    assert cells and header_ids
    for cell in cells:
        headers = [str(h) for h in cell.A.get("/Headers", [])]
        assert headers, "a data cell without a header cell"
        assert set(headers) <= header_ids
    if kind != "agenda":
        # Row headers too: a count in the per-priority table belongs to a status
        # (its column) and a priority (its row).
        assert any(len(cell.A.Headers) == 2 for cell in cells)


def test_each_chart_is_a_figure_with_its_numbers_in_words(reports):
    html, content = reports["annual"]
    figures = [element for tag, element in structure(content) if tag == "Figure"]
    alts = [str(figure.Alt) for figure in figures]
    # The status bar and the two indicators with measurements.
    assert len(figures) == html.count('class="chart-image"') == 3
    assert alts[0] == (
        "Acties naar status op 31 december 2016: 18 acties, waarvan 13 loopt, "
        "5 risico / vertraagd"
    )
    # The indicator chart says what the pages' screen readers hear, not just its name.
    burglary = next(alt for alt in alts if alt.startswith(BURGLARY))
    assert burglary == reports["burglary-text"]
    assert "8.701" in burglary and "Uitgangswaarde 14.921" in burglary


def test_quarterly_status_chart_is_a_figure_too(reports):
    figures = [
        element
        for tag, element in structure(reports["quarterly"][1])
        if tag == "Figure"
    ]
    assert [str(f.Alt) for f in figures] == [
        "Acties naar status op 30 juni 2021: 32 acties, waarvan 7 afgerond, "
        "2 doorlopend, 18 loopt, 2 risico / vertraagd, 3 niet gestart"
    ]


# --- layout: no text out of its cell ----------------------------------------------------


def _layout(html: str):
    from weasyprint import HTML

    return HTML(
        string=html, base_url=STATIC_BASE, url_fetcher=StaticOnlyFetcher()
    ).render()


def _cells(document):
    """(cell box, its text boxes) for every table cell of every page."""
    from weasyprint.formatting_structure import boxes

    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TableCellBox):
                texts = [b for b in box.descendants() if isinstance(b, boxes.TextBox)]
                yield box, texts


@pytest.mark.parametrize("kind", ["annual", "agenda"])
def test_no_text_runs_out_of_its_table_cell(reports, kind):
    html = reports[kind][0]
    assert "Risico / vertraagd" in html or kind == "agenda"
    spilled = []
    for cell, texts in _cells(_layout(html)):
        right = cell.border_box_x() + cell.border_width()
        for text in texts:
            if text.position_x + text.width > right + 0.5:
                spilled.append(text.text)
    assert spilled == []


def test_latest_progress_gets_the_widest_column_of_the_agenda(reports):
    document = _layout(reports["agenda"][0])
    widths = {}
    for cell, texts in _cells(document):
        if cell.element_tag == "th" and texts:
            label = " ".join(t.text for t in texts)
            widths.setdefault(label, cell.border_width())
    table = sum(widths[label] for label in widths if label in HEADERS)
    assert widths["Laatste voortgang"] == max(widths[label] for label in HEADERS)
    assert widths["Laatste voortgang"] > 0.25 * table
    assert widths["Prioriteit"] > 0


HEADERS = ["Prioriteit", "Actie", "Trekker", "Deadline", "Status", "Laatste voortgang"]


# --- the fetcher serves the charts' data: URLs and nothing else ---------------------------


def test_fetcher_serves_chart_images_and_refuses_other_data_urls():
    fetcher = StaticOnlyFetcher()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    response = fetcher.fetch(CHART_DATA_PREFIX + base64.b64encode(svg).decode())
    assert response.read() == svg
    assert response.content_type == "image/svg+xml"
    for url in (
        "data:text/html;base64," + base64.b64encode(b"<p>x</p>").decode(),
        "data:image/svg+xml," + svg.decode(),
        "data:image/png;base64,iVBORw0KGgo=",
        CHART_DATA_PREFIX + "not base64!",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_chart_image_cannot_reach_a_local_file_through_its_own_links():
    from weasyprint import HTML

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        '<image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>'
    )
    fetcher = StaticOnlyFetcher()
    src = CHART_DATA_PREFIX + base64.b64encode(svg.encode()).decode()
    HTML(
        string=f'<html lang="nl"><body><img src="{src}" alt="x"></body></html>',
        base_url=STATIC_BASE,
        url_fetcher=fetcher,
    ).write_pdf()  # an SVG image's own links are fetched when it is drawn
    assert fetcher.served == [CHART_DATA_PREFIX]
    assert fetcher.refused == ["file:///etc/hostname"]
