"""SLA metrics of a workspace for a period (the monthly report reads these).

Population: customer interactions that arrived in ``[start, end)`` and were in our hands —
not our own, not spam, ignored or deleted, and not history that arrived already closed
(the engine's ``has_sla`` rule). Counting, wall-clock statistics and compliance run in SQL;
business-time durations need the calendar, so those are summed in Python over the answered
items' two timestamps.

* first-response time: platform time → first staff reply sent (every answered item; a
  follow-up's "first response" is its next response), mean/median/p90, wall-clock and in
  business time of the workspace's calendar. Median and p90 interpolate like
  PostgreSQL's ``percentile_cont``.
* response rate: answered / received.
* compliance per target: met / (met + missed); missed includes targets still open past due.
* breaches: items with any missed target, by channel, kind and assignee.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text

from agency import db
from agency.accounts.models import Workspace
from agency.sla.policy import effective_policy

_POPULATION = """
FROM interactions i
WHERE i.workspace_id = :ws AND i.platform_created_at >= :start AND i.platform_created_at < :end
  AND i.is_own = false AND i.is_deleted = false AND i.status NOT IN ('spam', 'ignored')
  AND (i.status IN ('new', 'open', 'waiting') OR i.first_responded_at IS NOT NULL OR i.resolved_at IS NOT NULL)
"""

# Per target: (due column, done expression).
_TARGETS = {
    "first_response": ("i.first_response_due_at", "coalesce(i.first_responded_at, i.resolved_at)"),
    "next_response": ("i.next_response_due_at", "coalesce(i.first_responded_at, i.resolved_at)"),
    "resolution": ("i.resolution_due_at", "i.resolved_at"),
}


def _met(due: str, done: str) -> str:
    return f"({due} IS NOT NULL AND {done} IS NOT NULL AND {done} <= {due})"


def _missed(due: str, done: str) -> str:
    return f"({due} IS NOT NULL AND (({done} IS NOT NULL AND {done} > {due}) OR ({done} IS NULL AND {due} <= :now)))"


_ANY_MISSED = " OR ".join(_missed(due, done) for due, done in _TARGETS.values())


@dataclass
class Durations:
    """Seconds; None when nothing was answered."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


@dataclass
class Compliance:
    met: int = 0
    missed: int = 0

    @property
    def rate(self) -> float | None:
        total = self.met + self.missed
        return self.met / total if total else None


@dataclass
class SlaMetrics:
    workspace_id: int
    start: datetime
    end: datetime
    received: int = 0
    responded: int = 0
    open: int = 0
    first_response_wall: Durations = field(default_factory=Durations)
    first_response_business: Durations = field(default_factory=Durations)
    compliance: dict[str, Compliance] = field(default_factory=dict)
    breaches_by_channel: list[tuple[int | None, str, int]] = field(default_factory=list)
    breaches_by_kind: dict[str, int] = field(default_factory=dict)
    breaches_by_assignee: list[tuple[int | None, str, int]] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.received if self.received else None

    @property
    def breached(self) -> int:
        return sum(n for _, _, n in self.breaches_by_channel)


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (as ``percentile_cont``)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _durations(values: list[float]) -> Durations:
    values = sorted(values)
    if not values:
        return Durations()
    return Durations(len(values), sum(values) / len(values), percentile(values, 0.5), percentile(values, 0.9))


def workspace_metrics(workspace: Workspace, start: datetime, end: datetime, *,
                      now: datetime | None = None) -> SlaMetrics:
    """The SLA numbers of ``workspace`` for interactions that arrived in ``[start, end)``."""
    now = now or db.utcnow()
    params = {"ws": workspace.id, "start": start, "end": end, "now": now}
    result = SlaMetrics(workspace.id, start, end)

    compliance_columns = ", ".join(
        f"count(*) FILTER (WHERE {_met(due, done)}), count(*) FILTER (WHERE {_missed(due, done)})"
        for due, done in _TARGETS.values())
    row = db.session.execute(text(
        f"SELECT count(*), count(i.first_responded_at), "
        f"count(*) FILTER (WHERE i.status IN ('new', 'open', 'waiting')), {compliance_columns} {_POPULATION}"),
        params).one()
    result.received, result.responded, result.open = row[0], row[1], row[2]
    for index, name in enumerate(_TARGETS):
        result.compliance[name] = Compliance(row[3 + 2 * index], row[4 + 2 * index])

    wall = db.session.execute(text(
        "SELECT count(*), avg(s), percentile_cont(0.5) WITHIN GROUP (ORDER BY s), "  # noqa: S608
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY s) FROM (SELECT extract(epoch FROM "
        f"i.first_responded_at - i.platform_created_at)::float8 AS s {_POPULATION} "
        "AND i.first_responded_at IS NOT NULL) AS t"), params).one()
    if wall[0]:
        result.first_response_wall = Durations(wall[0], float(wall[1]), float(wall[2]), float(wall[3]))

    calendar = effective_policy(workspace).calendar
    pairs = db.session.execute(text(
        f"SELECT i.platform_created_at, i.first_responded_at {_POPULATION} "
        "AND i.first_responded_at IS NOT NULL"), params).all()
    result.first_response_business = _durations(
        [calendar.between(created, responded).total_seconds() for created, responded in pairs])

    breached = f"{_POPULATION} AND ({_ANY_MISSED})"
    result.breaches_by_channel = [tuple(r) for r in db.session.execute(text(
        f"SELECT i.channel_id, coalesce(c.name, ''), count(*) FROM (SELECT i.* {breached}) AS i "  # noqa: S608
        "LEFT JOIN channels c ON c.id = i.channel_id GROUP BY i.channel_id, c.name ORDER BY count(*) DESC, 2"),
        params)]
    result.breaches_by_kind = dict(db.session.execute(text(
        f"SELECT i.kind, count(*) {breached} GROUP BY i.kind"), params).all())
    result.breaches_by_assignee = [tuple(r) for r in db.session.execute(text(
        f"SELECT i.assignee_id, coalesce(u.name, ''), count(*) FROM (SELECT i.* {breached}) AS i "  # noqa: S608
        "LEFT JOIN users u ON u.id = i.assignee_id GROUP BY i.assignee_id, u.name ORDER BY count(*) DESC, 2"),
        params)]
    return result
