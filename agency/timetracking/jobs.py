"""Periodic jobs of time tracking: the forgotten-timer notice and the retainer alerts.

Both happen exactly once whatever runs twice or at once: the notice claims its timer with a conditional
UPDATE, the alert inserts into ``time_budget_alerts`` (unique per workspace, month and threshold) with
``ON CONFLICT DO NOTHING RETURNING`` — only the worker whose row was written notifies.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from agency import db
from agency.accounts.models import Agency, User, Workspace
from agency.accounts.notifications import notify
from agency.mail import absolute_url, queue_mail
from agency.queue import job
from agency.sla.alerts import account_managers
from agency.timetracking.budgets import budget_statuses
from agency.timetracking.durations import format_minutes
from agency.timetracking.settings import today

_AGENCIES_WITH_TIMERS = text("SELECT DISTINCT agency_id FROM time_entries "
                             "WHERE started_at IS NOT NULL AND ended_at IS NULL AND long_notice_sent_at IS NULL")
_AGENCIES_WITH_BUDGETS = text("SELECT DISTINCT agency_id FROM time_workspace_settings WHERE budget_minutes IS NOT NULL")

# Claim each forgotten timer once: only the UPDATE that sets the stamp returns the row.
_CLAIM_LONG_TIMERS = text("""
UPDATE time_entries e SET long_notice_sent_at = :now
FROM (SELECT coalesce((SELECT long_timer_hours FROM time_settings), 10) AS hours) s
WHERE e.started_at IS NOT NULL AND e.ended_at IS NULL AND e.long_notice_sent_at IS NULL
  AND e.started_at <= :now - make_interval(hours => s.hours)
RETURNING e.id, e.user_id, e.workspace_id, e.started_at
""")

_INSERT_ALERT = text("""
INSERT INTO time_budget_alerts (agency_id, workspace_id, month, threshold, used_minutes, available_minutes, sent_at)
VALUES (:agency_id, :workspace_id, :month, :threshold, :used, :available, :now)
ON CONFLICT ON CONSTRAINT uq_time_budget_alerts_once DO NOTHING
RETURNING id
""")


def notify_long_timers(now: datetime | None = None) -> int:
    """Tell each person once that their timer has been running past the agency's limit."""
    now = now or db.utcnow()
    with db.system_scope("the timer check lists agencies with running timers"):
        agency_ids = sorted(db.session.scalars(_AGENCIES_WITH_TIMERS))
    sent = 0
    for agency_id in agency_ids:
        with db.tenant(db.session(), agency_id):
            for row in db.session.execute(_CLAIM_LONG_TIMERS, {"now": now}).all():
                user = db.session.get(User, row.user_id)
                workspace = db.session.get(Workspace, row.workspace_id)
                hours = int((now - row.started_at).total_seconds() // 3600)
                title = _l("Your timer has been running for %(hours)d hours", hours=hours)
                body = _l("The timer on %(workspace)s is still running. Stop it, or correct the entry if you "
                          "forgot it.", workspace=workspace.name)
                notify([user], kind="time.long_timer", title=title, body=body, link="/time",
                       dedupe_key=f"time-long-timer:{row.id}", workspace_id=workspace.id)
                sent += 1
    return sent


def check_budgets(now: datetime | None = None) -> int:
    """Alert account managers (in-app and by e-mail) when a retainer crosses a threshold this month."""
    now = now or db.utcnow()
    with db.system_scope("the retainer check lists agencies with budgets"):
        agency_ids = sorted(db.session.scalars(_AGENCIES_WITH_BUDGETS))
    sent = 0
    for agency_id in agency_ids:
        with db.tenant(db.session(), agency_id):
            sent += _check_agency(agency_id, now)
    return sent


def _check_agency(agency_id: int, now: datetime) -> int:
    agency = db.session.get(Agency, agency_id)
    month = today(agency, now).replace(day=1)
    workspaces = list(db.session.scalars(select(Workspace).where(
        Workspace.agency_id == agency_id, Workspace.archived_at.is_(None),
        Workspace.id.in_(text("SELECT workspace_id FROM time_workspace_settings WHERE budget_minutes IS NOT NULL")))))
    sent = 0
    for workspace_id, status in budget_statuses(workspaces, month, now=now).items():
        for threshold in status.crossed():
            inserted = db.session.execute(_INSERT_ALERT, {
                "agency_id": agency_id, "workspace_id": workspace_id, "month": month, "threshold": threshold,
                "used": status.used_minutes, "available": status.available_minutes, "now": now}).scalar()
            if inserted is None:
                continue
            _alert(db.session.get(Workspace, workspace_id), status, threshold, month, inserted)
            sent += 1
    return sent


def _alert(workspace: Workspace, status, threshold: int, month: date, alert_id: int) -> None:
    users = account_managers(workspace)
    variables = {"workspace": workspace.name, "threshold": threshold, "used": format_minutes(status.used_minutes),
                 "available": format_minutes(status.available_minutes), "month": month.strftime("%m/%Y"),
                 "forecast": format_minutes(status.forecast_minutes)}
    title = _l("%(workspace)s has used %(threshold)d%% of its hours in %(month)s", **variables)
    body = _l("%(used)s h of %(available)s h used; at this pace %(forecast)s h by the end of the month.",
              **variables)
    link = f"/w/{workspace.slug}/time"
    notify(users, kind="time.budget", title=title, body=body, link=link, dedupe_key=f"time-budget:{alert_id}",
           workspace_id=workspace.id)
    for user in users:
        if user.email:
            with force_locale(user.locale or workspace.locale or "de"):
                queue_mail(user.email, str(title), "\n\n".join([str(body), absolute_url(link)]))


@job("default", timeout=300)
def scan_long_timers() -> int:
    """Periodic: notify people whose timer runs past the agency's limit (once per timer)."""
    return notify_long_timers()


@job("default", timeout=600)
def scan_budgets() -> int:
    """Periodic: retainer alerts at each threshold, exactly once per workspace, month and threshold."""
    return check_budgets()
