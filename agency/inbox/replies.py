"""Replies: checked before queueing, sent by a job on the ``replies`` queue, at most once.

At-most-once on the platform: before the first call to the platform the reply is
committed as "sending" with its first attempt time. Should the call time out (the
platform may or may not have stored it) — or the worker die — the next attempt first
asks the platform whether our reply with this text already exists after that time,
and only sends when it does not. A reply never goes out twice.

Never "queued" for ever: when the job's last retry fails (RQ's failure callback), or when no job is
left to send it (the periodic sweeper), the reply is marked failed with the reason, and Retry queues it
again — with the same check before sending.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask_babel import gettext as _
from rq.exceptions import AbandonedJobError
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.timeouts import JobTimeoutException
from sqlalchemy import select

from agency import db
from agency.accounts.models import User
from agency.channels import access
from agency.channels.connectors import CONNECTORS
from agency.channels.connectors.base import (
    AuthExpired,
    ConnectorError,
    MessagingWindowClosed,
    RateLimited,
    ReplyLimit,
    ReplyTarget,
    TransientError,
    messaging_window,
)
from agency.channels.models import Channel, ChannelStatus
from agency.errors import ValidationError
from agency.inbox.models import Interaction, Reply, Status
from agency.inbox.signals import interaction_changed, reply_sent
from agency.queue import enqueue_after_commit, get_queue, job

log = logging.getLogger(__name__)

#: A reply in these states still waits for a job to send it.
PENDING = ("queued", "sending")


def reply_limit(channel: Channel, interaction: Interaction) -> ReplyLimit:
    """The longest answer the channel's platform accepts to this interaction, and its unit.

    The one source of the number for the composer's hint, its counter and the check before queueing.
    """
    return CONNECTORS[channel.platform].reply_limit(interaction.kind)


def limit_hint(limit: ReplyLimit) -> str:
    """The composer's hint for ``limit``, in the unit the platform counts."""
    if limit.unit == "bytes":
        return _("at most %(n)d bytes (ä, ß and emoji count as 2 to 4)", n=limit.maximum)
    return _("at most %(n)d characters", n=limit.maximum)


def too_long_message(limit: ReplyLimit, text: str) -> str:
    """The error for a reply over ``limit``, counted the way the platform counts."""
    if limit.unit == "bytes":
        return _("This platform accepts at most %(n)d bytes here (%(have)d now; ä, ß and emoji count as 2 to 4).",
                 n=limit.maximum, have=limit.measure(text))
    return _("This platform accepts at most %(n)d characters here (%(have)d now).", n=limit.maximum,
             have=limit.measure(text))


def last_customer_message_at(interaction: Interaction):
    """When the customer last wrote in this conversation (Meta's messaging window counts from it)."""
    stmt = select(Interaction.platform_created_at).where(
        Interaction.channel_id == interaction.channel_id, Interaction.is_own.is_(False),
        Interaction.thread_external_id == interaction.thread_external_id,
    ).order_by(Interaction.platform_created_at.desc()).limit(1)
    latest = db.session.scalar(stmt) if interaction.thread_external_id else None
    return max(filter(None, [latest, interaction.platform_created_at]))


def window_state(interaction: Interaction, channel: Channel | None) -> str:
    """Where the platform limits answers in time (Messenger): "open", "human_agent" or "closed"."""
    if channel is None or not CONNECTORS[channel.platform].has_messaging_window(interaction.kind):
        return "open"
    return messaging_window(last_customer_message_at(interaction), db.utcnow())


def queue_reply(actor: User, interaction: Interaction, text: str) -> Reply:
    """Check the platform's limits and queue a reply; the send job runs after the commit.

    When the workspace wants replies approved first, the held reply (not a ``Reply``) is returned instead.
    """
    text = text.strip()
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    if channel is None:
        raise ValidationError(_("This conversation's channel is no longer connected."), "reply_text")
    if channel.status == ChannelStatus.NEEDS_REAUTH:
        raise ValidationError(_("Reconnect %(name)s before replying.", name=channel.name), "reply_text")
    if not text:
        raise ValidationError(_("The reply is empty."), "reply_text")
    if "\x00" in text:
        raise ValidationError(_("The reply contains a NUL character, which cannot be sent. Remove it and try "
                                "again."), "reply_text")
    limit = reply_limit(channel, interaction)
    if limit.exceeded_by(text):
        raise ValidationError(too_long_message(limit, text), "reply_text")
    if interaction.is_deleted:
        raise ValidationError(_("The item was deleted on the platform; it can no longer be answered."),
                              "reply_text")
    window = window_state(interaction, channel)
    if window == "closed":
        raise ValidationError(_("Messenger allows replies only within 7 days of the customer's last message. "
                                "Reach out another way."), "reply_text")
    held = _held_for_approval(actor, interaction, text)
    if held is not None:
        return held  # an approver decides first; only an approved reply is queued (four eyes)
    reply = Reply(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                  interaction_id=interaction.id, author_id=actor.id, text=text, status="queued",
                  use_human_agent_tag=(window == "human_agent"))
    db.session.add(reply)
    if interaction.status == Status.NEW:
        interaction.status = Status.OPEN
    db.session.flush()
    enqueue_after_commit(send_reply, reply.agency_id, reply.id, job_id=_job_id(reply.id))
    return reply


