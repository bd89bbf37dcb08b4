"""RQ entry points of the community package (queue "default"): shitstorm detection and expert reminders.

Both list the agencies with work under a named cross-agency scope and then work agency by agency
under row-level security; each workspace in its own savepoint, so one bad workspace cannot stop
the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import text

from agency import db
from agency.accounts.models import Workspace
from agency.community.services import escalations, storms
from agency.queue import job

log = logging.getLogger(__name__)

_WATCHED_WORKSPACES = text("""
SELECT w.agency_id, w.id FROM workspaces w
LEFT JOIN community_settings s ON s.workspace_id = w.id
WHERE w.archived_at IS NULL AND coalesce(s.detection_enabled, true)
  AND EXISTS (SELECT 1 FROM channels c WHERE c.workspace_id = w.id)
ORDER BY w.agency_id, w.id
""")

_AGENCIES_WITH_DUE_REMINDERS = text("""
SELECT DISTINCT agency_id FROM escalations
WHERE status = 'waiting' AND reminded_at IS NULL AND reminder_due_at <= now() AND expires_at > now()
""")


@job("default", timeout=240)
def detect_storms() -> dict[str, int]:
    """Every five minutes: judge each watched workspace's last hour; warn, alarm, open incidents."""
    with db.system_scope("shitstorm detection lists the watched workspaces of every agency"):
        watched = db.session.execute(_WATCHED_WORKSPACES).all()
    by_agency: dict[int, list[int]] = defaultdict(list)
    for agency_id, workspace_id in watched:
        by_agency[agency_id].append(workspace_id)
    counts = {"workspaces": 0, "warnings": 0, "alarms": 0, "failed": 0}
    for agency_id, workspace_ids in by_agency.items():
        with db.tenant(db.session(), agency_id):
            for workspace_id in workspace_ids:
                try:
                    with db.session.begin_nested():
                        workspace = db.session.get(Workspace, workspace_id)
                        assessment, signal = storms.detect(workspace)
                except Exception:
                    log.exception("shitstorm detection failed for workspace %s", workspace_id)
                    counts["failed"] += 1
                    continue
                counts["workspaces"] += 1
                if signal is not None:
                    counts["alarms" if assessment.level == "alarm" else "warnings"] += 1
    return counts


@job("default", timeout=240)
def detect_storm(agency_id: int, workspace_id: int) -> str:
    """Judge one workspace now (operations: ``agency run-job detect_storm AGENCY WORKSPACE``)."""
    with db.tenant(db.session(), agency_id):
        workspace = db.get_in_agency(Workspace, workspace_id, agency_id)
        if workspace is None:
            return "missing"
        assessment, _signal = storms.detect(workspace)
        return assessment.level


@job("default", timeout=240)
def remind_experts() -> int:
    """Every five minutes: remind experts whose answer is overdue (once), and tell whoever asked."""
    with db.system_scope("expert reminders list agencies with overdue questions"):
        agency_ids = list(db.session.scalars(_AGENCIES_WITH_DUE_REMINDERS))
    sent = 0
    for agency_id in agency_ids:
        with db.tenant(db.session(), agency_id):
            sent += escalations.send_due_reminders()
    return sent
