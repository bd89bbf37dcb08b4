"""``/webhooks/stripe``: Stripe's events about our invoices.

The SDK checks the signature on the raw body (tolerance 300 s). Events are deduplicated by id in the
same transaction that applies them, so a crash makes Stripe's retry apply them again. An invoice event
never trusts its payload's (possibly stale) state: the invoice is fetched from Stripe again and only a
forward transition is stored. Unknown events are acknowledged and ignored.

Kept cheap because Stripe sends bursts (a month's invoices finalised at once): the signature is checked on
the raw body and the JSON read as plain data (the SDK's object tree of an event that carries a whole
invoice costs more than the rest of the request); the dedupe insert and the invoice's row take one round
trip together; the fresh invoice is read as plain JSON too; an invoice that is paid or void already (no event
can move it) is not fetched again.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote_plus

import stripe
from flask import Blueprint, abort, current_app, request
from sqlalchemy import and_, false, literal, select, true
from sqlalchemy.dialects.postgresql import insert

from agency import audit, db
from agency.billing import stripe_gateway
from agency.billing.models import Invoice, StripeEvent, StripeState
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
        stripe.WebhookSignature.verify_header(body.decode("utf-8"), request.headers.get("Stripe-Signature", ""),
                                              config.stripe_webhook_secret, tolerance=TOLERANCE)
        event = json.loads(body)
    except (ValueError, stripe.SignatureVerificationError):  # UnicodeDecodeError and JSONDecodeError too
        abort(400)
    if not isinstance(event, dict):
        abort(400)
    event_type = event.get("type") if isinstance(event.get("type"), str) else ""
    return handle_event(event.get("id"), event_type, _object_id(event))


def _object_id(event: dict) -> str | None:
    data = event.get("data")
    found = data.get("object") if isinstance(data, dict) else None
    found = found.get("id") if isinstance(found, dict) else None
    return found if isinstance(found, str) and 0 < len(found) <= 64 else None


#: Stripe statuses no event moves on from (``apply_status`` keeps them): nothing to fetch.
SETTLED = {StripeState.PAID, StripeState.VOID}
#: The status each event reports the invoice reached. An event whose status is not ahead of what we hold brings
#: nothing to fetch for: if Stripe's invoice has moved further meanwhile, the event of that move is on its way
#: (Stripe delivers each event at least once, retrying for days) and fetches then.
EVENT_STATUS = {"invoice.finalized": StripeState.OPEN, "invoice.sent": StripeState.OPEN,
                "invoice.payment_failed": StripeState.OPEN, "invoice.paid": StripeState.PAID,
                "invoice.payment_succeeded": StripeState.PAID, "invoice.voided": StripeState.VOID,
                "invoice.marked_uncollectible": StripeState.UNCOLLECTIBLE}


def handle_event(event_id: str, event_type: str, object_id: str | None) -> dict:
    """Apply one verified event at most once; returns what happened (for the response and tests)."""
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        abort(400)
    wanted = event_type in INVOICE_EVENTS and bool(object_id)
    # One round trip: the dedupe insert (a CTE) and the whole invoice row, which the tenant block below then
    # finds in the session. PostgreSQL runs the insert whatever the select reads.
    seen = (insert(StripeEvent).values(id=event_id, type=str(event_type)[:100]).on_conflict_do_nothing()
            .returning(StripeEvent.id).cte("seen"))
    one = select(literal(1).label("one")).subquery("one")
    lookup = select(select(seen.c.id).scalar_subquery().label("inserted"), Invoice).select_from(one).outerjoin(
        Invoice, and_(Invoice.stripe_invoice_id == object_id, true() if wanted else false()))
    with db.system_scope("stripe webhook: dedupe the event and find its invoice's agency"):
        inserted, invoice = db.session.execute(lookup).one()
    if inserted is None:
        db.session.commit()
        return {"status": "duplicate"}
    if event_type not in INVOICE_EVENTS or invoice is None:
        db.session.commit()
        return {"status": "ignored"}
    agency_id = invoice.agency_id
    with db.tenant(db.session(), agency_id):
        invoice = db.session.get(Invoice, invoice.id)
        held = stripe_gateway.RANK.get(invoice.stripe_status, -1) if invoice.stripe_status else -1
        if invoice.stripe_status in SETTLED or stripe_gateway.RANK[EVENT_STATUS[event_type]] <= held:
            db.session.commit()
            return {"status": "unchanged", "stripe_status": invoice.stripe_status}
        fresh = stripe_gateway.client().raw_request("get", f"/v1/invoices/{quote_plus(object_id)}").data
        before = invoice.stripe_status
        changed = stripe_gateway.apply_status(invoice, fresh.get("status"))
        if fresh.get("hosted_invoice_url"):
            invoice.stripe_hosted_url = fresh["hosted_invoice_url"]
        if changed:
            audit.record("billing.stripe_status", agency_id=agency_id, actor=None, object_type="invoice",
                         object_id=invoice.id, details={"from": before, "to": invoice.stripe_status,
                                                        "event": event_type})
        db.session.commit()
    return {"status": "applied" if changed else "unchanged", "stripe_status": invoice.stripe_status}
