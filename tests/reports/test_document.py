"""The report document: the PDF's text, pages and tags, and hostile content that stays inert."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime

import pypdf

from agency.reports import metrics, render
from tests.reports.conftest import MONTH

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
