"""``/webhooks/stripe``: Stripe's events about our invoices.

The SDK checks the signature on the raw body (tolerance 300 s). Events are deduplicated by id in the
same transaction that applies them, so a crash makes Stripe's retry apply them again. An invoice event
never trusts its payload's (possibly stale) state: the invoice is fetched from Stripe again and only a
forward transition is stored. Unknown events are acknowledged and ignored.
"""

from __future__ import annotations

import logging

import stripe
from flask import Blueprint, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from agency import audit, db
from agency.billing import stripe_gateway
from agency.billing.models import Invoice, StripeEvent
from agency.extensions import csrf, limiter

log = logging.getLogger(__name__)
bp = Blueprint("billing_webhooks", __name__, url_prefix="/webhooks")
TOLERANCE = 300
MAX_BODY = 512 * 1024
INVOICE_EVENTS = {"invoice.finalized", "invoice.paid", "invoice.payment_failed", "invoice.voided",
                  "invoice.marked_uncollectible", "invoice.payment_succeeded", "invoice.sent"}


@bp.route("/stripe", methods=["POST"])
@csrf.exempt
@limiter.exempt
def stripe_receive():
    config = current_app.config["AGENCY"]
    body = request.get_data(cache=False)[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        abort(413)
    if not config.stripe_webhook_secret:
        abort(404)
    try:
        event = stripe.Webhook.construct_event(body, request.headers.get("Stripe-Signature", ""),
                                               config.stripe_webhook_secret, tolerance=TOLERANCE)
    except (ValueError, stripe.SignatureVerificationError):
        abort(400)
    return handle_event(event.id, event.type, _object_id(event))


def _object_id(event) -> str | None:
    try:
        found = event.data.object.to_dict().get("id")
    except AttributeError:
        return None
    return found if isinstance(found, str) and len(found) <= 64 else None


def handle_event(event_id: str, event_type: str, object_id: str | None) -> dict:
    """Apply one verified event at most once; returns what happened (for the response and tests)."""
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        abort(400)
    with db.system_scope("stripe webhook: dedupe the event and find its invoice's agency"):
        inserted = db.session.execute(insert(StripeEvent).values(id=event_id, type=str(event_type)[:100])
                                      .on_conflict_do_nothing().returning(StripeEvent.id)).first()
        found = None
        if inserted is not None and event_type in INVOICE_EVENTS and object_id:
            found = db.session.execute(select(Invoice.id, Invoice.agency_id).where(
                Invoice.stripe_invoice_id == object_id)).first()
    if inserted is None:
        db.session.commit()
        return {"status": "duplicate"}
    if event_type not in INVOICE_EVENTS or found is None:
        db.session.commit()
        return {"status": "ignored"}
    invoice_id, agency_id = found
    with db.tenant(db.session(), agency_id):
        invoice = db.session.get(Invoice, invoice_id)
        fresh = stripe_gateway.client().v1.invoices.retrieve(object_id)
        before = invoice.stripe_status
        changed = stripe_gateway.apply_status(invoice, fresh.status)
        if fresh.hosted_invoice_url:
            invoice.stripe_hosted_url = fresh.hosted_invoice_url
        if changed:
            audit.record("billing.stripe_status", agency_id=agency_id, actor=None, object_type="invoice",
                         object_id=invoice.id, details={"from": before, "to": invoice.stripe_status,
                                                        "event": event_type})
        db.session.commit()
    return {"status": "applied" if changed else "unchanged", "stripe_status": invoice.stripe_status}
