"""Jobs of billing: sending an invoice to Stripe, drafting a month for every client of an agency."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from sqlalchemy import event

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


def draft_all_job_id(agency_id: int, month: date) -> str:
    """One waiting "draft all" per agency and month: a double click queues it once."""
    return f"billing-draft-all-{int(agency_id)}-{month:%Y-%m}"


def draft_all_progress(agency_id: int, month: date) -> dict | None:
    """The state of an agency's "draft all" for a month, for its progress banner (None: not asked for lately).

    ``{"state": "queued" | "running" | "done" | "failed", "done": n, "total": n, "message": str}``
    """
    raw = get_redis().get(progress_key(agency_id, month))
    if raw is None:
        return None
    value = raw.decode() if isinstance(raw, bytes) else str(raw)
    state, _, rest = value.partition(":")
    if state == "running":
        done, _, total = rest.partition("/")
        return {"state": "running", "done": int(done or 0), "total": int(total or 0), "message": ""}
    if state == "done":
        return {"state": "done", "done": int(rest or 0), "total": int(rest or 0), "message": ""}
    if state == "failed":
        return {"state": "failed", "done": 0, "total": 0, "message": rest}
    return {"state": "queued", "done": 0, "total": 0, "message": ""}


def mark_draft_all_queued(agency_id: int, month: date) -> None:
    get_redis().set(progress_key(agency_id, month), "queued", ex=PROGRESS_TTL)


@job("billing", timeout=1800)
def draft_all_for_month(agency_id: int, month_iso: str, actor_id: int | None = None, locale: str = "de") -> int:
    """Draft every client's invoice of one agency for a month, reporting progress in Redis.

    The billing overview polls the progress; a refusal (e.g. the agency's legal details are missing) ends as
    ``failed`` with its message in words, and nothing is written.
    """
    from agency.accounts.models import User
    from agency.errors import ValidationError

    month = date.fromisoformat(month_iso).replace(day=1)
    redis = get_redis()
    key = progress_key(agency_id, month)

    def progress(done: int, total: int) -> None:
        redis.set(key, f"running:{done}/{total}", ex=PROGRESS_TTL)

    # A refusal is shown to the person who asked, in the language of the page they asked from.
    with db.tenant(db.session(), int(agency_id)), force_locale(locale if locale in ("de", "en") else "de"):
        actor = db.session.get(User, actor_id) if actor_id else None
        try:
            drafted = drafting.draft_all(actor, int(agency_id), month, progress=progress)
            db.session.flush()
        except ValidationError as error:
            db.session.rollback()
            redis.set(key, f"failed:{error.message}", ex=PROGRESS_TTL)
            return 0
    # "done" only once the job's edge has committed: the overview that reads it must find the drafts.
    event.listen(db.session(), "after_commit",
                 lambda _session: redis.set(key, f"done:{len(drafted)}", ex=PROGRESS_TTL), once=True)
    return len(drafted)
