"""Community management tables: tone guides and personas, saved replies, experts and escalations,
crisis plans, incidents with their timeline, shitstorm signals, proactive replies.

Every table is tenant-owned (``agency_id``) and under row-level security; everything but the
agency-wide saved replies also belongs to one workspace.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from agency import db

EMOJI_POLICIES = ("none", "sparingly", "free")
ESCALATION_STATUSES = ("waiting", "answered", "cancelled")
INCIDENT_STATUSES = ("open", "closed")
EVENT_KINDS = ("opened", "signal", "note", "checklist", "notification", "closed", "reopened")
SIGNAL_LEVELS = ("warning", "alarm")
SAVED_REPLY_KINDS = ("reply", "holding")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ToneGuide(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """How a workspace sounds: persona, signature, words to prefer and to avoid, emoji, length, a guide.

    The address form itself (Sie/du) is the workspace's own setting (``Workspace.address_form``);
    this page edits it too, so there is one source of truth.
    """

    __tablename__ = "tone_guides"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_tone_guides_workspace_id"),
        CheckConstraint(f"emoji_policy in ({_in(EMOJI_POLICIES)})", name="emoji_policy_known"),
        CheckConstraint("typical_length is null or typical_length between 10 and 10000", name="typical_length_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    persona_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    persona_role: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # e.g. "^{persona}" or "Viele Grüße, {persona}"; rendered with the persona's name.
    signature_template: Mapped[str] = mapped_column(String(200), default="", server_default="")
    preferred_words: Mapped[list[str]] = mapped_column(ARRAY(String(80)), default=list, server_default=sql("'{}'"))
    # [{"phrase": "Problem", "suggestion": "Anliegen"}, …] — a trailing * matches word endings.
    banned: Mapped[list[Any]] = mapped_column(default=list, server_default=sql("'[]'::jsonb"))
    # Brand and product names the checker never reads as address forms ("Du darfst").
    brands: Mapped[list[str]] = mapped_column(ARRAY(String(80)), default=list, server_default=sql("'{}'"))
    emoji_policy: Mapped[str] = mapped_column(String(10), default="sparingly", server_default="sparingly")
    typical_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    guide_markdown: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


class CommunitySettings(db.WorkspaceMixin, db.Base):
    """Per-workspace settings of escalations and shitstorm detection."""

    __tablename__ = "community_settings"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_community_settings_workspace_id"),
        CheckConstraint("reminder_hours between 1 and 200", name="reminder_hours_range"),
        CheckConstraint("link_days between 1 and 60", name="link_days_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    escalation_pauses_sla: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))
    reminder_hours: Mapped[int] = mapped_column(SmallInteger, default=4, server_default="4")  # business hours
    link_days: Mapped[int] = mapped_column(SmallInteger, default=7, server_default="7")
    detection_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))
    detection_snoozed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    detection_snooze_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    crisis_keywords: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list, server_default=sql("'{}'"))
    # The last assessment of the detector (for the crisis page: "normal: 4 negative, usually 3").
    detection_last: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql("'{}'::jsonb"))
    detection_checked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SavedReply(db.TenantMixin, db.TimestampMixin, db.Base):
    """A reusable reply, agency-wide (``workspace_id`` empty) or for one workspace.

    ``text_formal`` is the Sie (formal English) variant, ``text_informal`` the du one; either may be
    empty. Placeholders such as ``{author_first_name}`` are filled when it is inserted.
    ``kind = holding`` marks a crisis plan's pre-approved holding statement.
    """

    __tablename__ = "saved_replies"
    __table_args__ = (
        CheckConstraint(f"kind in ({_in(SAVED_REPLY_KINDS)})", name="kind_known"),
        CheckConstraint("language in ('de', 'en')", name="language_known"),
        CheckConstraint("text_formal <> '' or text_informal <> ''", name="has_text"),
        Index("uq_saved_replies_title", "agency_id", sql("coalesce(workspace_id, 0)"), sql("lower(title)"),
              unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(8), default="reply", server_default="reply")
    title: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="de", server_default="de")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default=sql("'{}'"))
    text_formal: Mapped[str] = mapped_column(Text, default="", server_default="")
    text_informal: Mapped[str] = mapped_column(Text, default="", server_default="")
    usage_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


class Expert(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A person at the client who answers questions on some topics (Ansprechperson), without an account."""

    __tablename__ = "experts"
    __table_args__ = (Index("uq_experts_email", "workspace_id", sql("lower(email)"), unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    topics: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list, server_default=sql("'{}'"))
    availability: Mapped[str] = mapped_column(String(300), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))


