"""Invoices and monthly reports (read): lists, one item, and their files (invoice PDF and XRechnung/ZUGFeRD
XML, the published report PDF). Invoices need the role's ``billing.manage``, as on the billing pages."""

from __future__ import annotations

from datetime import date

from flask import Response
from flask_login import current_user
from sqlalchemy import select

from agency import db
from agency.accounts.models import Workspace
from agency.accounts.permissions import can
from agency.accounts.tenancy import get_scoped_or_404, visible_workspace_ids
from agency.api import schemas as s
from agency.api.framework import ApiError, operation
from agency.api.views import bp, require
from agency.billing.models import Invoice, SendState
from agency.reports.models import Report, ReportStatus

STRIPE_STATES = ("open", "paid", "void", "uncollectible")
OUR_STATES = ("draft", "final", "cancelled")


def invoice_out(inv: Invoice, model: type[s.Invoice] = s.Invoice, **extra) -> s.Invoice:
    return model(id=inv.id, workspace_id=inv.workspace_id, kind=inv.kind, state=inv.state, number=inv.number,
                 issued_on=inv.issued_on, due_on=inv.due_on, period_start=inv.period_start,
                 period_end=inv.period_end, currency=inv.currency, vat_rate=inv.vat_rate,
                 reverse_charge=inv.reverse_charge, net_cents=inv.net_cents, vat_cents=inv.vat_cents,
                 gross_cents=inv.gross_cents, cancels_id=inv.cancels_id, send_state=inv.send_state,
                 stripe_status=inv.stripe_status, paid_at=inv.paid_at, finalised_at=inv.finalised_at, **extra)


def _month(value: str | None) -> date | None:
    return date(int(value[:4]), int(value[5:7]), 1) if value else None


def _file_name(inv: Invoice) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in inv.number or str(inv.id))


def _invoice(invoice_id: int) -> Invoice:
    # As on the billing pages (``hide=True``): without the permission an invoice does not exist.
    if not can(current_user, "billing.manage"):
        raise ApiError(404, "not_found", "No such invoice.")
    return get_scoped_or_404(Invoice, invoice_id)


def _issued_invoice(invoice_id: int) -> Invoice:
    inv = _invoice(invoice_id)
    if inv.number is None:  # a draft has no document yet
        raise ApiError(404, "not_found", "A draft has no PDF or XML; finalise it first.")
    return inv


@operation(bp, "/invoices", "GET", area="billing", access="read", tag="Billing",
           summary="Invoices of the workspaces you work in, newest first", query=s.InvoiceQuery,
           response=s.InvoiceList)
def list_invoices(query: s.InvoiceQuery):
    require("billing.manage")
    ids = visible_workspace_ids()
    if query.workspace is not None:
        ids = [get_scoped_or_404(Workspace, query.workspace).id]
    stmt = select(Invoice).where(Invoice.workspace_id.in_(list(ids)))
    if query.state in OUR_STATES:
        stmt = stmt.where(Invoice.state == query.state)
    elif query.state in STRIPE_STATES:
        stmt = stmt.where(Invoice.stripe_status == query.state)
    elif query.state == "failed":
        stmt = stmt.where(Invoice.send_state == SendState.FAILED)
    first, last = _month(query.period_from), _month(query.period_to)
    if first and last and first > last:
        raise ApiError(422, "invalid", "period_from must not be after period_to.", {"period_from": "after period_to"})
    if first:
        stmt = stmt.where(Invoice.period_start >= first)
    if last:
        stmt = stmt.where(Invoice.period_start <= last)
    rows = list(db.session.scalars(stmt.order_by(Invoice.period_start.desc(), Invoice.id.desc())
                                   .limit(query.limit + 1)))
    return s.InvoiceList(items=[invoice_out(inv) for inv in rows[:query.limit]], more=len(rows) > query.limit)


@operation(bp, "/invoices/<int:invoice_id>", "GET", area="billing", access="read", tag="Billing",
           summary="One invoice with its lines", response=s.InvoiceDetail)
def get_invoice(invoice_id: int):
    inv = _invoice(invoice_id)
    lines = [s.InvoiceLine(position=line.position, kind=line.kind, description=line.description,
                           minutes=line.minutes, quantity=line.quantity, unit_cents=line.unit_cents,
                           net_cents=line.net_cents) for line in inv.lines]
    return invoice_out(inv, s.InvoiceDetail, lines=lines)


@operation(bp, "/invoices/<int:invoice_id>/pdf", "GET", area="billing", access="read", tag="Billing",
           summary="The invoice's PDF (finalised invoices only)", media_type="application/pdf")
def invoice_pdf(invoice_id: int):
    from agency.billing.pdf import invoice_pdf as render

    inv = _issued_invoice(invoice_id)
    return Response(render(inv), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{_file_name(inv)}.pdf"', "Cache-Control": "private, no-store"})


@operation(bp, "/invoices/<int:invoice_id>/xml", "GET", area="billing", access="read", tag="Billing",
           summary="The invoice's e-invoice XML (finalised invoices only)", media_type="application/xml")
def invoice_xml(invoice_id: int):
    from agency.billing.einvoice import invoice_xml as render

    inv = _issued_invoice(invoice_id)
    return Response(render(inv), mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{_file_name(inv)}.xml"', "Cache-Control": "private, no-store"})


def report_out(report: Report, model: type[s.Report] = s.Report, **extra) -> s.Report:
    return model(id=report.id, workspace_id=report.workspace_id, month=report.month_key, status=report.status,
                 generated_at=report.generated_at, published_at=report.published_at,
                 checksum=report.checksum if report.is_published else None, **extra)


@operation(bp, "/workspaces/<int:workspace_id>/reports", "GET", area="reports", access="read", tag="Reports",
           summary="The monthly reports of a workspace, newest first", response=s.ReportList)
def list_reports(workspace_id: int):
    ws = get_scoped_or_404(Workspace, workspace_id)
    reports = db.session.scalars(select(Report).where(Report.workspace_id == ws.id).order_by(Report.month.desc()))
    return s.ReportList(items=[report_out(r) for r in reports])


@operation(bp, "/reports/<int:report_id>", "GET", area="reports", access="read", tag="Reports",
           summary="One report with its figures and commentary", response=s.ReportDetail)
def get_report(report_id: int):
    report = get_scoped_or_404(Report, report_id)
    return report_out(report, s.ReportDetail, commentary=report.commentary, next_steps=report.next_steps,
                      figures=dict(report.figures or {}))


@operation(bp, "/reports/<int:report_id>/pdf", "GET", area="reports", access="read", tag="Reports",
           summary="The published report's PDF, exactly as published (checked against its checksum)",
           media_type="application/pdf")
def report_pdf(report_id: int):
    from agency.reports import services

    report = get_scoped_or_404(Report, report_id)
    if report.status != ReportStatus.PUBLISHED:
        raise ApiError(404, "not_found", "Only a published report has a PDF here.")
    return Response(services.published_pdf(report), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="report-{report.workspace_id}-{report.month_key}.pdf"',
        "Cache-Control": "private, no-store"})
