"""Numbers per workspace for the dashboard, gathered from the domains' queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agency.inbox import queries as inbox_queries
from agency.sla import queries as sla_queries


@dataclass
class WorkspaceNumbers:
    open: int | None = None
    unassigned: int | None = None
    mine: int | None = None
    oldest_waiting_since: datetime | None = None
    at_risk: int | None = None
    breached: int | None = None


def workspace_numbers(user, workspace_ids: list[int]) -> dict[int, WorkspaceNumbers]:
    """Inbox and SLA numbers per workspace."""
    numbers = {ws_id: WorkspaceNumbers() for ws_id in workspace_ids}
    if not workspace_ids:
        return numbers
    for ws_id, counts in inbox_queries.dashboard_counts(user.id, workspace_ids).items():
        target = numbers[ws_id]
        target.open, target.unassigned, target.mine = counts.open, counts.unassigned, counts.mine
        target.oldest_waiting_since = counts.oldest_waiting_since
    for ws_id, (at_risk, breached) in sla_queries.dashboard_counts(workspace_ids).items():
        numbers[ws_id].at_risk, numbers[ws_id].breached = at_risk, breached
    return numbers