class Escalation(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A question about an interaction to an expert, answered through a signed link.

    ``nonce`` is part of the link's signed payload: the link works only while it matches and the
    escalation waits, so an answered or cancelled escalation's link is dead.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(f"status in ({_in(ESCALATION_STATUSES)})", name="status_known"),
        Index("ix_escalations_interaction", "interaction_id"),
        Index("ix_escalations_waiting", "status", "created_at", postgresql_where=sql("status = 'waiting'")),
        # One open question per interaction and expert: a double submit cannot ask twice.
        Index("uq_escalations_waiting", "interaction_id", "expert_id", unique=True,
              postgresql_where=sql("status = 'waiting'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    expert_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="waiting", server_default="waiting")
    nonce: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    paused_sla: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql("false"))
    reminder_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CrisisPlan(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """The plan for the bad day (Notfallplan): severity levels, steps, contacts, approvals.

    Lists are JSON: ``severity_levels`` [{"name", "description"}], ``checklist`` [str],
    ``contacts`` [{"name", "role", "phone", "email"}], ``approval_chain`` [str]. Holding statements
    are saved replies of kind ``holding`` (insertable like any saved reply).
    """

    __tablename__ = "crisis_plans"
    __table_args__ = (UniqueConstraint("workspace_id", name="uq_crisis_plans_workspace_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    severity_levels: Mapped[list[Any]] = mapped_column(default=list, server_default=sql("'[]'::jsonb"))
    checklist: Mapped[list[Any]] = mapped_column(default=list, server_default=sql("'[]'::jsonb"))
    contacts: Mapped[list[Any]] = mapped_column(default=list, server_default=sql("'[]'::jsonb"))
    approval_chain: Mapped[list[Any]] = mapped_column(default=list, server_default=sql("'[]'::jsonb"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


class CrisisIncident(db.WorkspaceMixin, db.Base):
    """A crisis in progress (or a past one, closed with a summary).

    ``checklist`` is the plan's checklist copied at opening, with progress:
    [{"text", "done_at", "done_by"}]. At most one incident of a workspace is open.
    """

    __tablename__ = "crisis_incidents"
    __table_args__ = (
        CheckConstraint(f"status in ({_in(INCIDENT_STATUSES)})", name="status_known"),
        CheckConstraint("status = 'open' or closed_at is not null", name="closed_has_time"),
        Index("uq_crisis_incidents_open", "workspace_id", unique=True, postgresql_where=sql("status = 'open'")),
        Index("ix_crisis_incidents_opened", "workspace_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open")
    severity: Mapped[str] = mapped_column(String(80), default="", server_default="")
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    trigger: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql("'{}'::jsonb"))
    explanation: Mapped[str] = mapped_column(Text, default="", server_default="")
    checklist: Mapped[list[Any]] = mapped_column(default=list, server_default=sql("'[]'::jsonb"))
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")


class IncidentEvent(db.WorkspaceMixin, db.Base):
    """One entry of an incident's timeline: opened, a detector signal, a note, a ticked step,
    a notification sent, closed."""

    __tablename__ = "incident_events"
    __table_args__ = (
        CheckConstraint(f"kind in ({_in(EVENT_KINDS)})", name="kind_known"),
        Index("ix_incident_events_incident", "incident_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("crisis_incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


class StormSignal(db.WorkspaceMixin, db.Base):
    """A warning or alarm of the detector for the hour ending at ``window_end`` (once per hour and workspace).

    ``suppressed`` says why nobody was told: "snoozed" (an expected event), "cooldown", "open"
    (an incident is already open); empty when people were notified.
    """

    __tablename__ = "storm_signals"
    __table_args__ = (
        UniqueConstraint("workspace_id", "window_end", name="uq_storm_signals_window"),
        CheckConstraint(f"level in ({_in(SIGNAL_LEVELS)})", name="level_known"),
        Index("ix_storm_signals_recent", "workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_end: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(8))
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    explanation: Mapped[str] = mapped_column(Text, default="", server_default="")
    suppressed: Mapped[str] = mapped_column(String(16), default="", server_default="")
    incident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("crisis_incidents.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


class ProactiveReply(db.WorkspaceMixin, db.Base):
    """A reply we sent to a positive comment or as a follow-up, unasked: counted per month."""

    __tablename__ = "proactive_replies"
    __table_args__ = (
        UniqueConstraint("reply_id", name="uq_proactive_replies_reply_id"),
        Index("ix_proactive_replies_month", "workspace_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    reply_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("replies.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))  # "positive" | "follow_up"
    sent_at: Mapped[datetime]


class ReplyCheck(db.WorkspaceMixin, db.Base):
    """The checker's verdict on a reply that went out (checked on sending; warnings never stop a reply).

    ``findings``: [{"code", "excerpt", "suggestion"}] — what the account manager sees on the tone page.
    """

    __tablename__ = "reply_checks"
    __table_args__ = (
        UniqueConstraint("reply_id", name="uq_reply_checks_reply_id"),
        Index("ix_reply_checks_month", "workspace_id", "checked_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reply_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("replies.id", ondelete="CASCADE"))
    remarks: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    findings: Mapped[list[Any]] = mapped_column(default=list, server_default=sql("'[]'::jsonb"))
    checked_at: Mapped[datetime]
