"""Reads of billing for its pages and for the faces above it (portal, reports)."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import func, select

from agency import db
from agency.accounts.models import Agency, Workspace
from agency.billing.models import Invoice, InvoiceState


def invoiced_amount(workspace_id: int, year: int, month: int) -> tuple[int, str]:
    """Net cents invoiced for one workspace's month (finalised invoices less cancellations) and the currency."""
    first = date(int(year), int(month), 1)
    total = db.session.scalar(select(func.coalesce(func.sum(Invoice.net_cents), 0)).where(
        Invoice.workspace_id == workspace_id, Invoice.period_start == first,
        Invoice.state.in_([InvoiceState.FINAL, InvoiceState.CANCELLED])))
    workspace = db.session.get(Workspace, workspace_id)
    agency = db.session.get(Agency, workspace.agency_id) if workspace else None
    return int(total or 0), (agency.currency if agency else "EUR")


def portal_invoices(workspace_id: int) -> list[dict]:
    """The invoices a client user sees (finalised ones, newest first), with their download and pay links."""
    rows = db.session.scalars(select(Invoice).where(
        Invoice.workspace_id == workspace_id, Invoice.state != InvoiceState.DRAFT)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc()))
    return [{"number": i.number, "issued_on": i.issued_on, "total_cents": i.gross_cents, "currency": i.currency,
             "state": i.stripe_status or i.state,
             "pdf_url": url_for("billing.portal_invoice_pdf", invoice_id=i.id),
             "xml_url": url_for("billing.portal_invoice_xml", invoice_id=i.id),
             "pay_url": i.stripe_hosted_url if i.stripe_status == "open" else None} for i in rows]