def _held_for_approval(actor: User, interaction: Interaction, text: str):
    """The reply held for approval by the workspace's setting (provider ``reply_approval``), or None."""
    from agency import wiring

    hold = wiring.provided("reply_approval")
    return hold(actor, interaction, text) if hold is not None else None


def retry_reply(actor: User, reply: Reply) -> Reply:
    """Queue a failed reply again; the job checks the platform first, so it cannot go out twice.

    Replies fail on a refusal by the platform, when their job's retries run out (``_send_failed``) or when
    no job is left to send them (``sweep_stuck_replies``): Retry takes every one of them.
    """
    if reply.status != "failed":
        raise ValidationError(_("Only a failed reply can be retried."))
    reply.status = "queued"
    reply.error = None
    db.session.flush()
    enqueue_after_commit(send_reply, reply.agency_id, reply.id, job_id=_job_id(reply.id))
    return reply


def _job_id(reply_id: int, suffix: str = "") -> str:
    """Every job sending a reply is named after it: the sweeper tells a reply with a live job by its id."""
    return f"reply-{reply_id}{'-' + suffix if suffix else ''}"


def _target(interaction: Interaction) -> ReplyTarget:
    return ReplyTarget(kind=interaction.kind, external_id=interaction.external_id,
                       thread_external_id=interaction.thread_external_id,
                       parent_external_id=interaction.parent_external_id,
                       author_external_id=interaction.author_external_id,
                       last_customer_message_at=last_customer_message_at(interaction))



def _mark_sent(reply: Reply, interaction: Interaction, external_id: str, permalink: str | None) -> None:
    now = db.utcnow()
    reply.status = "sent"
    reply.sent_at = now
    reply.external_id = external_id
    reply.permalink = permalink
    reply.error = None
    interaction.last_reply_at = now
    interaction.awaiting_since = None
    interaction.handled_at = interaction.handled_at or now
    if interaction.status in (Status.NEW, Status.OPEN, Status.WAITING):
        interaction.status = Status.REPLIED
    db.session.flush()
    reply_sent.send(interaction, reply=reply)
    interaction_changed.send(interaction, fields={"status"})


class ReplyRetryLater(Exception):
    """The platform did not answer: RQ retries the job (which then checks before sending)."""


def _send_failed(job, connection, exc_type, exc_value, tb) -> None:
    """RQ's failure callback of ``send_reply``: once no retry is left, the reply is failed, with the reason.

    RQ calls it after every failed run — a raised error, a timeout, a worker that died (an abandoned job) —
    and retries while ``retries_left`` says so; only the last failure marks the reply.
    """
    if job.retries_left:
        return
    agency_id, reply_id = job.args[:2]
    if isinstance(exc_value, ReplyRetryLater):
        reason = _("The platform did not answer, also after several attempts. Retry checks first whether the "
                   "reply arrived; it never goes out twice.")
    elif isinstance(exc_value, JobTimeoutException):
        reason = _("Sending took too long and was stopped. Retry checks first whether the reply arrived; it "
                   "never goes out twice.")
    elif isinstance(exc_value, AbandonedJobError):
        reason = _("The worker sending this reply stopped. Retry checks first whether the reply arrived; it "
                   "never goes out twice.")
    else:
        reason = _("Sending failed with an internal error (%(error)s). Retry checks first whether the reply "
                   "arrived; it never goes out twice.", error=getattr(exc_type, "__name__", "error"))
    try:
        with db.tenant(db.session(), agency_id):
            _mark_failed_if_pending(reply_id, reason)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _mark_failed_if_pending(reply_id: int, reason: str) -> bool:
    """Fail a reply still queued or sending (a job that sent it meanwhile wins); True when it was failed."""
    reply = db.session.scalars(select(Reply).where(Reply.id == reply_id, Reply.status.in_(PENDING))
                               .with_for_update(skip_locked=True)).first()
    if reply is None:
        return False
    reply.status, reply.error = "failed", reason
    db.session.flush()
    return True


