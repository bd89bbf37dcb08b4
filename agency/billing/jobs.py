"""Jobs of billing: sending an invoice to Stripe, drafting a month for every client of an agency."""

from __future__ import annotations

from datetime import date

from agency import db
from agency.billing import drafting, stripe_gateway
from agency.queue import get_redis, job

PROGRESS_TTL = 3600


@job("billing", timeout=300)
def send_invoice_to_stripe(agency_id: int, invoice_id: int) -> str | None:
    """Send (or finish sending) one finalised invoice through Stripe; safe to run any number of times."""
    invoice = stripe_gateway.send(int(invoice_id), int(agency_id))
    return invoice.send_state if invoice else None


def progress_key(agency_id: int, month: date) -> str:
    return f"agency:billing:draft-all:{int(agency_id)}:{month.isoformat()}"


@job("billing", timeout=1800)
def draft_all_for_month(agency_id: int, month_iso: str, actor_id: int | None = None) -> int:
    """Draft every client's invoice of one agency for a month, reporting progress in Redis."""
    from agency.accounts.models import User

    month = date.fromisoformat(month_iso).replace(day=1)
    redis = get_redis()
    key = progress_key(agency_id, month)

    def progress(done: int, total: int) -> None:
        redis.set(key, f"{done}/{total}", ex=PROGRESS_TTL)

    with db.tenant(db.session(), int(agency_id)):
        actor = db.session.get(User, actor_id) if actor_id else None
        drafted = drafting.draft_all(actor, int(agency_id), month, progress=progress)
    redis.set(key, f"done:{len(drafted)}", ex=PROGRESS_TTL)
    return len(drafted)
