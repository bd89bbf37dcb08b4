"""The minute scan: states that moved on with the clock, at-risk warnings and breach alerts.

Alert once: the scan inserts the alerts it finds into ``sla_alerts`` with
``INSERT … ON CONFLICT DO NOTHING RETURNING``; the unique key (interaction, target, level)
lets exactly one insert through, whatever runs twice or at once — a second scan, a worker
restarted halfway (its transaction rolled back, so nothing was recorded and the next scan
sends it), two schedulers. Only the rows returned are notified: in-app notifications in the
same transaction, e-mails queued after its commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from agency import db
from agency.accounts.models import Membership, Role, User, Workspace
from agency.accounts.notifications import notify, workspace_team
from agency.inbox.models import Interaction
from agency.mail import absolute_url, queue_mail
from agency.sla.models import MAX_WARN_MINUTES
from agency.sla.policy import effective_policies
from agency.sla.services import recompute_interactions
from agency.sla.signals import sla_alerted

log = logging.getLogger(__name__)

HORIZON = timedelta(minutes=MAX_WARN_MINUTES)

KIND_LABELS = {
    "comment": _l("comment"), "reply": _l("reply"), "direct_message": _l("direct message"),
    "review": _l("review"), "mention": _l("mention"),
}
TARGET_LABELS = {
    "first_response": _l("first response"), "next_response": _l("next response"),
    "resolution": _l("resolution"),
}

# The targets of an interaction still running, with their due times (LATERAL: two per row).
_TARGETS = """
FROM interactions i
CROSS JOIN LATERAL (VALUES
    (CASE WHEN i.next_response_due_at IS NOT NULL THEN 'next_response' ELSE 'first_response' END,
     CASE WHEN i.first_responded_at IS NULL AND i.resolved_at IS NULL
          THEN coalesce(i.next_response_due_at, i.first_response_due_at) END),
    ('resolution', CASE WHEN i.resolved_at IS NULL THEN i.resolution_due_at END)) AS x(target, due)
JOIN unnest(CAST(:w_ws AS bigint[]), CAST(:w_metric AS text[]), CAST(:w_kind AS text[]),
            CAST(:w_priority AS text[]), CAST(:w_seconds AS integer[]))
     AS w(workspace_id, metric, kind, priority, seconds)
  ON w.workspace_id = i.workspace_id AND w.metric = x.target AND w.kind = i.kind AND w.priority = i.priority
WHERE i.status IN ('new', 'open', 'waiting') AND i.sla_due_at IS NOT NULL AND i.sla_due_at <= :horizon
  AND i.sla_paused_since IS NULL AND x.due IS NOT NULL AND x.due - make_interval(secs => w.seconds) <= :now
