"""SLA tables: business calendars, policies with their targets, pauses and sent alerts.

Due times and states live on the interaction itself (``interactions.*_due_at``,
``sla_state``), so the inbox can sort and filter by them with an index; these
tables hold what the SLA engine needs to compute them and to alert exactly once.
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
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency import db

METRICS = ("first_response", "next_response", "resolution")
KINDS = ("comment", "reply", "direct_message", "review", "mention")
PRIORITIES = ("urgent", "high", "normal", "low")
PAUSE_REASONS = ("snoozed", "waiting_on_expert")
ALERT_LEVELS = ("at_risk", "breached")
STATES = ("on_track", "at_risk", "breached", "met", "missed")

# Longest target: 90 days. Longest warning window: one day (the minute scan looks that far ahead).
MAX_TARGET_MINUTES = 90 * 24 * 60
MAX_WARN_MINUTES = 24 * 60


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class SlaCalendar(db.TenantMixin, db.TimestampMixin, db.Base):
    """A named business calendar of an agency, stored as ``BusinessCalendar.to_dict()`` JSON."""

    __tablename__ = "sla_calendars"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_sla_calendars_agency_name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    definition: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


class SlaPolicy(db.TenantMixin, db.TimestampMixin, db.Base):
    """The agency's default policy (``workspace_id`` empty) or one workspace's override.

    A workspace policy inherits every empty setting and every missing target cell from the
    agency default (which itself falls back to the built-in defaults of ``agency.sla.policy``).

    ``calendar_mode``: ``default`` = Mon–Fri 09:00–17:00 in the workspace's time zone with its
    country's (and Land's) public holidays; ``custom`` = the calendar ``calendar_id``; empty =
    inherit (on the agency default: ``default``).
    """

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_sla_policies_workspace_id"),
        Index("uq_sla_policies_agency_default", "agency_id", unique=True,
              postgresql_where=sql("workspace_id is null")),
        CheckConstraint("calendar_mode is null or calendar_mode in ('default', 'custom')", name="calendar_mode_known"),
        CheckConstraint("calendar_mode is distinct from 'custom' or calendar_id is not null",
                        name="custom_needs_calendar"),
        CheckConstraint(f"warn_minutes is null or warn_minutes between 0 and {MAX_WARN_MINUTES}",
                        name="warn_minutes_range"),
        CheckConstraint("warn_percent is null or warn_percent between 0 and 100", name="warn_percent_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True)
    calendar_mode: Mapped[str | None] = mapped_column(String(8), nullable=True)
    calendar_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("sla_calendars.id", ondelete="RESTRICT"), nullable=True, index=True)
    warn_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    warn_percent: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)

    targets: Mapped[list[SlaTarget]] = relationship(back_populates="policy", cascade="all, delete-orphan",
                                                    lazy="selectin")


class SlaTarget(db.TenantMixin, db.Base):
    """One cell of a policy: the target for a metric, interaction kind and priority.

    ``minutes == 0`` switches the cell off (a workspace can drop an inherited target).
    ``business_hours``: measured in the policy's business calendar, else in calendar time (24/7).
    """

    __tablename__ = "sla_targets"
    __table_args__ = (
        UniqueConstraint("policy_id", "metric", "kind", "priority", name="uq_sla_targets_cell"),
        CheckConstraint(f"metric in ({_in(METRICS)})", name="metric_known"),
        CheckConstraint(f"kind in ({_in(KINDS)})", name="kind_known"),
        CheckConstraint(f"priority in ({_in(PRIORITIES)})", name="priority_known"),
        CheckConstraint(f"minutes between 0 and {MAX_TARGET_MINUTES}", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    policy_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sla_policies.id", ondelete="CASCADE"),
                                           index=True)
    metric: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))

    policy: Mapped[SlaPolicy] = relationship(back_populates="targets")


class SlaPause(db.WorkspaceMixin, db.Base):
    """The SLA clock of one interaction stands still from ``started_at`` to ``ended_at``.

    ``ended_at`` may lie in the future (a snooze knows when it ends) or be empty (waiting on a
    client expert: open-ended until someone ends it). Generic over ``reason``.
    """

    __tablename__ = "sla_pauses"
    __table_args__ = (
        CheckConstraint(f"reason in ({_in(PAUSE_REASONS)})", name="reason_known"),
        CheckConstraint("ended_at is null or ended_at >= started_at", name="ends_after_start"),
        Index("ix_sla_pauses_interaction", "interaction_id", "started_at"),
        # The minute scan finds pauses whose planned end (a snooze's) has just passed.
        Index("ix_sla_pauses_ended", "ended_at", postgresql_where=sql("ended_at is not null")),
        # At most one running pause per interaction and reason.
        Index("uq_sla_pauses_running", "interaction_id", "reason", unique=True,
              postgresql_where=sql("ended_at is null")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class SlaAlert(db.WorkspaceMixin, db.Base):
    """An at-risk warning or breach alert that was sent. The unique key makes each happen once."""

    __tablename__ = "sla_alerts"
    __table_args__ = (
        UniqueConstraint("interaction_id", "target", "level", name="uq_sla_alerts_once"),
        CheckConstraint(f"target in ({_in(METRICS)})", name="target_known"),
        CheckConstraint(f"level in ({_in(ALERT_LEVELS)})", name="level_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)
