"""HTML to a tagged PDF (PDF/UA-1) with WeasyPrint, fetching nothing but our own static files and ``data:`` URLs.

Report pages carry text from strangers (comments, author names) and the account manager's commentary. All
of it is escaped or sanitized before it reaches the HTML; the fetcher is the second line: whatever URL still
reaches WeasyPrint (an ``<img>``, a CSS ``url()`` or ``@import``, a ``<link rel=attachment>``) is answered only
when it is a file of ``static/reports/`` under the document's own base URL or a ``data:`` URL. No network,
no ``file://``, no redirects (nothing is opened that could redirect); attachments are never added.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

STATIC_ROOT = (Path(__file__).resolve().parent.parent.parent / "static").resolve()
#: The base URL the report's HTML is rendered against; never resolved on a network.
BASE_URL = "https://report.invalid/"
_ALLOWED_DIRS = ("reports",)
_DATA_TYPES = {"image/svg+xml", "image/png", "image/jpeg", "font/ttf", "text/css"}


class RefusedURL(ValueError):
    """A URL the report may not fetch."""


class ReportURLFetcher(URLFetcher):
    """Serves ``https://report.invalid/static/reports/…`` from the project and ``data:`` URLs; refuses the rest."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            if url.startswith("data:"):
                return self._data(url)
            return self._static(url)
        except RefusedURL:
            self.refused.append(url[:200])
            raise

    def _data(self, url: str) -> URLFetcherResponse:
        header, _, payload = url[5:].partition(",")
        media_type = header.split(";")[0].strip().lower()
        if media_type not in _DATA_TYPES:
            raise RefusedURL(f"data URL of type {media_type!r}")
        body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
        return URLFetcherResponse(url, body, {"Content-Type": media_type})

    def _static(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or parts.query or not parts.path.startswith("/static/"):
            raise RefusedURL("not one of our static files")
        relative = unquote(parts.path[len("/static/"):])
        path = (STATIC_ROOT / relative).resolve()
        if not path.is_relative_to(STATIC_ROOT) or path.parts[len(STATIC_ROOT.parts)] not in _ALLOWED_DIRS \
                or not path.is_file():
            raise RefusedURL("not one of our static files")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            media_type = "font/ttf"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})


def render_pdf(html: str, *, extra_css: str = "", title: str = "", lang: str = "de") -> tuple[bytes, list[str]]:
    """The PDF of ``html`` (PDF/UA-1, tagged) and the URLs the fetcher refused."""
    fetcher = ReportURLFetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    stylesheets = [CSS(string=extra_css, base_url=BASE_URL, url_fetcher=fetcher)] if extra_css else []
    pdf = document.write_pdf(stylesheets=stylesheets, pdf_variant="pdf/ua-1", attachments=[])
    if fetcher.refused:
        log.warning("report PDF: refused %d URL(s), e.g. %s", len(fetcher.refused), fetcher.refused[0])
    return pdf, fetcher.refused
