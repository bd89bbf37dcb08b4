"""Retainer arithmetic: monthly budgets with rollover, usage in billed minutes, the month-end forecast.

Rollover policies, month by month (``carry_in`` of a month is the previous month's ``carry_out``):

- ``none``: nothing carries; every month starts at its budget.
- ``unused``: hours left over carry into the next month; an overrun is forgiven (carry ≥ 0).
- ``both``: over- and under-runs carry: ``carry_out = budget + carry_in − used`` (may be negative).

Closed months freeze their figures (``MonthClose``), so a status never re-reads a closed month's entries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib
from sqlalchemy import text

from agency import db
from agency.accounts.models import Workspace
from agency.timetracking.models import MonthClose, Rollover, WorkspaceTimeSettings
from agency.timetracking.settings import activity_budgets, settings_of_workspaces, today, workspace_settings


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first`` to ``last`` (both included)."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months


def carry_out(policy: str, budget: int, carry_in: int, used: int) -> int:
    """What a month hands to the next under ``policy``."""
    if policy == Rollover.UNUSED:
        return max(0, budget + carry_in - used)
    if policy == Rollover.BOTH:
        return budget + carry_in - used
    return 0


def roll(policy: str, budget: int, used_per_month: list[int], carry_in: int = 0) -> list[tuple[int, int]]:
    """(carry_in, carry_out) of each month in turn: the rollover chain."""
    chain = []
    for used in used_per_month:
        out = carry_out(policy, budget, carry_in, used)
        chain.append((carry_in, out))
        carry_in = out
    return chain


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year).keys())
    except (NotImplementedError, KeyError, ValueError):
        return frozenset()


def working_days(first: date, last: date, country: str = "DE", subdivision: str | None = None) -> list[date]:
    """Monday to Friday from ``first`` to ``last``, without the region's public holidays."""
    days, current = [], first
    while current <= last:
        if current.weekday() < 5 and current not in _public_holidays(country, subdivision, current.year):
            days.append(current)
        current += timedelta(days=1)
    return days


@dataclass
class MonthFigures:
    month: date
    budget: int
    carry_in: int
    used: int
    carry_out: int
    closed: bool


@dataclass
class BudgetStatus:
    """A workspace's retainer in one month; every figure in minutes (billed, i.e. after rounding)."""

    workspace_id: int
    month: date
    budget_minutes: int | None
    carried_over_minutes: int
    used_minutes: int
    forecast_minutes: int
    rollover: str
    thresholds: list[int]
    activity_used: dict[int, int] = field(default_factory=dict)
    activity_budgets: dict[int, int] = field(default_factory=dict)
    daily_used: dict[date, int] = field(default_factory=dict)

    @property
    def has_budget(self) -> bool:
        return self.budget_minutes is not None

    @property
    def available_minutes(self) -> int:
        return (self.budget_minutes or 0) + self.carried_over_minutes

    @property
    def remaining_minutes(self) -> int:
        return self.available_minutes - self.used_minutes

    @property
    def percent_used(self) -> int | None:
        if not self.has_budget:
            return None
        if self.available_minutes <= 0:
            return 100 if self.used_minutes == 0 else 999
        return round(self.used_minutes * 100 / self.available_minutes)

    @property
    def month_end(self) -> date:
        return month_end(self.month)

    def crossed(self) -> list[int]:
        """The alert thresholds this month has reached."""
        if not self.has_budget:
            return []
        if self.available_minutes <= 0:
            return sorted(self.thresholds) if self.used_minutes > 0 else []
        return [t for t in sorted(self.thresholds) if self.used_minutes * 100 >= self.available_minutes * t]


# Billed minutes per workspace from each workspace's own first month: earlier months from the month totals
# the database keeps (MonthUsage, one row per month whatever the number of entries), the month asked for from
# its entries per day and activity (for the burn-down and the activity budgets) — few rows either way.
_USAGE = text("""
SELECT u.workspace_id, u.month AS bucket, CAST(NULL AS bigint) AS activity_id,
       CASE coalesce(s.rounding_minutes, 0) WHEN 5 THEN u.minutes_5 WHEN 6 THEN u.minutes_6
            WHEN 10 THEN u.minutes_10 WHEN 15 THEN u.minutes_15 ELSE u.minutes END AS minutes
FROM unnest(CAST(:ids AS bigint[]), CAST(:froms AS date[])) AS w(workspace_id, from_day)
JOIN time_month_usage u ON u.workspace_id = w.workspace_id AND u.month >= w.from_day AND u.month < :month
LEFT JOIN time_workspace_settings s ON s.workspace_id = u.workspace_id
UNION ALL
SELECT e.workspace_id, e.work_date, e.activity_id,
       sum(CASE WHEN coalesce(s.rounding_minutes, 0) <= 1 THEN e.minutes
                ELSE ceil(e.minutes::numeric / s.rounding_minutes)::int * s.rounding_minutes END)
FROM time_entries e
LEFT JOIN time_workspace_settings s ON s.workspace_id = e.workspace_id
WHERE e.workspace_id = ANY(CAST(:ids AS bigint[])) AND e.billable AND e.work_date >= :month AND e.work_date < :until
GROUP BY 1, 2, 3
""")

_LAST_CLOSES = text("""
SELECT DISTINCT ON (workspace_id) workspace_id, month, carry_out
FROM time_month_closes
WHERE workspace_id = ANY(CAST(:ids AS bigint[])) AND month < :month
ORDER BY workspace_id, month DESC
""")


