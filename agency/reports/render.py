"""Rendering a report: the template in the workspace's language, to HTML (web view) or a tagged PDF."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from agency import db
from agency.accounts.models import Agency, Workspace
from agency.reports import document, pdf

KIND_LABELS = {"comment": _l("Comments"), "reply": _l("Replies in threads"), "direct_message": _l("Direct messages"),
               "review": _l("Reviews"), "mention": _l("Mentions")}
TARGET_LABELS = {"first_response": _l("First response"), "next_response": _l("Next response"),
                 "resolution": _l("Resolution")}
MODERATION_LABELS = {"hidden": _l("Hidden"), "deleted": _l("Deleted"), "banned": _l("Authors banned")}


def _parse_day(value: str | None) -> date | None:
    return datetime.fromisoformat(value).date() if value else None


def locale_of(workspace: Workspace, agency: Agency) -> str:
    return workspace.locale or agency.default_locale or "de"


def context(figures: dict[str, Any], workspace: Workspace, month: date, *, commentary: str = "",
            next_steps: str = "", author_name: str = "", status: str = "draft") -> dict[str, Any]:
    """The template context in the workspace's language (call inside ``force_locale``)."""
    agency = db.session.get(Agency, workspace.agency_id)
    found = document.document_context(figures, workspace=workspace, agency=agency, month=month,
                                      commentary=commentary, next_steps=next_steps,
                                      author_name=author_name, status=status)
    found.update(kind_labels=KIND_LABELS, target_labels=TARGET_LABELS, moderation_labels=MODERATION_LABELS,
                 parse_day=_parse_day)
    return found


def render_document_html(figures: dict[str, Any], workspace: Workspace, month: date, **options) -> Markup:
    """The report as a fragment for a web page (``templates/reports/document.html``, autoescaped)."""
    agency = db.session.get(Agency, workspace.agency_id)
    with force_locale(locale_of(workspace, agency)):
        html = render_template("reports/document.html", **context(figures, workspace, month, **options))
    return Markup(html)  # noqa: S704 - the output of an autoescaping template


def render_pdf_bytes(figures: dict[str, Any], workspace: Workspace, month: date, **options) -> bytes:
    """The report as a PDF/UA-1 document (WeasyPrint with the report's URL fetcher)."""
    html, css, locale = render_pdf_html(figures, workspace, month, **options)
    data, _refused = pdf.render_pdf(html, extra_css=css, lang=locale)
    return data


def render_pdf_html(figures: dict[str, Any], workspace: Workspace, month: date, **options) -> tuple[str, str, str]:
    """The PDF's final HTML, its page stylesheet and its language (the benchmark renders these alone too)."""
    agency = db.session.get(Agency, workspace.agency_id)
    locale = locale_of(workspace, agency)
    with force_locale(locale):
        html = render_template("reports/pdf.html", **context(figures, workspace, month, **options))
    return html, document.page_css(locale, agency.primary_color or "#2f5d8a"), locale
