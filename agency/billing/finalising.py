"""Invoices of record: finalising a draft (gapless number, entries locked, parties frozen) and cancelling
a finalised invoice with a cancellation invoice (Stornorechnung) — a finalised invoice is never edited.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from agency import audit, db
from agency.accounts.models import Agency, User, Workspace
from agency.billing.models import (
    AgencyBillingDetails,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceState,
)
from agency.billing.settings import agency_details, missing_details, workspace_billing
from agency.errors import ValidationError
from agency.timetracking.approval import mark_invoiced
from agency.timetracking.models import State, TimeEntry
from agency.timetracking.settings import today


def next_number(agency_id: int) -> str:
    """The agency's next invoice number, under a row lock held until the transaction ends.

    Called inside the finalising transaction: a second finalisation waits for the first's commit and then
    takes the following number; a rolled-back finalisation hands its number back. So numbers are unique,
    gapless and never reused.
    """
    db.advisory_lock("billing.agency_details", agency_id)
    details = db.session.scalar(select(AgencyBillingDetails).where(AgencyBillingDetails.agency_id == agency_id)
                                .with_for_update())
    if details is None:
        details = agency_details(agency_id)
        db.session.add(details)
    details.last_number = (details.last_number or 0) + 1
    db.session.flush()
    return f"{details.number_prefix}{details.last_number:05d}"


def seller_of(agency_id: int) -> dict:
    d = agency_details(agency_id)
    return {"name": d.legal_name, "street": d.street, "postcode": d.postcode, "city": d.city, "country": d.country,
            "tax_number": d.tax_number, "vat_id": d.vat_id, "email": d.email, "bank_name": d.bank_name,
            "iban": d.iban, "bic": d.bic, "footer": d.footer}


def buyer_of(workspace: Workspace) -> dict:
    s = workspace_billing(workspace)
    return {"name": s.client_name or workspace.name, "street": s.client_street, "postcode": s.client_postcode,
            "city": s.client_city, "country": s.client_country or "DE", "vat_id": s.client_vat_id,
            "email": s.billing_email}


def _lock(invoice: Invoice) -> Invoice:
    db.session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    db.session.refresh(invoice)
    return invoice


def finalise(actor: User, invoice: Invoice, *, on: date | None = None) -> Invoice:
    """Make a draft the invoice of record: number, date, frozen parties, entries locked — all or nothing."""
    _lock(invoice)
    if invoice.state != InvoiceState.DRAFT:
        raise ValidationError(_("This invoice is finalised already."))
    if not invoice.lines:
        raise ValidationError(_("An invoice needs at least one line."))
    missing = missing_details(agency_details(invoice.agency_id))
    if missing:
        raise ValidationError(_("Enter the agency's legal details (address and tax number or VAT ID) first."))
    workspace = db.session.get(Workspace, invoice.workspace_id)
    agency = db.session.get(Agency, invoice.agency_id)
    entry_ids = sorted({int(i) for line in invoice.lines for i in (line.entry_ids or [])})
    mark_invoiced(workspace, entry_ids, invoice.id)  # raises when any entry changed since drafting
    details = agency_details(invoice.agency_id)
    invoice.number = next_number(invoice.agency_id)
    invoice.issued_on = on or today(agency)
    invoice.due_on = invoice.issued_on + timedelta(days=details.payment_days)
    invoice.seller, invoice.buyer = seller_of(invoice.agency_id), buyer_of(workspace)
    invoice.state = InvoiceState.FINAL
    invoice.finalised_at, invoice.finalised_by_id = db.utcnow(), actor.id if actor else None
    db.session.flush()
    audit.record("billing.finalised", agency_id=invoice.agency_id, actor=actor, object_type="invoice",
                 object_id=invoice.id, details={"number": invoice.number, "gross_cents": invoice.gross_cents,
                                                "entries": len(entry_ids)})
    return invoice


def cancel(actor: User, invoice: Invoice, *, on: date | None = None) -> Invoice:
    """Cancel a finalised invoice with a cancellation invoice of its own number (every amount negated).

    The original stays as issued (state ``cancelled``); its time entries are free to be billed again.
    """
    _lock(invoice)
    if invoice.kind != InvoiceKind.INVOICE or invoice.state != InvoiceState.FINAL:
        raise ValidationError(_("Only a finalised invoice can be cancelled."))
    agency = db.session.get(Agency, invoice.agency_id)
    storno = Invoice(agency_id=invoice.agency_id, workspace_id=invoice.workspace_id, kind=InvoiceKind.CANCELLATION,
                     period_start=invoice.period_start, period_end=invoice.period_end, currency=invoice.currency,
                     locale=invoice.locale, vat_rate=invoice.vat_rate, reverse_charge=invoice.reverse_charge,
                     net_cents=-invoice.net_cents, vat_cents=-invoice.vat_cents, gross_cents=-invoice.gross_cents,
                     cancels_id=invoice.id, seller=invoice.seller, buyer=invoice.buyer, state=InvoiceState.DRAFT)
    for line in invoice.lines:
        storno.lines.append(InvoiceLine(
            agency_id=line.agency_id, workspace_id=line.workspace_id, position=line.position, kind=line.kind,
            description=line.description, minutes=-line.minutes if line.minutes is not None else None,
            quantity=-line.quantity, unit_cents=line.unit_cents, net_cents=-line.net_cents, entry_ids=[]))
    db.session.add(storno)
    db.session.flush()
    storno.number = next_number(invoice.agency_id)
    storno.issued_on = on or today(agency)
    storno.due_on = storno.issued_on
    storno.state = InvoiceState.FINAL
    storno.finalised_at, storno.finalised_by_id = db.utcnow(), actor.id if actor else None
    invoice.state = InvoiceState.CANCELLED
    db.session.execute(update(TimeEntry).where(TimeEntry.invoice_id == invoice.id,
                                               TimeEntry.workspace_id == invoice.workspace_id)
                       .values(state=State.APPROVED, invoice_id=None).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire_all()
    audit.record("billing.cancelled", agency_id=invoice.agency_id, actor=actor, object_type="invoice",
                 object_id=invoice.id, details={"number": invoice.number, "cancellation": storno.number})
    return storno
