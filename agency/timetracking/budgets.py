"""Retainer arithmetic: monthly budgets with rollover, usage in billed minutes, the month-end forecast.

Rollover policies, month by month (``carry_in`` of a month is the previous month's ``carry_out``):

- ``none``: nothing carries; every month starts at its budget.
- ``unused``: hours left over carry into the next month; an overrun is forgiven (carry ≥ 0).
- ``both``: over- and under-runs carry: ``carry_out = budget + carry_in − used`` (may be negative).

Closed months freeze their figures (``MonthClose``), so a status never re-reads a closed month's entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib
from sqlalchemy import text

from agency import db
from agency.accounts.models import Workspace
from agency.timetracking.models import DEFAULT_THRESHOLDS, MonthClose, Rollover
from agency.timetracking.settings import activity_budgets, today, workspace_settings


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


# All the figures of many workspaces' retainers in one month, in one statement and one row per workspace:
# - the settings (defaults when a workspace has none) and the last month close before the month;
# - where the rollover chain starts (the retainer's first month, or the month after the last close), and the
#   billed minutes of the months from there to the month before, from the month totals the database keeps
#   (MonthUsage: one row per month whatever the number of entries; an index range per workspace, LATERAL);
# - the month's own billed minutes per day and per activity (one pass over its entries, GROUPING SETS),
#   for the burn-down and the activity budgets; and the activity budgets.
# Python only walks the (short) chain of each workspace, a month without a row having used nothing: ``unused``
# clamps at zero, so the carry is not a plain sum.
_STATUS = text("""
WITH last_close AS (
  SELECT DISTINCT ON (workspace_id) workspace_id, month, carry_out
  FROM time_month_closes
  WHERE workspace_id = ANY(CAST(:ids AS bigint[])) AND month < :month
  ORDER BY workspace_id, month DESC
), ws AS (
  SELECT w.workspace_id, s.workspace_id IS NOT NULL AS has_settings, s.rounding_minutes, s.budget_minutes,
         coalesce(s.rollover, 'none') AS rollover, s.thresholds, c.month AS close_month, c.carry_out AS close_carry,
         CASE WHEN s.budget_minutes IS NULL OR coalesce(s.rollover, 'none') = 'none' OR s.budget_starts_on IS NULL
              THEN CAST(:month AS date)
              ELSE least(CAST(date_trunc('month', s.budget_starts_on) AS date), CAST(:month AS date)) END AS chain_start
  FROM unnest(CAST(:ids AS bigint[])) AS w(workspace_id)
  LEFT JOIN time_workspace_settings s ON s.workspace_id = w.workspace_id
  LEFT JOIN last_close c ON c.workspace_id = w.workspace_id
), chain AS (
  SELECT ws.*, coalesce(close_month >= chain_start, false) AS close_counts,
         CASE WHEN close_month >= chain_start THEN CAST(close_month + interval '1 month' AS date)
              ELSE chain_start END AS from_month
  FROM ws
), earlier AS (
  SELECT ch.workspace_id, h.months, h.used
  FROM chain ch
  CROSS JOIN LATERAL (
    SELECT array_agg(u.month ORDER BY u.month) AS months,
           array_agg(CASE coalesce(ch.rounding_minutes, 0) WHEN 5 THEN u.minutes_5 WHEN 6 THEN u.minutes_6
                          WHEN 10 THEN u.minutes_10 WHEN 15 THEN u.minutes_15 ELSE u.minutes END
                     ORDER BY u.month) AS used
    FROM time_month_usage u
    WHERE u.workspace_id = ch.workspace_id AND u.month >= ch.from_month AND u.month < :month) h
  WHERE ch.from_month < :month
), current_month AS (
  SELECT e.workspace_id, e.work_date, e.activity_id,
         sum(CASE WHEN coalesce(ch.rounding_minutes, 0) <= 1 THEN e.minutes
                  ELSE ceil(e.minutes::numeric / ch.rounding_minutes)::int * ch.rounding_minutes END) AS minutes
  FROM time_entries e JOIN chain ch ON ch.workspace_id = e.workspace_id
  WHERE e.workspace_id = ANY(CAST(:ids AS bigint[])) AND e.billable AND e.work_date >= :month
        AND e.work_date < :until
  GROUP BY GROUPING SETS ((e.workspace_id, e.work_date), (e.workspace_id, e.activity_id))
), month_use AS (
  SELECT workspace_id,
         array_agg(work_date ORDER BY work_date) FILTER (WHERE activity_id IS NULL) AS days,
         array_agg(minutes ORDER BY work_date) FILTER (WHERE activity_id IS NULL) AS day_minutes,
         array_agg(activity_id ORDER BY activity_id) FILTER (WHERE work_date IS NULL) AS activities,
         array_agg(minutes ORDER BY activity_id) FILTER (WHERE work_date IS NULL) AS activity_minutes
  FROM current_month GROUP BY workspace_id
), activity_budgets AS (
  SELECT workspace_id, array_agg(activity_id ORDER BY activity_id) AS activities,
         array_agg(minutes ORDER BY activity_id) AS minutes
  FROM time_activity_budgets WHERE workspace_id = ANY(CAST(:ids AS bigint[])) GROUP BY workspace_id
)
SELECT ch.workspace_id, ch.has_settings, ch.budget_minutes, ch.rollover, ch.thresholds, ch.close_counts,
       ch.close_carry, ch.from_month, earlier.months, earlier.used, mu.days, mu.day_minutes, mu.activities,
       mu.activity_minutes, ab.activities AS budget_activities, ab.minutes AS budget_minutes_by_activity