"""

_INSERT_ALERTS = text(f"""
INSERT INTO sla_alerts (agency_id, workspace_id, interaction_id, target, level, due_at, sent_at)
SELECT i.agency_id, i.workspace_id, i.id, x.target,
       CASE WHEN x.due <= :now THEN 'breached' ELSE 'at_risk' END, x.due, :now
{_TARGETS}
  -- No alert for what was already overdue when it reached us (a new channel's backfill): nobody
  -- could have acted. Its state still says breached, so reports count it.
  AND i.ingested_at < x.due
ON CONFLICT ON CONSTRAINT uq_sla_alerts_once DO NOTHING
RETURNING id, interaction_id, target, level, due_at
""")

_ADVANCE_STATES = text(f"""
UPDATE interactions AS t SET sla_state = s.state
FROM (SELECT i.id, CASE WHEN bool_or(x.due <= :now) THEN 'breached' ELSE 'at_risk' END AS state
      {_TARGETS}
      GROUP BY i.id) AS s
WHERE t.id = s.id AND t.sla_state IS DISTINCT FROM s.state AND t.sla_state IS DISTINCT FROM 'breached'
""")  # noqa: S608 - a constant fragment

_DUE_WORKSPACES = text("""
SELECT DISTINCT workspace_id FROM interactions
WHERE status IN ('new', 'open', 'waiting') AND sla_due_at IS NOT NULL AND sla_due_at <= :horizon
""")

_PAUSES_OVER = text("""
SELECT DISTINCT p.interaction_id FROM sla_pauses p JOIN interactions i ON i.id = p.interaction_id
WHERE p.ended_at IS NOT NULL AND p.ended_at <= :now AND p.ended_at > :since AND i.sla_paused_since IS NOT NULL
""")


def _windows(workspace_ids: list[int]) -> dict[str, list]:
    """Each workspace's warning window per (metric, kind, priority), as arrays for ``unnest``."""
    columns: dict[str, list] = {"w_ws": [], "w_metric": [], "w_kind": [], "w_priority": [], "w_seconds": []}
    for workspace_id, policy in effective_policies(workspace_ids).items():
        for (metric, kind, priority), target in policy.targets.items():
            if target.minutes <= 0:
                continue
            columns["w_ws"].append(workspace_id)
            columns["w_metric"].append(metric)
            columns["w_kind"].append(kind)
            columns["w_priority"].append(priority)
            columns["w_seconds"].append(int(policy.window(target).total_seconds()))
    return columns


_AGENCIES_WITH_WORK = text("""
SELECT agency_id FROM interactions
WHERE status IN ('new', 'open', 'waiting') AND sla_due_at IS NOT NULL AND sla_due_at <= :horizon
UNION
SELECT p.agency_id FROM sla_pauses p
WHERE p.ended_at IS NOT NULL AND p.ended_at <= :now AND p.ended_at > :since
""")


def scan(now: datetime | None = None) -> dict[str, int]:
    """One pass of the minute job over every agency with work, agency by agency; returns summed counts."""
    now = now or db.utcnow()
    params = {"now": now, "horizon": now + HORIZON, "since": now - timedelta(days=2)}
    with db.system_scope("the SLA scan lists agencies with due or paused items"):
        agency_ids = sorted(db.session.scalars(_AGENCIES_WITH_WORK, params))
    totals = {"pauses_ended": 0, "states": 0, "alerts": 0}
    for agency_id in agency_ids:
        with db.tenant(db.session(), agency_id):
            for key, value in scan_agency(now).items():
                totals[key] += value
    return totals


def scan_agency(now: datetime) -> dict[str, int]:
    """The scan for the session's current agency (row-level security keeps it to that agency)."""
    # 1. Snoozes whose planned end has passed: the clock runs again, due times are final.
    ended = list(db.session.scalars(_PAUSES_OVER, {"now": now, "since": now - timedelta(days=2)}))
    recompute_interactions(ended, now=now)

    params = {"now": now, "horizon": now + HORIZON}
    workspace_ids = list(db.session.scalars(_DUE_WORKSPACES, params))
    if not workspace_ids:
        return {"pauses_ended": len(ended), "states": 0, "alerts": 0}
    params.update(_windows(workspace_ids))
    # 2. States move on with the clock (on_track → at_risk → breached) for the inbox's filters.
    states = db.session.execute(_ADVANCE_STATES, params).rowcount or 0
    # 3. Alerts: the unique key decides which are new.
    alerts = db.session.execute(_INSERT_ALERTS, params).all()
    for alert in alerts:
        _notify(alert)
    return {"pauses_ended": len(ended), "states": states, "alerts": len(alerts)}


def account_managers(workspace: Workspace) -> list[User]:
    """Who hears of a breach: the workspace's account managers, else the agency's owners and admins."""
    managers = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id, User.role == Role.ACCOUNT_MANAGER,
               User.is_active_user.is_(True))))
    if managers:
        return managers
    return list(db.session.scalars(select(User).where(
        User.agency_id == workspace.agency_id, User.role.in_((Role.OWNER, Role.ADMIN)),
        User.is_active_user.is_(True))))


def at_risk_recipients(interaction: Interaction) -> list[User]:
    """Who is warned: the assignee, or the workspace team when nobody (active) is assigned."""
    if interaction.assignee_id is not None:
        assignee = db.session.get(User, interaction.assignee_id)
        if assignee is not None and assignee.is_active and assignee.is_staff:
            return [assignee]
    return workspace_team(interaction.agency_id, interaction.workspace_id)


def interaction_path(workspace: Workspace, interaction_id: int) -> str:
    return f"/w/{workspace.slug}/inbox/{interaction_id}"


def _notify(alert) -> None:
    interaction = db.session.get(Interaction, alert.interaction_id)
    workspace = db.session.get(Workspace, interaction.workspace_id)
    users = (at_risk_recipients(interaction) if alert.level == "at_risk" else account_managers(workspace))
    due_local = alert.due_at.astimezone(ZoneInfo(workspace.timezone)).strftime("%Y-%m-%d %H:%M")
    variables = {"kind": KIND_LABELS.get(interaction.kind, interaction.kind), "target": TARGET_LABELS[alert.target],
                 "workspace": workspace.name, "author": (interaction.author_name or "")[:80], "due": due_local,
                 "tz": workspace.timezone}
    if alert.level == "at_risk":
        title = _l("SLA at risk: %(kind)s from %(author)s in %(workspace)s", **variables)
        body = _l("The %(target)s is due at %(due)s (%(tz)s).", **variables)
    else:
        title = _l("SLA breached: %(kind)s from %(author)s in %(workspace)s", **variables)
        body = _l("The %(target)s was due at %(due)s (%(tz)s) and is overdue.", **variables)
    link = interaction_path(workspace, interaction.id)
    notify(users, kind=f"sla.{alert.level}", title=title, body=body, link=link,
           dedupe_key=f"sla-alert:{alert.id}", workspace_id=workspace.id)
    excerpt = " ".join((interaction.text or "").split())[:300]
    for user in users:
        if not user.email:
            continue
        with force_locale(user.locale or workspace.locale or "de"):
            text_body = "\n\n".join([str(body), f"“{excerpt}”" if excerpt else "",
                                     str(_l("Open it in the inbox: %(link)s", link=absolute_url(link)))])
            queue_mail(user.email, str(title), text_body)
    sla_alerted.send(alert, interaction=interaction, recipients=[u.id for u in users])
