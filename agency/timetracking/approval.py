"""Approval and month close, and what billing needs from time tracking.

Account managers approve a period's entries per workspace (optionally one person's) and close the month:
closing approves what is left, freezes the month's retainer figures and makes its entries read-only.
Owners and admins can re-open a month with a reason. Every step is in the audit log. Billing (above this
package) reads approved, billable, not yet invoiced entries and marks them invoiced in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.accounts.permissions import can
from agency.errors import ValidationError
from agency.timetracking.budgets import budget_statuses, carry_out, next_month
from agency.timetracking.durations import billed_minutes
from agency.timetracking.models import MonthClose, State, TimeEntry
from agency.timetracking.settings import workspace_settings

MAX_REASON = 500


def _period_filter(workspace: Workspace, first: date, last: date, user_id: int | None):
    conditions = [TimeEntry.workspace_id == workspace.id, TimeEntry.work_date >= first, TimeEntry.work_date <= last]
    if user_id is not None:
        conditions.append(TimeEntry.user_id == user_id)
    return conditions


def approve_period(actor: User, workspace: Workspace, first: date, last: date, *, user_id: int | None = None) -> int:
    """Approve the open, finished entries of a workspace in ``first``..``last`` (optionally one person's)."""
    if not can(actor, "time.approve"):
        raise ValidationError(_("Only account managers approve time."))
    if last < first or (last - first).days > 366:
        raise ValidationError(_("Choose a period of at most a year."), "first")
    stmt = (update(TimeEntry).where(*_period_filter(workspace, first, last, user_id), TimeEntry.state == State.OPEN,
                                    TimeEntry.ended_at.is_not(None) | TimeEntry.started_at.is_(None))
            .values(state=State.APPROVED, approved_at=db.utcnow(), approved_by_id=actor.id)
            .execution_options(synchronize_session=False))
    count = db.session.execute(stmt).rowcount or 0
    audit.record("time.approved", agency_id=workspace.agency_id, actor=actor, obj=workspace,
                 details={"first": first.isoformat(), "last": last.isoformat(), "user_id": user_id, "entries": count})
    db.session.expire_all()
    return count


def running_timers_in(workspace: Workspace, first: date, last: date) -> int:
    return db.session.scalar(select(func.count(TimeEntry.id)).where(
        *_period_filter(workspace, first, last, None), TimeEntry.started_at.is_not(None),
        TimeEntry.ended_at.is_(None))) or 0


def close_month(actor: User, workspace: Workspace, month: date) -> MonthClose:
    """Approve the month's remaining entries, freeze its retainer figures and lock it."""
    if not can(actor, "time.approve"):
        raise ValidationError(_("Only account managers close months."))
    month = month.replace(day=1)
    last = next_month(month) - timedelta(days=1)
    db.advisory_lock("time.close_month", workspace.id)  # a double submit waits, then finds it closed
    if db.session.scalar(select(MonthClose.id).where(MonthClose.workspace_id == workspace.id,
                                                     MonthClose.month == month)) is not None:
        raise ValidationError(_("This month is closed already."))
    if running_timers_in(workspace, month, last):
        raise ValidationError(_("A timer is still running in this month. It has to be stopped first."))
    approve_period(actor, workspace, month, last)
    status = budget_statuses([workspace], month)[workspace.id]
    settings = workspace_settings(workspace)
    out = carry_out(settings.rollover, status.budget_minutes or 0, status.carried_over_minutes, status.used_minutes) \
        if status.has_budget else 0
    close = MonthClose(agency_id=workspace.agency_id, workspace_id=workspace.id, month=month, closed_by_id=actor.id,
                       budget_minutes=status.budget_minutes, carry_in=status.carried_over_minutes,
                       used_minutes=status.used_minutes, carry_out=out)
    db.session.add(close)
    db.session.flush()
    audit.record("time.month_closed", agency_id=workspace.agency_id, actor=actor, obj=workspace,
                 details={"month": month.isoformat(), "used_minutes": status.used_minutes, "carry_out": out})
    return close


def reopen_month(actor: User, workspace: Workspace, month: date, reason: str) -> int:
    """Re-open a closed month (owners and admins, with a reason): its approved entries become open again.

    Later closed months built their rollover on this one, so they are re-opened too. Invoiced entries stay
    invoiced. Returns how many entries were re-opened.
    """
    if not can(actor, "time.reopen"):
        raise ValidationError(_("Only owners and admins re-open a month."))
    reason = " ".join((reason or "").replace("\x00", "").split())
    if not reason:
        raise ValidationError(_("Say why the month is re-opened."), "reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(_("At most %(n)d characters.", n=MAX_REASON), "reason")
    month = month.replace(day=1)
    closes = list(db.session.scalars(select(MonthClose).where(MonthClose.workspace_id == workspace.id,
                                                              MonthClose.month >= month).order_by(MonthClose.month)))
    if not closes or closes[0].month != month:
        raise ValidationError(_("This month is not closed."))
    months = [c.month for c in closes]
    db.session.execute(delete(MonthClose).where(MonthClose.id.in_([c.id for c in closes]))
                       .execution_options(synchronize_session=False))
    reopened = db.session.execute(
        update(TimeEntry).where(TimeEntry.workspace_id == workspace.id, TimeEntry.state == State.APPROVED,
                                TimeEntry.work_date >= month,
                                TimeEntry.work_date < next_month(months[-1]))
        .values(state=State.OPEN, approved_at=None, approved_by_id=None)
        .execution_options(synchronize_session=False)).rowcount or 0
    audit.record("time.month_reopened", agency_id=workspace.agency_id, actor=actor, obj=workspace,
                 details={"month": month.isoformat(), "months": [m.isoformat() for m in months], "reason": reason,
                          "entries": reopened})
    db.session.expire_all()
    return reopened


def closed_months_of(workspace: Workspace, months: Iterable[date] | None = None) -> dict[date, MonthClose]:
    stmt = select(MonthClose).where(MonthClose.workspace_id == workspace.id)
    if months is not None:
        stmt = stmt.where(MonthClose.month.in_(list(months)))
    return {c.month: c for c in db.session.scalars(stmt)}


# --- for billing -------------------------------------------------------------------------------

def billable_entries(workspace: Workspace, first: date, last: date) -> list[TimeEntry]:
    """Approved, billable entries of a workspace in ``first``..``last`` that no invoice holds yet.

    What billing drafts an invoice from; bill each entry's ``billed_minutes(entry)`` (the rounding rule).
    """
    return list(db.session.scalars(select(TimeEntry).where(
        TimeEntry.workspace_id == workspace.id, TimeEntry.work_date >= first, TimeEntry.work_date <= last,
        TimeEntry.state == State.APPROVED, TimeEntry.billable.is_(True), TimeEntry.invoice_id.is_(None))
        .order_by(TimeEntry.work_date, TimeEntry.id)))


def entry_billed_minutes(entry: TimeEntry) -> int:
    """The minutes billed for one entry: its raw minutes rounded up to its workspace's step."""
    settings = workspace_settings(db.session.get(Workspace, entry.workspace_id))
    return billed_minutes(entry.minutes, settings.rounding_minutes)


def mark_invoiced(workspace: Workspace, entry_ids: Sequence[int], invoice_id: int) -> int:
    """Put entries on invoice ``invoice_id``, all or none: every one must still be approved, billable and
    not invoiced (otherwise ValidationError and nothing changes). Returns the number marked."""
    ids = sorted({int(i) for i in entry_ids})
    if not ids:
        return 0
    locked = list(db.session.scalars(select(TimeEntry.id).where(
        TimeEntry.id.in_(ids), TimeEntry.workspace_id == workspace.id, TimeEntry.state == State.APPROVED,
        TimeEntry.billable.is_(True), TimeEntry.invoice_id.is_(None)).with_for_update()))
    if len(locked) != len(ids):
        raise ValidationError(_("Some entries are no longer approved and uninvoiced."))
    count = db.session.execute(update(TimeEntry).where(TimeEntry.id.in_(ids))
                               .values(state=State.INVOICED, invoice_id=int(invoice_id))
                               .execution_options(synchronize_session=False)).rowcount or 0
    db.session.expire_all()
    return count
