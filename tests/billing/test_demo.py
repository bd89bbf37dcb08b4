"""The demo has paid invoices for the month before last, drafts for last month, and leaves the first client's
last month for the visitor to bill."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.accounts.models import Agency, Workspace
from agency.billing.einvoice import invoice_xml
from agency.billing.models import Invoice, InvoiceState


def test_demo_seed(app):
    from agency.demo import DEMO_AGENCY_SLUG, seed_demo

    assert seed_demo()
    agency = db.session.scalar(select(Agency).where(Agency.slug == DEMO_AGENCY_SLUG))
    workspaces = list(db.session.scalars(select(Workspace).where(Workspace.agency_id == agency.id)
                                         .order_by(Workspace.id)))
    invoices = list(db.session.scalars(select(Invoice).where(Invoice.agency_id == agency.id)))
    final = [i for i in invoices if i.state == InvoiceState.FINAL]
    drafts = [i for i in invoices if i.state == InvoiceState.DRAFT]
    assert final and all(i.stripe_status == "paid" and i.gross_cents > 0 for i in final)
    assert sorted(i.number for i in final) == [f"NS-{n:05d}" for n in range(1, len(final) + 1)]
    assert drafts and workspaces[0].id not in {i.workspace_id for i in drafts}
    assert max(i.period_start for i in drafts) > max(i.period_start for i in final)
    for invoice in final:
        assert invoice_xml(invoice)  # valid against the schema
    reverse = [i for i in invoices if i.reverse_charge]
    assert reverse and all(i.vat_cents == 0 for i in reverse)
