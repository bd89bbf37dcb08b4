"""Demo data of billing: the agency's legal details and rates, a billing model per client, finalised and paid
invoices for the month before last, drafts for last month — except the first client's, which is left for the
visitor to draft, edit, finalise and send."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from agency import db
from agency.accounts.models import Agency, Role, User, Workspace
from agency.billing import drafting, finalising, rates
from agency.billing.models import Invoice, SendState, StripeState
from agency.billing.settings import save_agency_details, save_workspace_billing
from agency.timetracking.approval import approve_period
from agency.timetracking.budgets import month_end
from agency.timetracking.settings import today

DETAILS = {
    "legal_name": "Nordlicht Social GmbH", "street": "Große Elbstraße 145", "postcode": "22767", "city": "Hamburg",
    "country": "DE", "tax_number": "43/765/01234", "vat_id": "DE298765432", "email": "rechnungen@nordlicht.demo",
    "bank_name": "Hamburger Sparkasse", "iban": "DE02200505501015871393", "bic": "HASPDEHHXXX",
    "footer": "Nordlicht Social GmbH · Geschäftsführerin: Carla Brandt · Amtsgericht Hamburg HRB 178432",
    "number_prefix": "NS-", "payment_days": 14,
}
CLIENTS = [
    # model, monthly fee (cents), overage rate, VAT, reverse charge, client VAT id, street, postcode, city, country
    ("retainer", 180000, 9500, 1900, False, "", "Hauptstraße 21", "80331", "München", "DE"),
    ("hourly", 0, None, 1900, False, "", "Königsallee 60", "40212", "Düsseldorf", "DE"),
    ("hourly", 0, None, 0, True, "ATU57381925", "Mariahilfer Straße 88", "1070", "Wien", "AT"),
]


def seed(agency: Agency, workspaces: list[Workspace]) -> int:
    """Seed billing once for the demo agency; returns the number of invoices written."""
    if db.session.scalar(select(Invoice.id).where(Invoice.agency_id == agency.id).limit(1)) is not None:
        return 0
    owner = db.session.scalar(select(User).where(User.agency_id == agency.id, User.role == Role.OWNER))
    save_agency_details(owner, agency.id, **DETAILS)
    rates.set_rate(agency.id, cents_per_hour=9500, valid_from=date(2024, 1, 1))
    rates.set_rate(agency.id, cents_per_hour=9900, valid_from=date(2026, 1, 1))
    for workspace, client in zip(workspaces, CLIENTS, strict=False):
        model, fee, overage, vat, reverse, vat_id, street, postcode, city, country = client
        save_workspace_billing(owner, workspace, model=model, fee_cents=fee, overage_cents_per_hour=overage,
                               vat_rate=vat, reverse_charge=reverse, client_vat_id=vat_id,
                               grouping="staff" if workspace is workspaces[-1] else "activity",
                               client_name=f"{workspace.name} GmbH", client_street=street,
                               client_postcode=postcode, client_city=city, client_country=country,
                               billing_email=f"buchhaltung@{workspace.slug}.demo")
    if len(workspaces) > 1:
        rates.set_rate(agency.id, cents_per_hour=11500, valid_from=date(2026, 1, 1), workspace_id=workspaces[1].id)
    current = today(agency)
    last_month = (current.replace(day=1) - timedelta(days=1)).replace(day=1)
    before = (last_month - timedelta(days=1)).replace(day=1)
    written = 0
    for month in (before, last_month):
        for workspace in workspaces:
            approve_period(owner, workspace, month, month_end(month))
    for workspace in workspaces:
        invoice = drafting.draft_month(owner, workspace, before)
        if invoice is None:
            continue
        finalising.finalise(owner, invoice, on=last_month + timedelta(days=2))
        invoice.send_state, invoice.stripe_status = SendState.SENT, StripeState.PAID
        invoice.paid_at = db.utcnow() - timedelta(days=12)
        written += 1
    for workspace in workspaces[1:]:
        if drafting.draft_month(owner, workspace, last_month) is not None:
            written += 1
    db.session.flush()
    return written