def budget_statuses(workspaces: list[Workspace], month: date, *, now=None) -> dict[int, BudgetStatus]:
    """The retainer status of many workspaces in one month with three queries (the dashboard, the alerts)."""
    month = month.replace(day=1)
    if not workspaces:
        return {}
    ids = [ws.id for ws in workspaces]
    settings = settings_of_workspaces(ids)
    closes = {row.workspace_id: row for row in db.session.execute(_LAST_CLOSES, {"ids": ids, "month": month})}
    starts: dict[int, date] = {}
    for ws in workspaces:
        start = _chain_start(settings.get(ws.id), month)
        close = closes.get(ws.id)
        if close is not None and close.month >= start:
            start = next_month(close.month)
        starts[ws.id] = start
    usage: dict[int, dict[date, dict[int, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    daily: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    rows = db.session.execute(_USAGE, {"ids": ids, "froms": [starts[i] for i in ids], "until": next_month(month),
                                       "month": month})
    for workspace_id, bucket, activity_id, minutes in rows:
        usage[workspace_id][bucket.replace(day=1)][activity_id] += int(minutes)
        if bucket >= month:
            daily[workspace_id][bucket] += int(minutes)
    budgets_by_activity = _activity_budgets(ids)
    current = today(_agency_of(workspaces[0]), now)
    result = {}
    for ws in workspaces:
        row = settings.get(ws.id) or WorkspaceTimeSettings(rounding_minutes=0, budget_minutes=None,
                                                           rollover=Rollover.NONE, thresholds=[80, 100])
        close = closes.get(ws.id)
        carry = close.carry_out if close is not None and close.month >= _chain_start(row, month) else 0
        budget = row.budget_minutes
        for earlier in months_between(starts[ws.id], month - timedelta(days=1)) if starts[ws.id] < month else []:
            used = sum(usage[ws.id][earlier].values())
            carry = carry_out(row.rollover, budget or 0, carry, used)
        if budget is None or row.rollover == Rollover.NONE:
            carry = 0
        used_now = sum(usage[ws.id][month].values())
        result[ws.id] = BudgetStatus(
            workspace_id=ws.id, month=month, budget_minutes=budget, carried_over_minutes=carry, used_minutes=used_now,
            forecast_minutes=forecast(used_now, month, ws, current=current), rollover=row.rollover,
            thresholds=list(row.thresholds or []), activity_used=dict(usage[ws.id][month]),
            activity_budgets=budgets_by_activity.get(ws.id, {}), daily_used=dict(daily[ws.id]))
    return result


def _chain_start(row: WorkspaceTimeSettings | None, month: date) -> date:
    """Where the rollover chain of ``month`` begins: the retainer's first month (never later than ``month``)."""
    if row is None or row.budget_minutes is None or row.rollover == Rollover.NONE or row.budget_starts_on is None:
        return month
    return min(row.budget_starts_on.replace(day=1), month)


def _activity_budgets(ids: list[int]) -> dict[int, dict[int, int]]:
    rows = db.session.execute(text("SELECT workspace_id, activity_id, minutes FROM time_activity_budgets "
                                   "WHERE workspace_id = ANY(CAST(:ids AS bigint[]))"), {"ids": ids})
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for workspace_id, activity_id, minutes in rows:
        found[workspace_id][activity_id] = minutes
    return found


def forecast(used: int, month: date, workspace: Workspace, *, now=None, current: date | None = None) -> int:
    """Minutes at month end if the pace so far (per working day of the client's region) continues;
    ``current`` is the agency's today (found from ``now`` when not given)."""
    current = current or today(_agency_of(workspace), now)
    last = month_end(month)
    if current > last or current < month:
        return used
    days = working_days(month, last, workspace.country or "DE", workspace.subdivision)
    elapsed = [d for d in days if d <= current]
    if not elapsed or not used:
        return used
    return round(used * len(days) / len(elapsed))


def _agency_of(workspace: Workspace):
    from agency.accounts.models import Agency

    return db.session.get(Agency, workspace.agency_id)


def budget_status(workspace: Workspace, year: int, month: int, *, now=None) -> BudgetStatus:
    """One workspace's retainer in a month: budget, carried-over, used and forecast minutes."""
    return budget_statuses([workspace], date(year, month, 1), now=now)[workspace.id]


def history(workspace: Workspace, last_month: date, count: int = 12, *, now=None) -> list[MonthFigures]:
    """Month by month (oldest first) up to ``last_month``: budget, carry in, used, carry out, closed or not."""
    row = workspace_settings(workspace)
    first = last_month.replace(day=1)
    for _ in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    if row.budget_starts_on is not None and row.budget_minutes is not None:
        first = max(first, row.budget_starts_on.replace(day=1))
    closes = {c.month: c for c in db.session.query(MonthClose).filter(MonthClose.workspace_id == workspace.id,
                                                                      MonthClose.month >= first)}
    figures = []
    statuses = {}
    for month in months_between(first, last_month):
        statuses[month] = budget_statuses([workspace], month, now=now)[workspace.id]
    for month, status in statuses.items():
        close = closes.get(month)
        if close is not None:
            figures.append(MonthFigures(month, close.budget_minutes or 0, close.carry_in, close.used_minutes,
                                        close.carry_out, True))
            continue
        out = carry_out(status.rollover, status.budget_minutes or 0, status.carried_over_minutes, status.used_minutes)
        figures.append(MonthFigures(month, status.budget_minutes or 0, status.carried_over_minutes,
                                    status.used_minutes, out if status.has_budget else 0, False))
    return figures


def activity_budget_map(workspace: Workspace) -> dict[int, int]:
    return activity_budgets(workspace.id)
