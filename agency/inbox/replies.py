"""Replies: checked before queueing, sent by a job on the ``replies`` queue, at most once.

At-most-once on the platform: before the first call to the platform the reply is
committed as "sending" with its first attempt time. Should the call time out (the
platform may or may not have stored it) — or the worker die — the next attempt first
asks the platform whether our reply with this text already exists after that time,
and only sends when it does not. A reply never goes out twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import gettext as _
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
from agency.queue import enqueue_after_commit, job

log = logging.getLogger(__name__)


def reply_limit(channel: Channel, interaction: Interaction) -> ReplyLimit:
    """The longest answer the channel's platform accepts to this interaction, and its unit.

    The one source of the number for the composer's hint and for the check before queueing.
    """
    return CONNECTORS[channel.platform].reply_limit(interaction.kind)


def too_long_message(limit: ReplyLimit, text: str) -> str:
    """The error for a reply over ``limit``, counted the way the platform counts."""
    if limit.unit == "bytes":
        return _("This platform accepts at most %(n)d bytes here (%(have)d now); umlauts and emoji take two to "
                 "four bytes each.", n=limit.maximum, have=limit.measure(text))
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
    """Check the platform's limits and queue a reply; the send job runs after the commit."""
    text = text.strip()
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    if channel is None:
        raise ValidationError(_("This conversation's channel is no longer connected."), "text")
    if channel.status == ChannelStatus.NEEDS_REAUTH:
        raise ValidationError(_("Reconnect %(name)s before replying.", name=channel.name), "text")
    if not text:
        raise ValidationError(_("The reply is empty."), "text")
    limit = reply_limit(channel, interaction)
    if limit.exceeded_by(text):
        raise ValidationError(too_long_message(limit, text), "text")
    if interaction.is_deleted:
        raise ValidationError(_("The item was deleted on the platform; it can no longer be answered."), "text")
    window = window_state(interaction, channel)
    if window == "closed":
        raise ValidationError(_("Messenger allows replies only within 7 days of the customer's last message. "
                                "Reach out another way."), "text")
    reply = Reply(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                  interaction_id=interaction.id, author_id=actor.id, text=text, status="queued",
                  use_human_agent_tag=(window == "human_agent"))
    db.session.add(reply)
    if interaction.status == Status.NEW:
        interaction.status = Status.OPEN
    db.session.flush()
    enqueue_after_commit(send_reply, reply.agency_id, reply.id, job_id=f"reply-{reply.id}")
    return reply


def retry_reply(actor: User, reply: Reply) -> Reply:
    """Queue a failed reply again; the job checks the platform first, so it cannot go out twice."""
    if reply.status != "failed":
        raise ValidationError(_("Only a failed reply can be retried."))
    reply.status = "queued"
    reply.error = None
    db.session.flush()
    enqueue_after_commit(send_reply, reply.agency_id, reply.id, job_id=f"reply-{reply.id}")
    return reply


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


@job("replies", timeout=120, retries=4, retry_intervals=(15, 60, 300, 900))
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
        enqueue_after_commit(send_reply, reply.agency_id, reply.id, delay_seconds=seconds)


def _fail(reply_id: int, message: str) -> str:
    reply = db.session.get(Reply, reply_id)
    reply.status = "failed"
    reply.error = message
    db.session.commit()
    return "failed"
