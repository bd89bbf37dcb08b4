"""Tables of time per client: activities, time entries, settings, budgets, month closes, plans and the
inbox activity that becomes suggested entries.

Durations are whole minutes; moments are UTC; a work day (``work_date``) is the agency's local date.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from agency import db

MAX_DAY_MINUTES = 24 * 60
MAX_NOTE = 2000
ROUNDING_CHOICES = (0, 1, 5, 6, 10, 15)
DEFAULT_THRESHOLDS = [80, 100]


class Source(enum.StrEnum):
    TIMER = "timer"
    MANUAL = "manual"
    INBOX = "inbox"


class State(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    INVOICED = "invoiced"


class Rollover(enum.StrEnum):
    NONE = "none"
    UNUSED = "unused"  # unused hours carry into the next month
    BOTH = "both"  # over- and under-runs carry


class Activity(db.TenantMixin, db.TimestampMixin, db.Base):
    """A kind of work (community management, content, …), per agency, with its billable default.

    The defaults carry a ``key`` so their names show in the reader's language until someone renames them.
    """

    __tablename__ = "time_activities"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_time_activities_agency_name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    name: Mapped[str] = mapped_column(String(80))
    billable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class TimeEntry(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """Time one person spent for one client: a running timer, a finished span or a bare duration.

    ``minutes`` is always the raw duration (for a timed entry: end − start in whole minutes); rounding is
    applied only where hours are billed (``rounding.billed_minutes``). ``invoice_id`` belongs to billing,
    which sets it together with state ``invoiced``; it has no foreign key on purpose (billing sits above).
    """

    __tablename__ = "time_entries"
    __table_args__ = (
        CheckConstraint("minutes >= 0 AND minutes <= 1440", name="minutes_in_day"),
        CheckConstraint("source in ('timer','manual','inbox')", name="source_known"),
        CheckConstraint("state in ('open','approved','invoiced')", name="state_known"),
        CheckConstraint("ended_at IS NULL OR (started_at IS NOT NULL AND ended_at > started_at)", name="span_valid"),
        CheckConstraint("state = 'open' OR ended_at IS NOT NULL OR started_at IS NULL", name="running_is_open"),
        # At most one running timer per person: two concurrent starts leave exactly one.
        Index("uq_time_entries_one_running", "user_id", unique=True,
              postgresql_where=text("started_at IS NOT NULL AND ended_at IS NULL")),
        Index("ix_time_entries_user_date", "user_id", "work_date"),
        Index("ix_time_entries_agency_date", "agency_id", "work_date"),
        # Covers the retainer usage query (index-only scans over a workspace's months).
        Index("ix_time_entries_workspace_date", "workspace_id", "work_date",
              postgresql_include=["minutes", "activity_id", "billable"]),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("time_activities.id", ondelete="RESTRICT"),
                                             index=True)
    work_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(MAX_NOTE), default="", server_default="")
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(8), default=Source.MANUAL)
    interaction_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("interactions.id", ondelete="SET NULL"), nullable=True)
    state: Mapped[str] = mapped_column(String(10), default=State.OPEN, server_default=State.OPEN.value)
    invoice_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    long_notice_sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    @property
    def is_timed(self) -> bool:
        return self.started_at is not None


class TimeSettings(db.TenantMixin, db.Base):
    """The agency's time rules: the inbox idle cut-off and when a running timer counts as forgotten."""

    __tablename__ = "time_settings"
    __table_args__ = (
        UniqueConstraint("agency_id", name="uq_time_settings_agency"),
        CheckConstraint("idle_cutoff_minutes BETWEEN 1 AND 60", name="idle_cutoff_range"),
        CheckConstraint("long_timer_hours BETWEEN 1 AND 24", name="long_timer_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idle_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default=text("5"))
    long_timer_hours: Mapped[int] = mapped_column(Integer, default=10, server_default=text("10"))


class WorkspaceTimeSettings(db.WorkspaceMixin, db.Base):
    """A client's retainer: monthly budget, rollover policy, alert thresholds and the rounding of billed time."""

    __tablename__ = "time_workspace_settings"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_time_workspace_settings_workspace"),
        CheckConstraint("rounding_minutes in (0, 1, 5, 6, 10, 15)", name="rounding_known"),
        CheckConstraint("rollover in ('none','unused','both')", name="rollover_known"),
        CheckConstraint("budget_minutes IS NULL OR budget_minutes BETWEEN 0 AND 1000000", name="budget_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    rounding_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    budget_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rollover: Mapped[str] = mapped_column(String(8), default=Rollover.NONE, server_default=Rollover.NONE.value)
    # The first month of the retainer: rollover starts counting there.
    budget_starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    thresholds: Mapped[list[Any]] = mapped_column(default=lambda: list(DEFAULT_THRESHOLDS))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)


class ActivityBudget(db.WorkspaceMixin, db.Base):
    """Part of a retainer reserved for one activity (monthly minutes)."""

    __tablename__ = "time_activity_budgets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "activity_id", name="uq_time_activity_budgets_workspace_activity"),
        CheckConstraint("minutes BETWEEN 0 AND 1000000", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    activity_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("time_activities.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer)


class MonthClose(db.WorkspaceMixin, db.Base):
    """A closed month of one workspace, with the budget figures frozen at closing.

    Closing approves the month's entries and makes them read-only; the frozen ``carry_out`` is where the
    next month's rollover starts, so budget status never re-reads closed months.
    """

    __tablename__ = "time_month_closes"
    __table_args__ = (UniqueConstraint("workspace_id", "month", name="uq_time_month_closes_workspace_month"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    closed_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                     nullable=True)
    budget_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    carry_in: Mapped[int] = mapped_column(Integer, default=0)
    used_minutes: Mapped[int] = mapped_column(Integer, default=0)
    carry_out: Mapped[int] = mapped_column(Integer, default=0)


#: The rounding steps whose sums ``MonthUsage`` keeps (no rounding and whole minutes use ``minutes``).
USAGE_STEPS = (5, 6, 10, 15)


class MonthUsage(db.WorkspaceMixin, db.Base):
    """Billable minutes of one workspace in one month, kept by a database trigger on ``time_entries``.

    The rollover of a retainer that was never closed needs every earlier month's use: summing years of entries
    on each dashboard view took seconds at a million entries. The trigger adds and subtracts each entry's
    minutes as it is written (also by COPY and raw SQL), for every rounding step at once, so changing a
    workspace's rounding needs no rebuild. Reads pick the column of the workspace's step.
    """

    __tablename__ = "time_month_usage"
    __table_args__ = (UniqueConstraint("workspace_id", "month", name="uq_time_month_usage_workspace_month"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    minutes: Mapped[int] = mapped_column(BigInteger, default=0)
    minutes_5: Mapped[int] = mapped_column(BigInteger, default=0)
    minutes_6: Mapped[int] = mapped_column(BigInteger, default=0)
    minutes_10: Mapped[int] = mapped_column(BigInteger, default=0)
    minutes_15: Mapped[int] = mapped_column(BigInteger, default=0)


class BudgetAlert(db.WorkspaceMixin, db.Base):
    """A budget threshold crossed in a month; the unique key lets each alert happen exactly once."""

    __tablename__ = "time_budget_alerts"
    __table_args__ = (UniqueConstraint("workspace_id", "month", "threshold", name="uq_time_budget_alerts_once"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)
    used_minutes: Mapped[int] = mapped_column(Integer)
    available_minutes: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


class StaffTimeSettings(db.TenantMixin, db.Base):
    """A staff member's weekly capacity and the Land whose public holidays they have off."""

    __tablename__ = "time_staff_settings"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_time_staff_settings_user"),
        CheckConstraint("weekly_capacity_minutes BETWEEN 0 AND 6000", name="capacity_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    weekly_capacity_minutes: Mapped[int] = mapped_column(Integer, default=2400, server_default=text("2400"))
    country: Mapped[str] = mapped_column(String(2), default="DE", server_default="DE")
    subdivision: Mapped[str | None] = mapped_column(String(8), nullable=True)


class Absence(db.TenantMixin, db.TimestampMixin, db.Base):
    """Days a staff member is away (holiday, illness, training): no capacity on those days."""

    __tablename__ = "time_absences"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="range_valid"),
        CheckConstraint("kind in ('vacation','sick','other')", name="kind_known"),
        Index("ix_time_absences_user_start", "user_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10), default="vacation")
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")


class PlannedTime(db.WorkspaceMixin, db.Base):
    """Hours planned for one person on one client in one week (``week`` is its Monday)."""

    __tablename__ = "time_planned"
    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id", "week", name="uq_time_planned_user_workspace_week"),
        CheckConstraint("minutes BETWEEN 0 AND 6000", name="minutes_range"),
        CheckConstraint("extract(isodow from week) = 1", name="week_is_monday"),
        Index("ix_time_planned_agency_week", "agency_id", "week"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    week: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)


class InboxSpan(db.WorkspaceMixin, db.Base):
    """A stretch of someone working on one interaction (opened, reading, replying, closing).

    Each activity signal extends the person's latest span on that interaction when it ended less than the
    idle cut-off ago, otherwise starts a new one. Suggestions merge the spans of a day; accepting or
    discarding them resolves the spans, so the same time is never suggested twice.
    """

    __tablename__ = "time_inbox_spans"
    __table_args__ = (
        CheckConstraint("ended_at >= started_at", name="span_valid"),
        Index("ix_time_inbox_spans_open", "user_id", "interaction_id", "ended_at",
              postgresql_where=text("resolved_at IS NULL")),
        Index("ix_time_inbox_spans_user_start", "user_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime] = mapped_column()
    events: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    time_entry_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("time_entries.id", ondelete="SET NULL"), nullable=True)