@job("replies", timeout=120, retries=4, retry_intervals=(15, 60, 300, 900), on_failure=_send_failed)
def send_reply(agency_id: int, reply_id: int) -> str:
    """Send one queued reply to the platform, at most once (see the module docstring)."""
    with db.tenant(db.session(), agency_id):
        reply = db.session.scalars(select(Reply).where(Reply.id == reply_id, Reply.agency_id == agency_id)
                                   .with_for_update()).first()
        if reply is None or reply.status in ("sent", "failed"):
            return reply.status if reply is not None else "missing"
        interaction = db.session.get(Interaction, reply.interaction_id)
        channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
        if channel is None:
            reply.status, reply.error = "failed", _("The channel is no longer connected.")
            return reply.status
        target = _target(interaction)
        text = reply.text
        try:
            if reply.first_attempt_at is not None:
                # An earlier attempt may have reached the platform: look before sending again.
                not_before = reply.first_attempt_at - timedelta(minutes=2)
                found = access.with_fresh_token(
                    channel, lambda connector: connector.find_existing_reply(target, text, not_before=not_before))
                if found is not None:
                    _mark_sent(reply, interaction, found.external_id, found.permalink)
                    return "sent"
            reply.first_attempt_at = reply.first_attempt_at or db.utcnow()
            reply.attempts += 1
            reply.status = "sending"
            db.session.commit()  # the attempt (and a refreshed token) is on record before the platform hears of it
            # A 401 means the platform refused without storing anything: one refresh and a second try is safe.
            sent = access.with_fresh_token(channel, lambda connector: connector.reply(target, text))
        except RateLimited as err:
            db.session.rollback()
            _requeue(reply_id, _("The platform asked us to wait; sending again at %(time)s.",
                                 time=err.retry_after.strftime("%H:%M")), delay=err.retry_after)
            return "queued"
        except TransientError as err:
            db.session.rollback()
            _requeue(reply_id, _("The platform did not answer in time. We check whether it arrived and try again."))
            raise ReplyRetryLater(str(err)) from err
        except MessagingWindowClosed:
            db.session.rollback()
            return _fail(reply_id, _("Messenger's reply window has closed (7 days after the customer's last "
                                     "message)."))
        except AuthExpired:
            db.session.rollback()
            return _fail(reply_id, _("The platform no longer accepts our access. Reconnect the channel, then retry."))
        except ConnectorError as err:
            db.session.rollback()
            return _fail(reply_id, _("The platform refused the reply: %(reason)s", reason=str(err)[:300]))
        reply = db.session.get(Reply, reply_id)
        _mark_sent(reply, db.session.get(Interaction, reply.interaction_id), sent.external_id, sent.permalink)
        return "sent"


def _requeue(reply_id: int, message: str, delay=None) -> None:
    reply = db.session.get(Reply, reply_id)
    reply.status = "queued"
    reply.error = message
    db.session.commit()
    if delay is not None:
        seconds = max(30, int((delay - db.utcnow()).total_seconds()))
        # A job of its own (the running one finishes now), named after the reply and unique per wait.
        enqueue_after_commit(send_reply, reply.agency_id, reply.id, delay_seconds=seconds,
                             job_id=_job_id(reply.id, f"wait-{int(delay.timestamp())}"))


def _fail(reply_id: int, message: str) -> str:
    reply = db.session.get(Reply, reply_id)
    reply.status = "failed"
    reply.error = message
    db.session.commit()
    return "failed"


# --- replies that no job will send ---------------------------------------------------------------

#: A pending reply untouched this long, with no job naming it, is stuck (the enqueue after a commit
#: takes milliseconds; a job waiting for its next retry or a rate limit is a live job).
STUCK_AFTER = timedelta(minutes=10)
_REPLY_JOB_ID = re.compile(r"^reply-(\d+)(?:-.*)?$")


def replies_with_live_jobs() -> set[int]:
    """Ids of the replies that a job on the ``replies`` queue is waiting to send, or sending right now.

    Abandoned runs (their worker died) are first handed to RQ's own cleanup, which retries them or fails
    them through ``_send_failed``.
    """
    queue = get_queue("replies")
    started = StartedJobRegistry(queue=queue)
    started.cleanup()
    job_ids = [*queue.get_job_ids(), *queue.intermediate_queue.get_job_ids(),
               *ScheduledJobRegistry(queue=queue).get_job_ids(), *started.get_job_ids(cleanup=False),
               *DeferredJobRegistry(queue=queue).get_job_ids()]
    return {int(m.group(1)) for job_id in job_ids if (m := _REPLY_JOB_ID.match(str(job_id)))}


@job("replies", timeout=300)
def sweep_stuck_replies() -> int:
    """Periodic: fail the replies left queued or sending with no job to send them; returns how many.

    That happens when a worker or Redis lost the job (a crash, a flushed Redis, an enqueue that failed
    after the commit). The user sees the reason and can Retry, which checks the platform before sending.
    """
    live = replies_with_live_jobs()
    cutoff = db.utcnow() - STUCK_AFTER
    with db.system_scope("find replies without a sending job in every agency"):
        candidates = db.session.execute(select(Reply.agency_id, Reply.id).where(
            Reply.status.in_(PENDING), Reply.updated_at < cutoff).order_by(Reply.id).limit(1000)).all()
    failed = 0
    for agency_id, reply_id in candidates:
        if reply_id in live:
            continue
        with db.tenant(db.session(), agency_id):
            failed += _mark_failed_if_pending(reply_id, _(
                "The reply was not sent: its sending job was lost (for example when a worker stopped). Retry "
                "checks first whether the reply arrived; it never goes out twice."))
    if failed:
        log.warning("marked %d stuck replies as failed", failed)
    return failed
