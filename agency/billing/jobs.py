"""Jobs of billing: sending an invoice to Stripe, drafting a month for every client of an agency."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import event, select, update

from agency import db
from agency.billing import drafting, stripe_gateway
from agency.billing.models import Invoice, SendState
from agency.queue import get_queue, get_redis, job

log = logging.getLogger(__name__)
PROGRESS_TTL = 3600
_SEND_JOB_ID = re.compile(r"^billing-send-(\d+)-")


@job("billing", timeout=300)
def send_invoice_to_stripe(agency_id: int, invoice_id: int) -> str | None:
    """Send (or finish sending) one finalised invoice through Stripe; safe to run any number of times."""
    invoice = stripe_gateway.send(int(invoice_id), int(agency_id))
    return invoice.send_state if invoice else None


def queue_send(agency_id: int, invoice_id: int) -> None:
    """Queue sending one invoice after the commit, under a job id that names it (so a lost job can be told)."""
    send_invoice_to_stripe.enqueue(int(agency_id), int(invoice_id),
                                   job_id=f"billing-send-{int(invoice_id)}-{secrets.token_hex(4)}")


def invoices_with_live_send_jobs() -> set[int]:
    """Ids of the invoices a job on the ``billing`` queue is waiting to send, or sending right now."""
    queue = get_queue("billing")
    job_ids = [*queue.get_job_ids(), *ScheduledJobRegistry(queue=queue).get_job_ids(),
               *StartedJobRegistry(queue=queue).get_job_ids(), *DeferredJobRegistry(queue=queue).get_job_ids()]
    return {int(m.group(1)) for jid in job_ids if (m := _SEND_JOB_ID.match(str(jid)))}


@job("billing", timeout=120)
def sweep_lost_sends() -> int:
    """Periodic: an invoice left "sending" with no job to send it (a worker stopped mid-way) says so and offers
    the retry, instead of looking sent-to-be forever; returns how many. Sending again is safe: it resumes from the
    Stripe ids committed so far and never bills twice."""
    with db.system_scope("find invoices being sent without a job in every agency"):
        candidates = db.session.execute(select(Invoice.agency_id, Invoice.id).where(
            Invoice.send_state == SendState.SENDING).order_by(Invoice.id).limit(1000)).all()
    if not candidates:
        return 0
    live = invoices_with_live_send_jobs()  # read after the rows: a job queued meanwhile is seen
    marked = 0
    for agency_id, invoice_id in candidates:
        if invoice_id in live:
            continue
        with db.tenant(db.session(), agency_id):
            marked += db.session.execute(update(Invoice).where(
                Invoice.id == invoice_id, Invoice.send_state == SendState.SENDING).values(
                send_state=SendState.FAILED, send_error=_(
                    "Sending was interrupted (for example when a worker stopped). Send again: nothing is billed "
                    "twice."))).rowcount
        db.session.commit()
    if marked:
        log.warning("marked %d invoices whose sending job was lost as failed", marked)
    return marked


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
