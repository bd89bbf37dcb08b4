"""Sending an invoice of record to Stripe for payment, so that no client is ever billed twice.

Every POST carries an idempotency key derived from our ids; the Stripe ids are committed as soon as they
exist; and before creating anything a step looks for what an earlier, interrupted attempt may have
created (the customer and invoice by their metadata, the items by the lines' ids). So a timeout after
Stripe accepted, a crash between any two steps, a retry days later (idempotency keys expire after 24 h)
or a double click all end with one Stripe invoice carrying our number.

The steps: customer (create, or reuse and bring up to date: name, e-mail, address, language, VAT id) → draft
invoice (``pending_invoice_items_behavior=exclude``, our number, reverse-charge footer) → one item per line
and one per VAT rate, each with ``invoice=`` → check the total → finalize → send by e-mail with days until
due, or — where the client stored a payment method with Stripe — charge it
(``collection_method=charge_automatically``, one ``pay`` per invoice; a declined card leaves the invoice open
with its payment link and says so). A failure records the reason and leaves ``send_state = failed`` with a
retry; the invoice never looks sent before Stripe has sent it.
"""

from __future__ import annotations

import hashlib
import json
import logging

import stripe
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from agency import audit, db
from agency.accounts.models import Workspace
from agency.billing import money
from agency.billing.einvoice import REVERSE_CHARGE_NOTE_DE, percent
from agency.billing.models import Invoice, InvoiceKind, InvoiceState, SendState, StripeState, WorkspaceBilling
from agency.billing.settings import workspace_billing
from agency.billing.signals import invoice_paid
from agency.errors import ValidationError

log = logging.getLogger(__name__)
META_INVOICE = "agency_invoice_id"
META_WORKSPACE = "agency_workspace_id"
META_LINE = "agency_line"
#: Where a Stripe status may move: ``paid`` after ``uncollectible`` is Stripe's own (a late payment).
RANK = {StripeState.DRAFT: 0, StripeState.OPEN: 1, StripeState.UNCOLLECTIBLE: 2, StripeState.PAID: 3,
        StripeState.VOID: 3}


class NotConfigured(Exception):
    pass


_clients: dict[tuple[str, str], stripe.StripeClient] = {}


def client() -> stripe.StripeClient:
    """The SDK client for the configured key and base URL (the local double in tests and the demo); one per
    setting, so its HTTP connections are kept and reused."""
    config = current_app.config["AGENCY"]
    if not config.stripe_api_key:
        raise NotConfigured("STRIPE_API_KEY is not set")
    key = (config.stripe_api_key, config.stripe_api_base)
    if key not in _clients:
        _clients[key] = stripe.StripeClient(config.stripe_api_key, base_addresses={"api": config.stripe_api_base},
                                            max_network_retries=0)
    return _clients[key]


def _key(invoice: Invoice, step: str) -> str:
    return f"agency-{invoice.agency_id}-invoice-{invoice.id}-{step}"


def _commit() -> None:
    """Commit a step's outcome (the Stripe id) at once: a crash after this point keeps it."""
    db.session.commit()


def can_send(invoice: Invoice) -> bool:
    return (invoice.kind == InvoiceKind.INVOICE and invoice.state == InvoiceState.FINAL and invoice.gross_cents > 0
            and invoice.send_state != SendState.SENT)


def start_sending(actor, invoice: Invoice) -> None:
    """Mark an invoice as being sent (the job does the work); a second click finds it sending already."""
    db.session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    db.session.refresh(invoice)
    if not can_send(invoice):
        raise ValidationError(_("This invoice cannot be sent (again)."))
    if invoice.send_state == SendState.SENDING:
        return
    invoice.send_state, invoice.send_error = SendState.SENDING, ""
    db.session.flush()
    audit.record("billing.send_requested", agency_id=invoice.agency_id, actor=actor, object_type="invoice",
                 object_id=invoice.id, details={"number": invoice.number})


