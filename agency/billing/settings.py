"""The agency's legal details and each client's billing settings: read with defaults, saved by services."""

from __future__ import annotations

from sqlalchemy import select

from agency import audit, db
from agency.accounts.models import Agency, User, Workspace
from agency.billing.models import AgencyBillingDetails, BillingModel, Grouping, WorkspaceBilling


def agency_details(agency_id: int) -> AgencyBillingDetails:
    """The agency's details (an unsaved blank row when none were entered yet)."""
    found = db.session.scalar(select(AgencyBillingDetails).where(AgencyBillingDetails.agency_id == agency_id))
    if found is not None:
        return found
    agency = db.session.get(Agency, agency_id)
    return AgencyBillingDetails(agency_id=agency_id, legal_name=agency.name if agency else "", street="",
                                postcode="", city="", country="DE", tax_number="", vat_id="", email="",
                                bank_name="", iban="", bic="", footer="", number_prefix="RE-", payment_days=14,
                                last_number=0)


def missing_details(details: AgencyBillingDetails) -> list[str]:
    """Fields §14 (4) UStG needs that are still empty (names of the form fields)."""
    missing = [name for name in ("legal_name", "street", "postcode", "city") if not getattr(details, name)]
    if not details.tax_number and not details.vat_id:
        missing.append("tax_number")
    return missing


def save_agency_details(actor: User, agency_id: int, **values) -> AgencyBillingDetails:
    """Store the agency's legal details (numbers already handed out are never touched here)."""
    db.advisory_lock("billing.agency_details", agency_id)
    details = db.session.scalar(select(AgencyBillingDetails).where(AgencyBillingDetails.agency_id == agency_id))
    if details is None:
        details = agency_details(agency_id)
        db.session.add(details)
    for name, value in values.items():
        if name in ("last_number", "id", "agency_id"):
            continue
        setattr(details, name, value)
    db.session.flush()
    audit.record("billing.details_saved", agency_id=agency_id, actor=actor, details={"fields": sorted(values)})
    return details


def workspace_billing(workspace: Workspace) -> WorkspaceBilling:
    found = db.session.scalar(select(WorkspaceBilling).where(WorkspaceBilling.workspace_id == workspace.id))
    if found is not None:
        return found
    return WorkspaceBilling(agency_id=workspace.agency_id, workspace_id=workspace.id, model=BillingModel.HOURLY,
                            fee_cents=0, overage_cents_per_hour=None, vat_rate=1900, reverse_charge=False,
                            grouping=Grouping.ACTIVITY, client_name=workspace.name, client_street="",
                            client_postcode="", client_city="", client_country=workspace.country or "DE",
                            client_vat_id="", billing_email="", stripe_customer_id=None)


def billing_of_workspaces(workspace_ids: list[int]) -> dict[int, WorkspaceBilling]:
    if not workspace_ids:
        return {}
    rows = db.session.scalars(select(WorkspaceBilling).where(WorkspaceBilling.workspace_id.in_(workspace_ids)))
    return {row.workspace_id: row for row in rows}


def save_workspace_billing(actor: User | None, workspace: Workspace, **values) -> WorkspaceBilling:
    """Store a client's billing model, VAT and recipient details."""
    from flask_babel import gettext as _

    from agency.errors import ValidationError

    if values.get("reverse_charge"):
        values["vat_rate"] = 0
        if not values.get("client_vat_id"):
            raise ValidationError(_("Reverse charge needs the client's VAT ID."), "client_vat_id")
    db.advisory_lock("billing.workspace_settings", workspace.id)
    row = db.session.scalar(select(WorkspaceBilling).where(WorkspaceBilling.workspace_id == workspace.id))
    if row is None:
        row = workspace_billing(workspace)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.flush()
    audit.record("billing.workspace_saved", agency_id=workspace.agency_id, actor=actor, obj=workspace,
                 details={"model": row.model, "vat_rate": row.vat_rate, "reverse_charge": row.reverse_charge})
    return row
