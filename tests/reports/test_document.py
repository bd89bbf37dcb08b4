"""The report document: the PDF's text, pages and tags, and hostile content that stays inert."""

from __future__ import annotations

import http.server
import io
import subprocess
import threading
from datetime import UTC, datetime

import pypdf
import pytest

from agency import db
from agency.reports import metrics, pdf, render
from tests.reports.conftest import MONTH, add_item, berlin

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def test_pdf_has_the_key_figures_summary_and_pages(seeded, tmp_path):
    seeded.workspace.locale = "en"
    figures = metrics.month_figures(seeded.workspace, MONTH, now=NOW)
    data = render.render_pdf_bytes(figures, seeded.workspace, MONTH,
                                   commentary="A **good** month.")
    (tmp_path / "report.pdf").write_bytes(data)
    text = pdf_text(data)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert "Alpha Client" in text and "October 2026" in text
    assert "Your channels received 24 interactions" in text
    assert f"Page 2 of {len(reader.pages)}" in text
    assert "A good month." in text
    assert len(reader.pages) >= 5
    # Tagged: a structure tree and the PDF/UA identification.
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()


def _hostile(base: str) -> list[str]:
    return [
        f'<script>alert(1)</script><img src="{base}/img.png"><link rel="attachment" href="file:///etc/passwd">',
        f'<style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png") }}</style>',
        f'<p style="background:url({base}/inline.png)">x</p><object data="{base}/obj"></object>',
        '<a href="file:///etc/passwd">passwd</a><img src="file:///etc/passwd"><iframe src="file:///etc/hostname">',
    ]


def _assert_inert(data: bytes, hits: list[str]) -> None:
    assert hits == []
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    assert b"/EmbeddedFile" not in data
    assert "root:x:0" not in pdf_text(data)


def test_hostile_content_is_neither_fetched_nor_embedded(seeded, recorder):
    base, hits = recorder
    ws = seeded.workspace
    snippets = _hostile(base)
    for snippet in snippets:  # twice each: a "frequent question" the report quotes
        for _ in range(2):
            add_item(ws, seeded.channels[0], berlin(2026, 10, 21, 10, 0), text=snippet + " Warum?", question=True)
    add_item(ws, seeded.channels[0], berlin(2026, 10, 21, 11, 0), text="hi")
    ws.name = f'<img src="{base}/workspace.png">Alpha'
    seeded.channels[0].name = f'<link rel=stylesheet href="{base}/channel.css">'
    db.session.flush()
    figures = metrics.month_figures(ws, MONTH, now=NOW)
    assert any("<script>" in q["text"] for q in figures["topics"]["questions"])  # quoted, as text
    commentary = "\n\n".join([*snippets, f"![remote]({base}/md.png)", "[local](file:///etc/passwd)",
                              f'<link rel="attachment" href="{base}/attach">'])
    data = render.render_pdf_bytes(figures, ws, MONTH, commentary=commentary, next_steps=commentary,
                                   author_name=f'<img src="{base}/author.png">')
    _assert_inert(data, hits)
    assert "<script>alert(1)</script>" in pdf_text(data).replace("\n", "")  # shown as text, never run


def test_the_fetcher_refuses_whatever_reaches_it(recorder):
    """The second line: raw hostile HTML straight into the renderer still fetches and embeds nothing."""
    base, hits = recorder
    html = ("<html lang=en><head><title>t</title>"
            f'<link rel="stylesheet" href="{base}/x.css"><link rel="stylesheet" href="/static/css/app.css">'
            '<link rel="stylesheet" href="/static/reports/../../agency/config.py"></head><body>'
            + "".join(_hostile(base)) + f'<h1>x</h1><img src="{base}/redirect" alt="r"></body></html>')
    data, refused = pdf.render_pdf(html)
    _assert_inert(data, hits)
    assert any("file:///etc/passwd" in url for url in refused) and any(base in url for url in refused)
    assert any("app.css" in url for url in refused)  # only static/reports/ is served


@pytest.mark.parametrize(("address_form", "heading"), [("sie", "Was wir von Ihnen brauchen"),
                                                       ("du", "Was wir von dir brauchen")])
def test_a_german_report_speaks_german_and_keeps_its_key_figures_on_the_summary_page(seeded, address_form, heading):
    """The address-form texts were missing from the catalogue (the German PDF said "What we need from you"), and a
    long commentary pushed the key figures pages away from the summary."""
    seeded.workspace.locale, seeded.workspace.address_form = "de", address_form
    figures = metrics.month_figures(seeded.workspace, MONTH, now=NOW)
    commentary = "\n\n".join(f"## Abschnitt {n}\n\n" + "Ein langer Absatz über den Monat. " * 60 for n in range(6))
    data = render.render_pdf_bytes(figures, seeded.workspace, MONTH, commentary=commentary)
    text = pdf_text(data)
    assert heading in text and "What we need" not in text and "informal:" not in text
    assert "Min.." not in text and "Std.." not in text  # "betrug 0 Min.." had two points
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    summary_page = next(p for p in pages if "Zusammenfassung und Kennzahlen" in p and "MONATSBERICHT" not in p)
    assert "3-Monats-Durchschnitt" in summary_page  # the key figures table's header