def send(invoice_id: int, agency_id: int) -> Invoice:
    """Do (or finish) sending one invoice to Stripe. Commits after each step; raises nothing the caller must
    handle: a failure is stored on the invoice (``failed`` with the reason) and committed."""
    with db.tenant(db.session(), agency_id):
        invoice = db.session.get(Invoice, invoice_id)
        if invoice is None or invoice.agency_id != agency_id:
            return None
        if invoice.send_state == SendState.SENT:
            return invoice
        try:
            _send_steps(invoice)
        except (stripe.StripeError, NotConfigured, ValidationError) as error:
            db.session.rollback()
            invoice = db.session.get(Invoice, invoice_id)
            invoice.send_state = SendState.FAILED
            invoice.send_error = _error_text(error)[:500]
            log.warning("sending invoice %s to Stripe failed: %s", invoice_id, invoice.send_error)
            _commit()
        return invoice


def _error_text(error: Exception) -> str:
    if isinstance(error, stripe.APIConnectionError):
        return _("Stripe did not answer (%(detail)s). Retry: nothing is billed twice.",
                 detail=str(error.user_message or error)[:200])
    if isinstance(error, stripe.StripeError):
        return _("Stripe refused: %(message)s", message=str(error.user_message or error)[:300])
    return getattr(error, "message", None) or str(error)


def _send_steps(invoice: Invoice) -> None:
    sdk = client()
    workspace = db.session.get(Workspace, invoice.workspace_id)
    setup = _settings_row(workspace)
    customer = _customer(sdk, invoice, workspace, setup)
    customer_id = customer.id
    stripe_invoice = _stripe_invoice(sdk, invoice, customer_id, automatic=_has_payment_method(customer))
    if stripe_invoice.status == "draft":
        _items(sdk, invoice, stripe_invoice, customer_id)
        stripe_invoice = sdk.v1.invoices.retrieve(stripe_invoice.id)
        if stripe_invoice.amount_due != invoice.gross_cents:
            raise ValidationError(_("Stripe's total %(theirs)s differs from the invoice's %(ours)s; nothing was "
                                    "finalised.", theirs=money.format_money(stripe_invoice.amount_due,
                                                                             invoice.currency),
                                    ours=money.format_money(invoice.gross_cents, invoice.currency)))
        stripe_invoice = sdk.v1.invoices.finalize_invoice(stripe_invoice.id, params={"auto_advance": False},
                                                          options={"idempotency_key": _key(invoice, "finalize")})
        _record(invoice, stripe_invoice)
        _commit()
    charge_error = ""
    if stripe_invoice.status == "open" and stripe_invoice.collection_method == "send_invoice":
        stripe_invoice = sdk.v1.invoices.send_invoice(stripe_invoice.id,
                                                      options={"idempotency_key": _key(invoice, "send")})
    elif stripe_invoice.status == "open" and stripe_invoice.collection_method == "charge_automatically":
        # The client's stored payment method is charged once (the key makes a retry replay the first answer).
        # A declined charge leaves the invoice open and sent: the client can still pay through its link.
        try:
            stripe_invoice = sdk.v1.invoices.pay(stripe_invoice.id, options={"idempotency_key": _key(invoice, "pay")})
        except stripe.CardError as error:
            charge_error = _("The automatic charge failed: %(reason)s The client can pay through the payment link.",
                             reason=_error_text(error))
            stripe_invoice = sdk.v1.invoices.retrieve(stripe_invoice.id)
    _record(invoice, stripe_invoice)
    invoice.send_state, invoice.send_error = SendState.SENT, charge_error
    audit.record("billing.sent", agency_id=invoice.agency_id, actor=None, object_type="invoice",
                 object_id=invoice.id, details={"number": invoice.number, "stripe": stripe_invoice.id})
    _commit()


def _settings_row(workspace: Workspace) -> WorkspaceBilling:
    row = db.session.scalar(select(WorkspaceBilling).where(WorkspaceBilling.workspace_id == workspace.id))
    if row is None:
        row = workspace_billing(workspace)
        db.session.add(row)
        db.session.flush()
    return row


