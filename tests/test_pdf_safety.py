"""Plan content is typed by users: in a report it is text, and it fetches nothing.

A local HTTP server counts every request a report makes (it must stay at zero); file://
paths and attachment links must neither be read nor embedded (pdfdetach lists nothing).
"""

import datetime as dt
import http.server
import os
import shutil
import subprocess
import threading

import pytest

from actions.models import Status
from reports import pdf
from reports.fetcher import STATIC_BASE, StaticOnlyFetcher
from tests.factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MunicipalityFactory,
    PriorityFactory,
)

# Skipped only on a developer's machine without poppler; CI installs it and must run these.
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and os.environ.get("CI", "").lower() != "true",
    reason="poppler-utils is not installed (.ci/run installs it)",
)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        body = b"body { background: red }" if self.path.endswith(".css") else b"GIF89a"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _payloads(port: int) -> list[str]:
    base = f"http://127.0.0.1:{port}"
    return [
        '<img src="file:///etc/passwd">',
        f'<img src="{base}/img.gif">',
        f'<div style="background: url({base}/background.gif)">x</div>',
        f"<style>@import url({base}/import.css);</style>",
        f'<link rel="stylesheet" href="{base}/link.css">',
        '<a rel="attachment" href="file:///etc/hostname">bijlage</a>',
        f'<a rel="attachment" href="{base}/attachment.txt">bijlage</a>',
        f'<svg><image href="{base}/svg-image.gif"/></svg>',
    ]


def _attachments(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, check=True, text=True
    ).stdout


def _text(content: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return " ".join(out.split())


@pytest.fixture
def hostile_plan(http_server):
    """A plan whose every text field holds markup that would fetch something."""
    payload = " ".join(_payloads(http_server.server_address[1]))
    municipality = MunicipalityFactory(name="Gemeente " + payload[:150])
    priority = PriorityFactory(
        plan__title="Plan " + payload[:250],
        plan__description=payload,
        plan__start_year=2021,
        plan__end_year=2021,
        plan__municipalities=[municipality],
        title="Prioriteit " + payload[:250],
        objective=payload,
    )
    plan = priority.plan
    agreement = AgreementFactory(
        priority=priority, text=payload, expected_result=payload
    )
    agreement.results.create(year=2021, text=payload, assessment="partly")
    action = ActionFactory(
        priority=priority,
        agreement=agreement,
        title="Actie " + payload[:400],
        description=payload,
        owner_role=payload[:250],
        deadline=dt.date(2021, 3, 1),
    )
    action.progress_updates.create(
        date=dt.date(2021, 2, 1), status=Status.AT_RISK, text=payload
    )
    indicator = IndicatorFactory(plan=plan, name="Indicator " + payload[:150], unit="%")
    MeasurementFactory(indicator=indicator, year=2020, value=10)
    MeasurementFactory(indicator=indicator, year=2021, value=8)
    meeting = MeetingFactory(
        title="Driehoek " + payload[:150], notes=payload, date=dt.date(2021, 6, 17)
    )
    meeting.plans.add(plan)
    action.meetings.add(meeting)
    return plan, meeting


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["annual", "quarterly", "agenda"])
def test_markup_typed_into_plan_fields_prints_as_text_and_fetches_nothing(
    hostile_plan, http_server, tmp_path, kind
):
    plan, meeting = hostile_plan
    if kind == "annual":
        content = pdf.annual_report_pdf(plan, year=2021)
    elif kind == "quarterly":
        content = pdf.quarterly_report_pdf(plan, year=2021, quarter=1)
    else:
        content = pdf.agenda_pdf(meeting)
    assert http_server.requests == []
    assert "0 embedded files" in _attachments(content, tmp_path)
    # Long markup wraps inside table cells: compare without the spaces.
    text = _text(content).replace(" ", "")
    assert '<imgsrc="file:///etc/passwd">' in text
    assert '<arel="attachment"href="file:///etc/hostname">bijlage</a>' in text
    assert "root:x:0:0" not in text


@pytest.mark.django_db
def test_the_fetcher_alone_stops_markup_that_escaped_the_templates(
    http_server, tmp_path
):
    """Should a template ever print user text unescaped, the fetcher still loads nothing."""
    port = http_server.server_address[1]
    html = (
        '<html lang="nl"><head><title>t</title>'
        f'<link rel="stylesheet" href="{STATIC_BASE}reports/pdf/report.css">'
        f'<link rel="stylesheet" href="{STATIC_BASE}../../../etc/passwd">'
        f'<link rel="stylesheet" href="{STATIC_BASE}%2e%2e/%2e%2e/etc/passwd">'
        "</head><body>" + "".join(_payloads(port)) + "</body></html>"
    )
    content = pdf.html_to_pdf(html)
    assert http_server.requests == []
    assert "0 embedded files" in _attachments(content, tmp_path)


def test_fetcher_serves_our_static_files_and_refuses_everything_else():
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch(STATIC_BASE + "reports/pdf/report.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        STATIC_BASE + "../settings.py",
        STATIC_BASE + "%2e%2e/%2e%2e/etc/passwd",
        STATIC_BASE + "/etc/passwd",
        STATIC_BASE + "reports/pdf/missing.css",
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.served == ["reports/pdf/report.css"]
    assert len(fetcher.refused) == 7


@pytest.mark.django_db
def test_a_report_with_too_many_actions_is_refused_with_a_dutch_message(monkeypatch):
    priority = PriorityFactory(plan__start_year=2021, plan__end_year=2021)
    ActionFactory.create_batch(4, priority=priority)
    monkeypatch.setattr(pdf, "MAX_ACTIONS", 3)
    with pytest.raises(
        pdf.ReportTooLarge, match="zou 4 acties bevatten, meer dan de 3"
    ):
        pdf.annual_report_pdf(priority.plan, year=2021)


@pytest.mark.django_db
def test_a_report_with_too_many_pages_is_refused(monkeypatch):
    priority = PriorityFactory(plan__start_year=2021, plan__end_year=2021)
    ActionFactory.create_batch(3, priority=priority)
    monkeypatch.setattr(pdf, "MAX_PAGES", 2)
    with pytest.raises(pdf.ReportTooLarge, match="pagina's tellen, meer dan de 2"):
        pdf.annual_report_pdf(priority.plan, year=2021)


@pytest.mark.django_db
def test_a_report_over_its_time_budget_is_stopped(monkeypatch):
    priority = PriorityFactory(plan__start_year=2021, plan__end_year=2021)
    ActionFactory(priority=priority)
    monkeypatch.setattr(pdf, "TIME_BUDGET_SECONDS", 0.0)
    with pytest.raises(
        pdf.ReportTooLarge, match="duurde langer dan 0 seconden en is gestopt"
    ):
        pdf.annual_report_pdf(priority.plan, year=2021)
