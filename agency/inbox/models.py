"""Interactions: every comment, reply, direct message, review and mention from a channel."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from agency import db


class Kind(enum.StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    DIRECT_MESSAGE = "direct_message"
    REVIEW = "review"
    MENTION = "mention"


class Status(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
    REPLIED = "replied"
    CLOSED = "closed"
    IGNORED = "ignored"
    SPAM = "spam"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)

SEARCH_CONFIG_SQL = ("(CASE language WHEN 'de' THEN 'german'::regconfig WHEN 'en' THEN 'english'::regconfig "
                     "ELSE 'simple'::regconfig END)")
SEARCH_VECTOR_SQL = (
    f"setweight(to_tsvector({SEARCH_CONFIG_SQL}, coalesce(text, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(author_name, '')), 'B')"
)


class Interaction(db.WorkspaceMixin, db.Base):
    """One item from a platform, with the workflow fields the inbox works with."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id", name="uq_interactions_channel_external"),
        CheckConstraint("kind in ('comment','reply','direct_message','review','mention')", name="kind_known"),
        CheckConstraint("status in ('new','open','waiting','replied','closed','ignored','spam')", name="status_known"),
        CheckConstraint("priority in ('low','normal','high','urgent')", name="priority_known"),
        CheckConstraint("rating is null or rating between 1 and 5", name="rating_range"),
        CheckConstraint("sentiment_score is null or sentiment_score between -1 and 1", name="sentiment_range"),
        # The inbox list: newest first within a workspace, keyset on (platform time, id).
        Index("ix_interactions_ws_time", "workspace_id", sql("platform_created_at DESC"), sql("id DESC")),
        # The open inbox: its order as the index's order, the statuses as its predicate (migration 0012);
        # the included columns make the counts index-only scans.
        Index("ix_interactions_open_time", "workspace_id", sql("platform_created_at DESC"), sql("id DESC"),
              postgresql_where=sql("status in ('new','open','waiting')"),
              postgresql_include=["agency_id", "assignee_id", "snoozed_until", "is_deleted", "sla_state",
                                  "sla_due_at", "is_opportunity", "awaiting_since", "sentiment_label", "kind",
                                  "priority", "language"]),
        # The tag menu of the list: only the open items that carry tags (migration 0012).
        Index("ix_interactions_open_tagged", "workspace_id",
              postgresql_where=sql("status in ('new','open','waiting') and tags <> '{}'"),
              postgresql_include=["agency_id", "is_deleted", "tags"]),
        # An author's items, newest first (author history; names and recent texts at ingest).
        Index("ix_interactions_author", "workspace_id", "author_external_id", sql("platform_created_at DESC")),
        # Threads are (channel, parent_external_id / thread_external_id): replies of an item are found here.
        Index("ix_interactions_children", "channel_id", "parent_external_id",
              postgresql_where=sql("parent_external_id is not null")),
        Index("ix_interactions_thread", "channel_id", "thread_external_id"),
        # A search within workspaces is one scan (btree_gin; migration 0012).
        Index("ix_interactions_search", "workspace_id", "search_vector", postgresql_using="gin"),
        Index("ix_interactions_ws_due", "workspace_id", "sla_due_at",
              postgresql_where=sql("status in ('new','open','waiting') and sla_due_at is not null")),
        Index("ix_interactions_due_scan", "sla_due_at",
              postgresql_where=sql("status in ('new','open','waiting') and sla_due_at is not null")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Not indexed alone (unlike other tenant tables): interactions are read by workspace, and an agency index
    # is what the planner ANDs into every bitmap scan for the tenant predicate, for nothing (migration 0012).
    agency_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("agencies.id", ondelete="CASCADE"), nullable=False)
    channel_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("channels.id", ondelete="SET NULL"), nullable=True, index=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    thread_external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    context_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    context_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    author_name: Mapped[str] = mapped_column(String(300))
    author_external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    author_avatar_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    #: ``{"images": [url, ...], "context_image": url}``: pictures the item carries and the picture of the post it
    #: was written on, on the platforms' image hosts (served through ``agency.inbox.media``); None: none
    media: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    permalink: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    platform_created_at: Mapped[datetime]
    platform_updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ingested_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql("false"))
    is_own: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql("false"))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql("'{}'::jsonb"))
    # The platform's order of changes (agency.inbox.ingest): the version of the copy the text came from,
    # and of the newest removal heard of. Deleted while the removal is the newer of the two.
    platform_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    removed_version: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    # Workflow (the inbox issue builds on these).
    status: Mapped[str] = mapped_column(String(16), default=Status.NEW, server_default="new")
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.NORMAL, server_default="normal")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default=sql("'{}'"))
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    sentiment_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    sentiment_label: Mapped[str | None] = mapped_column(String(8), nullable=True)
    is_question: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql("false"))
    is_spam: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql("false"))
    is_opportunity: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql("false"))
    handled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    # The customer wrote and waits for us since (None when the last word was ours).
    awaiting_since: Mapped[datetime | None] = mapped_column(nullable=True)
    last_reply_at: Mapped[datetime | None] = mapped_column(nullable=True)

    # SLA (kept by agency.sla; stored here so the inbox can sort and filter by them with an index).
    first_response_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    first_responded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    next_response_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sla_due_at: Mapped[datetime | None] = mapped_column(nullable=True)  # the earliest open target ("burns first")
    sla_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    sla_paused_since: Mapped[datetime | None] = mapped_column(nullable=True)
    sla_pause_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    # Full-text search in the item's language (German or English stemming; "simple" otherwise), plus the
    # author's name. Kept by PostgreSQL itself.
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True), nullable=True, deferred=True)


class Reply(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A reply written by staff and sent to the platform by a job (at most once)."""

    __tablename__ = "replies"
    __table_args__ = (
        CheckConstraint("status in ('queued','sending','sent','failed')", name="status_known"),
        Index("ix_replies_interaction", "interaction_id", "created_at"),
        Index("ix_replies_pending", "status", postgresql_where=sql("status in ('queued','sending')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                  nullable=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Set before the first platform call: a retry then first looks for a reply sent after this time.
    first_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    permalink: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Last change of the row (status, attempt): the sweeper leaves alone what changed a moment ago.
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)
    use_human_agent_tag: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql("false"))


class Note(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """An internal note on an interaction: staff only, never sent."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_interaction", "interaction_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                  nullable=True)
    text: Mapped[str] = mapped_column(Text)


class SavedView(db.TenantMixin, db.TimestampMixin, db.Base):
    """A user's named inbox filter."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)


class InboxRule(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A workspace rule applied on ingest: conditions → auto-tag, auto-assign, set priority."""

    __tablename__ = "inbox_rules"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actions: Mapped[dict[str, Any]] = mapped_column(default=dict)
