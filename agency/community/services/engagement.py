"""Engagement opportunities ("Agieren Sie proaktiv"): positive comments nobody answered, questions worth
a follow-up, and the proactive replies we sent, counted per workspace and month."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from agency import db
from agency.community.models import ProactiveReply
from agency.inbox.models import Interaction, Reply

LOOKBACK = timedelta(days=30)
FOLLOW_UP_AFTER = timedelta(days=2)


def _base(workspace_id: int, now: datetime):
    return (Interaction.workspace_id == workspace_id, Interaction.is_own.is_(False),
            Interaction.is_spam.is_(False), Interaction.is_deleted.is_(False),
            Interaction.status.notin_(("spam", "ignored")), Interaction.platform_created_at > now - LOOKBACK)


def positive_unanswered(workspace_id: int, *, now: datetime | None = None, limit: int = 100) -> list[Interaction]:
    """Positive, non-spam comments and reviews without any reply of ours: a chance to talk."""
    now = now or db.utcnow()
    replied = select(Reply.id).where(Reply.interaction_id == Interaction.id).exists()
    stmt = (select(Interaction).where(*_base(workspace_id, now),
                                      or_(Interaction.is_opportunity.is_(True),
                                          and_(Interaction.sentiment_label == "positive",
                                               Interaction.is_question.is_(False))),
                                      Interaction.kind != "direct_message",
                                      Interaction.last_reply_at.is_(None), Interaction.first_responded_at.is_(None),
                                      ~replied)
            .order_by(Interaction.platform_created_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def questions_to_follow_up(workspace_id: int, *, now: datetime | None = None, limit: int = 100
                           ) -> list[Interaction]:
    """Questions closed without an answer of ours, and answered ones a few days old where nobody wrote
    back — worth asking "did it work out?"."""
    now = now or db.utcnow()
    replied = select(Reply.id).where(Reply.interaction_id == Interaction.id).exists()
    stmt = (select(Interaction).where(
        *_base(workspace_id, now), Interaction.is_question.is_(True),
        or_(and_(Interaction.status == "closed", ~replied, Interaction.first_responded_at.is_(None)),
            and_(Interaction.status.in_(("replied", "closed")), Interaction.last_reply_at.isnot(None),
                 Interaction.last_reply_at < now - FOLLOW_UP_AFTER)))
        .order_by(Interaction.platform_created_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def proactive_reason(interaction: Interaction, reply: Reply) -> str | None:
    """Why a sent reply counts as proactive: "positive" (nobody needed an answer) or "follow_up"."""
    if interaction.is_own or interaction.is_spam:
        return None
    if interaction.is_question and interaction.handled_at is not None and reply.created_at is not None \
            and interaction.handled_at < reply.created_at:
        return "follow_up"
    if interaction.is_opportunity or (interaction.sentiment_label == "positive" and not interaction.is_question):
        return "positive"
    return None


def on_reply_sent(interaction: Interaction, reply: Reply | None = None, **_kwargs) -> None:
    """Signal handler (same transaction as the sent reply): count proactive replies once."""
    if reply is None or reply.status != "sent":
        return
    reason = proactive_reason(interaction, reply)
    if reason is None:
        return
    db.session.execute(insert(ProactiveReply).values(
        agency_id=interaction.agency_id, workspace_id=interaction.workspace_id, interaction_id=interaction.id,
        reply_id=reply.id, reason=reason, sent_at=reply.sent_at or db.utcnow())
        .on_conflict_do_nothing(constraint="uq_proactive_replies_reply_id"))


def proactive_per_month(workspace_id: int, *, months: int = 6, now: datetime | None = None
                        ) -> list[tuple[str, int]]:
    """("YYYY-MM", count) for the last ``months`` months, oldest first, months without replies included."""
    now = now or db.utcnow()
    keys = []
    year, month = now.year, now.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    first_year, first_month = (int(part) for part in keys[0].split("-"))
    since = datetime(first_year, first_month, 1, tzinfo=now.tzinfo)
    label = func.to_char(func.date_trunc("month", func.timezone("UTC", ProactiveReply.sent_at)), "YYYY-MM")
    counts = dict(db.session.execute(select(label, func.count()).where(
        ProactiveReply.workspace_id == workspace_id, ProactiveReply.sent_at >= since).group_by(label)).all())
    return [(key, int(counts.get(key, 0))) for key in keys]
