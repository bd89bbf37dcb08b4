"""Reads for the inbox: lists per workspace and the dashboard's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from agency import db
from agency.inbox.models import OPEN_STATUSES, Interaction


@dataclass
class DashboardCounts:
    open: int = 0
    unassigned: int = 0
    mine: int = 0
    oldest_waiting_since: datetime | None = None


def dashboard_counts(user_id: int, workspace_ids: list[int]) -> dict[int, DashboardCounts]:
    """Open, unassigned, mine and the oldest still-waiting interaction per workspace."""
    stmt = (
        select(
            Interaction.workspace_id,
            func.count(),
            func.count().filter(Interaction.assignee_id.is_(None)),
            func.count().filter(Interaction.assignee_id == user_id),
            func.min(case((Interaction.is_own.is_(False), Interaction.platform_created_at))),
        )
        .where(Interaction.workspace_id.in_(workspace_ids), Interaction.status.in_(OPEN_STATUSES),
               Interaction.is_deleted.is_(False))
        .group_by(Interaction.workspace_id)
    )
    return {ws: DashboardCounts(open_, unassigned, mine, oldest)
            for ws, open_, unassigned, mine, oldest in db.session.execute(stmt).all()}


def recent_interactions(workspace_id: int, *, before: tuple[datetime, int] | None = None,
                        limit: int = 50) -> list[Interaction]:
    """Newest first, keyset-paginated on (platform time, id)."""
    stmt = select(Interaction).where(Interaction.workspace_id == workspace_id)
    if before is not None:
        stmt = stmt.where(func.row(Interaction.platform_created_at, Interaction.id) < func.row(*before))
    stmt = stmt.order_by(Interaction.platform_created_at.desc(), Interaction.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def counts_per_channel(workspace_id: int) -> dict[int, int]:
    stmt = (select(Interaction.channel_id, func.count()).where(Interaction.workspace_id == workspace_id)
            .group_by(Interaction.channel_id))
    return {channel_id: n for channel_id, n in db.session.execute(stmt).all() if channel_id is not None}