def _customer_params(invoice: Invoice, workspace: Workspace, setup: WorkspaceBilling) -> dict:
    """What Stripe should know of the client, from the invoice's buyer (the details as finalised)."""
    buyer = invoice.buyer
    return {"name": buyer.get("name") or workspace.name, "email": buyer.get("email") or setup.billing_email or "",
            "address": {"line1": buyer.get("street") or "", "postal_code": buyer.get("postcode") or "",
                        "city": buyer.get("city") or "", "country": buyer.get("country") or "DE"},
            "preferred_locales": [workspace.locale or "de"]}


def _customer_changes(customer, wanted: dict) -> dict:
    """The fields of ``wanted`` the Stripe customer does not have yet (an empty string unsets on Stripe)."""
    changes = {}
    for name in ("name", "email"):
        if (getattr(customer, name, None) or "") != wanted[name]:
            changes[name] = wanted[name]
    address = getattr(customer, "address", None)
    current = address.to_dict() if address is not None else {}
    if any((current.get(k) or "") != v for k, v in wanted["address"].items()):
        changes["address"] = wanted["address"]
    if list(getattr(customer, "preferred_locales", None) or []) != wanted["preferred_locales"]:
        changes["preferred_locales"] = wanted["preferred_locales"]
    return changes


def _digest(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def _customer(sdk: stripe.StripeClient, invoice: Invoice, workspace: Workspace, setup: WorkspaceBilling):
    """The client's Stripe customer, created once per workspace and brought up to date before each invoice:
    a client that moved, changed its billing e-mail or its VAT id gets the invoice at the new address, and
    Stripe's e-mail and hosted page show what our invoice shows."""
    wanted = _customer_params(invoice, workspace, setup)
    vat_id = invoice.buyer.get("vat_id") or ""
    if not setup.stripe_customer_id:
        params = {**wanted, "metadata": {META_WORKSPACE: str(workspace.id), "agency_id": str(workspace.agency_id)}}
        if not params["email"]:
            del params["email"]
        if vat_id:
            params["tax_id_data"] = [{"type": "eu_vat", "value": vat_id}]
        customer = sdk.v1.customers.create(params=params, options={
            "idempotency_key": f"agency-{workspace.agency_id}-workspace-{workspace.id}-customer"})
        setup.stripe_customer_id = customer.id
        _commit()
        return customer
    customer = sdk.v1.customers.retrieve(setup.stripe_customer_id)
    changes = _customer_changes(customer, wanted)
    if changes:
        # The key names the invoice and the change: a retry of this send replays it, a later invoice that
        # changes the customer back is a new request.
        customer = sdk.v1.customers.update(customer.id, params=changes, options={
            "idempotency_key": _key(invoice, f"customer-{_digest(changes)}")})
    _sync_vat_id(sdk, invoice, customer.id, vat_id)
    return customer


def _sync_vat_id(sdk: stripe.StripeClient, invoice: Invoice, customer_id: str, vat_id: str) -> None:
    """Exactly the buyer's VAT id on the Stripe customer (Stripe prints the customer's tax ids on its invoice)."""
    present = list(sdk.v1.customers.tax_ids.list(customer_id, params={"limit": 100}).auto_paging_iter())
    for tax_id in present:
        if tax_id.type == "eu_vat" and tax_id.value != vat_id:
            try:
                sdk.v1.customers.tax_ids.delete(customer_id, tax_id.id)
            except stripe.InvalidRequestError as error:
                if error.code != "resource_missing":  # deleted by an earlier, interrupted attempt
                    raise
    if vat_id and not any(t.type == "eu_vat" and t.value == vat_id for t in present):
        sdk.v1.customers.tax_ids.create(customer_id, params={"type": "eu_vat", "value": vat_id},
                                        options={"idempotency_key": _key(invoice, f"tax-id-{_digest({'v': vat_id})}")})


def _find_stripe_invoice(sdk: stripe.StripeClient, invoice: Invoice, customer_id: str):
    """The Stripe invoice an earlier attempt created for ours, by its metadata (listing is read-after-write
    consistent, unlike search)."""
    for candidate in sdk.v1.invoices.list(params={"customer": customer_id, "limit": 100}).auto_paging_iter():
        if _meta(candidate, META_INVOICE) == str(invoice.id):
            return candidate
    return None


def _meta(stripe_object, key: str) -> str | None:
    metadata = getattr(stripe_object, "metadata", None)
    return metadata.to_dict().get(key) if metadata is not None else None


def _has_payment_method(customer) -> bool:
    """Whether the client stored a payment method with Stripe (then the invoice is charged, not e-mailed)."""
    settings = getattr(customer, "invoice_settings", None)
    return bool(getattr(settings, "default_payment_method", None)) if settings is not None else False


def _stripe_invoice(sdk: stripe.StripeClient, invoice: Invoice, customer_id: str, *, automatic: bool = False):
    if invoice.stripe_invoice_id:
        return sdk.v1.invoices.retrieve(invoice.stripe_invoice_id)
    found = _find_stripe_invoice(sdk, invoice, customer_id)
    if found is None:
        collection = ({"collection_method": "charge_automatically"} if automatic else
                      {"collection_method": "send_invoice",
                       "days_until_due": max(0, (invoice.due_on - invoice.issued_on).days) if invoice.due_on else 14})
        params = {"customer": customer_id, "auto_advance": False, **collection,
                  "pending_invoice_items_behavior": "exclude", "currency": invoice.currency.lower(),
                  "number": invoice.number, "description": _description(invoice),
                  "metadata": {META_INVOICE: str(invoice.id), "agency_number": invoice.number}}
        if invoice.reverse_charge:
            params["footer"] = (f"{REVERSE_CHARGE_NOTE_DE}. USt-IdNr. {invoice.seller.get('vat_id', '')} / "
                                f"{invoice.buyer.get('vat_id', '')}")
        found = sdk.v1.invoices.create(params=params, options={"idempotency_key": _key(invoice, "create")})
    elif found.status == "draft" and found.number != invoice.number:
        found = sdk.v1.invoices.update(found.id, params={"number": invoice.number},
                                       options={"idempotency_key": _key(invoice, "number")})
    invoice.stripe_invoice_id = found.id
    _record(invoice, found)
    _commit()
    return found


def _description(invoice: Invoice) -> str:
    with force_locale(invoice.locale or "de"):
        return _("Invoice %(number)s, %(first)s to %(last)s", number=invoice.number,
                 first=invoice.period_start.isoformat(), last=invoice.period_end.isoformat())


def _items(sdk: stripe.StripeClient, invoice: Invoice, stripe_invoice, customer_id: str) -> None:
    """One item per line and one per VAT rate, skipping those an earlier attempt added."""
    present = {_meta(line, META_LINE) for line in stripe_invoice.lines.data}
    wanted = [(f"line-{line.id}", line.description, line.net_cents) for line in invoice.lines]
    totals = money.totals((line.net_cents, invoice.vat_rate) for line in invoice.lines)
    with force_locale(invoice.locale or "de"):
        for rate, (_base, vat) in totals.vat_by_rate.items():
            if vat:
                wanted.append((f"vat-{rate}", _("VAT %(rate)s %%", rate=percent(rate)), vat))
    for marker, description, amount in wanted:
        if marker in present:
            continue
        sdk.v1.invoice_items.create(params={
            "customer": customer_id, "invoice": stripe_invoice.id, "amount": amount,
            "currency": invoice.currency.lower(), "description": description[:500],
            "metadata": {META_LINE: marker, META_INVOICE: str(invoice.id)}},
            options={"idempotency_key": _key(invoice, marker)})


def _record(invoice: Invoice, stripe_invoice) -> None:
    apply_status(invoice, stripe_invoice.status)
    if stripe_invoice.hosted_invoice_url:
        invoice.stripe_hosted_url = stripe_invoice.hosted_invoice_url
    db.session.flush()


def apply_status(invoice: Invoice, status: str | None) -> bool:
    """Move the stored Stripe status forward only (webhooks arrive late, twice and out of order)."""
    if status not in RANK:
        return False
    current = RANK.get(invoice.stripe_status, -1) if invoice.stripe_status else -1
    if RANK[status] <= current or invoice.stripe_status == StripeState.VOID:
        return False
    invoice.stripe_status = status
    if status == StripeState.PAID and invoice.paid_at is None:
        invoice.paid_at = db.utcnow()
    if status == StripeState.PAID:
        invoice_paid.send(invoice)
    return True