FROM chain ch
LEFT JOIN earlier ON earlier.workspace_id = ch.workspace_id
LEFT JOIN month_use mu ON mu.workspace_id = ch.workspace_id
LEFT JOIN activity_budgets ab ON ab.workspace_id = ch.workspace_id
""")


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def budget_statuses(workspaces: list[Workspace], month: date, *, now=None) -> dict[int, BudgetStatus]:
    """The retainer status of many workspaces in one month with one query (the dashboard, the alerts)."""
    month = month.replace(day=1)
    if not workspaces:
        return {}
    by_id = {ws.id: ws for ws in workspaces}
    rows = db.session.execute(_STATUS, {"ids": list(by_id), "month": month, "until": next_month(month)})
    current = today(_agency_of(workspaces[0]), now)
    calendars: dict[tuple, tuple[int, int]] = {}  # (country, subdivision) -> (working days, elapsed)
    result = {}
    for row in rows:
        ws = by_id[row.workspace_id]
        budget = row.budget_minutes
        carry = row.close_carry if row.close_counts else 0
        if row.from_month < month:  # the months of the chain, none left out (a month without time used nothing)
            used_in = dict(zip(map(_month_number, row.months or ()), row.used or (), strict=True))
            for number in range(_month_number(row.from_month), _month_number(month)):
                carry = carry_out(row.rollover, budget or 0, carry, int(used_in.get(number, 0)))
        if budget is None or row.rollover == Rollover.NONE:
            carry = 0
        daily = dict(zip(row.days or (), map(int, row.day_minutes or ()), strict=True))
        used_now = sum(daily.values())
        region = (ws.country or "DE", ws.subdivision)
        if region not in calendars:
            calendars[region] = _pace(month, current, *region)
        result[ws.id] = BudgetStatus(
            workspace_id=ws.id, month=month, budget_minutes=budget, carried_over_minutes=carry, used_minutes=used_now,
            forecast_minutes=_at_pace(used_now, *calendars[region]), rollover=row.rollover,
            thresholds=list(row.thresholds or []) if row.has_settings else list(DEFAULT_THRESHOLDS),
            activity_used=dict(zip(row.activities or (), map(int, row.activity_minutes or ()), strict=True)),
            activity_budgets=dict(zip(row.budget_activities or (), row.budget_minutes_by_activity or (), strict=True)),
            daily_used=daily)
    return {ws_id: result[ws_id] for ws_id in by_id}


def _pace(month: date, current: date, country: str, subdivision: str | None) -> tuple[int, int]:
    """(working days of ``month``, those up to ``current``) in a region; (0, 0) when ``current`` is outside it."""
    last = month_end(month)
    if current > last or current < month:
        return 0, 0
    days = working_days(month, last, country, subdivision)
    return len(days), sum(1 for d in days if d <= current)


def _at_pace(used: int, days: int, elapsed: int) -> int:
    return round(used * days / elapsed) if elapsed and used else used


def forecast(used: int, month: date, workspace: Workspace, *, now=None, current: date | None = None) -> int:
    """Minutes at month end if the pace so far (per working day of the client's region) continues;
    ``current`` is the agency's today (found from ``now`` when not given)."""
    current = current or today(_agency_of(workspace), now)
    return _at_pace(used, *_pace(month, current, workspace.country or "DE", workspace.subdivision))


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
