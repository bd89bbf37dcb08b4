"""Effective SLA policies: the agency default, a workspace's override, built-in defaults.

Inheritance, cell by cell: a workspace's target for (metric, kind, priority) is its own
cell when it has one, else the agency default's cell, else the built-in default below.
A cell with 0 minutes is "no target" and stops the inheritance. Settings (calendar,
warning window) inherit the same way when the workspace leaves them empty.

Warning window: ``max(warn_minutes, warn_percent % of the target)``, never longer than the
target itself nor than a day (``MAX_WARN_MINUTES``), counted in wall-clock time before the
due time. Wall-clock, so that "at risk" means what the countdown badge shows ("due in 12
min") and so that the minute scan can find items entering the window through the due-time
index. Defaults: 15 minutes or 20 % of the target, whichever is larger.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import or_, select

from agency import db
from agency.accounts.models import Workspace
from agency.sla.calendar import BusinessCalendar
from agency.sla.models import KINDS, MAX_WARN_MINUTES, METRICS, PRIORITIES, SlaCalendar, SlaPolicy

log = logging.getLogger(__name__)

DEFAULT_WARN_MINUTES = 15
DEFAULT_WARN_PERCENT = 20
DEFAULT_HOURS = ("09:00", "17:00")

# Built-in first/next response targets in business minutes. Reviews are read later in the
# day by most businesses, so they get more time; resolution has no default target.
_RESPONSE_MINUTES = {"urgent": 30, "high": 60, "normal": 120, "low": 480}
_REVIEW_MINUTES = {"urgent": 120, "high": 240, "normal": 480, "low": 960}

Cell = tuple[str, str, str]  # (metric, kind, priority)


@dataclass(frozen=True)
class Target:
    """One SLA target: so many minutes, in business hours of the policy's calendar or 24/7."""

    minutes: int
    business_hours: bool = True


def builtin_targets() -> dict[Cell, Target]:
    """The targets an agency has before it saves its own defaults."""
    cells: dict[Cell, Target] = {}
    for kind in KINDS:
        table = _REVIEW_MINUTES if kind == "review" else _RESPONSE_MINUTES
        for priority in PRIORITIES:
            for metric in ("first_response", "next_response"):
                cells[(metric, kind, priority)] = Target(table[priority], True)
    return cells


@dataclass(frozen=True)
class EffectivePolicy:
    """Everything needed to compute due times for one workspace."""

    calendar: BusinessCalendar
    calendar_label: str
    warn_minutes: int
    warn_percent: int
    targets: Mapping[Cell, Target]
    # (metric, kind, priority) → (target, clock, its minutes, warning window): looked up per row by a
    # recompute of 100,000 items, so computed once per cell.
    _rules: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def rule(self, metric: str, kind: str, priority: str) -> tuple[Target, BusinessCalendar, int, timedelta] | None:
        """A cell's target with its clock, its duration in microseconds and its warning window (or None)."""
        key = (metric, kind, priority)
        try:
            return self._rules[key]
        except KeyError:
            target = self.target(metric, kind, priority)
            found = None if target is None else (target, self.clock(target), target.minutes * 60_000_000,
                                                 self.window(target))
            self._rules[key] = found
            return found

    def target(self, metric: str, kind: str, priority: str) -> Target | None:
        found = self.targets.get((metric, kind, priority))
        return found if found is not None and found.minutes > 0 else None

    def clock(self, target: Target) -> BusinessCalendar:
        return self.calendar if target.business_hours else ALWAYS_OPEN

    def window(self, target: Target) -> timedelta:
        """The wall-clock warning window before a target's due time."""
        minutes = max(self.warn_minutes, target.minutes * self.warn_percent / 100)
        return timedelta(minutes=min(minutes, target.minutes, MAX_WARN_MINUTES))


ALWAYS_OPEN = BusinessCalendar.always_open()


def default_weekly() -> dict[int, list[tuple[str, str]]]:
    return {day: [DEFAULT_HOURS] for day in range(5)}


@lru_cache(maxsize=512)
def workspace_default_calendar(tz: str, country: str | None, subdivision: str | None) -> BusinessCalendar:
    """Mon–Fri 09:00–17:00 in the workspace's time zone with its country's (and Land's) holidays.

    Cached: a calendar caches its computed weeks, which is what makes bulk recomputation fast.
    """
    try:
        return BusinessCalendar(tz, default_weekly(), country=country or None, subdivision=subdivision or None)
    except ValueError:
        # A country or Land the holidays package does not know (or a subdivision it does not
        # have) must not stop SLAs: fall back to the country alone, then to no public holidays.
        log.warning("workspace calendar: unknown holidays for %s/%s; using fewer", country, subdivision)
        try:
            return BusinessCalendar(tz, default_weekly(), country=country or None)
        except ValueError:
            return BusinessCalendar(tz, default_weekly())


@lru_cache(maxsize=512)
def _calendar_from_json(definition: str) -> BusinessCalendar:
    return BusinessCalendar.from_dict(json.loads(definition))


def calendar_of(stored: SlaCalendar) -> BusinessCalendar:
    """The BusinessCalendar of a stored calendar (cached by its definition)."""
    return _calendar_from_json(json.dumps(stored.definition, sort_keys=True))


def agency_default(agency_id: int) -> SlaPolicy | None:
    return db.session.scalar(select(SlaPolicy).where(SlaPolicy.agency_id == agency_id,
                                                     SlaPolicy.workspace_id.is_(None)))


def workspace_override(workspace_id: int) -> SlaPolicy | None:
    return db.session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id == workspace_id))


def cells_of(policy: SlaPolicy | None) -> dict[Cell, Target]:
    if policy is None:
        return {}
    return {(t.metric, t.kind, t.priority): Target(t.minutes, t.business_hours) for t in policy.targets}


def inherited_targets(default: SlaPolicy | None) -> dict[Cell, Target]:
    """What a workspace inherits: the agency default's cells, or the built-in ones before it saved any."""
    return builtin_targets() if default is None else cells_of(default)


def resolve(workspace: Workspace, default: SlaPolicy | None, override: SlaPolicy | None,
            calendars: Mapping[int, SlaCalendar] | None = None) -> EffectivePolicy:
    """Combine the agency default and a workspace override into the policy that applies."""
    targets = inherited_targets(default)
    if override is not None:
        targets.update(cells_of(override))

    def first(attr: str) -> Any:
        for policy in (override, default):
            value = getattr(policy, attr, None) if policy is not None else None
            if value is not None:
                return value
        return None

    mode, calendar_id = "default", None
    for policy in (override, default):
        if policy is not None and policy.calendar_mode is not None:
            mode, calendar_id = policy.calendar_mode, policy.calendar_id
            break
    calendar, label = None, None
    if mode == "custom" and calendar_id is not None:
        stored = (calendars or {}).get(calendar_id) or db.session.get(SlaCalendar, calendar_id)
        if stored is not None:
            calendar, label = calendar_of(stored), stored.name
    if calendar is None:
        calendar = workspace_default_calendar(workspace.timezone, workspace.country, workspace.subdivision)
        label = None
    warn_minutes = first("warn_minutes")
    warn_percent = first("warn_percent")
    return EffectivePolicy(
        calendar=calendar, calendar_label=label or "",
        warn_minutes=DEFAULT_WARN_MINUTES if warn_minutes is None else warn_minutes,
        warn_percent=DEFAULT_WARN_PERCENT if warn_percent is None else warn_percent,
        targets=targets,
    )


def effective_policy(workspace: Workspace) -> EffectivePolicy:
    """The policy that applies to ``workspace`` now."""
    return resolve(workspace, agency_default(workspace.agency_id), workspace_override(workspace.id))


def effective_policies(workspace_ids: Iterable[int]) -> dict[int, EffectivePolicy]:
    """Effective policies of many workspaces with four queries (the minute scan, bulk recompute)."""
    ids = sorted(set(workspace_ids))
    if not ids:
        return {}
    workspaces = list(db.session.scalars(select(Workspace).where(Workspace.id.in_(ids))))
    agency_ids = {ws.agency_id for ws in workspaces}
    policies = list(db.session.scalars(select(SlaPolicy).where(
        SlaPolicy.agency_id.in_(agency_ids),
        or_(SlaPolicy.workspace_id.is_(None), SlaPolicy.workspace_id.in_(ids)))))
    defaults = {p.agency_id: p for p in policies if p.workspace_id is None}
    overrides = {p.workspace_id: p for p in policies if p.workspace_id is not None}
    calendar_ids = {p.calendar_id for p in policies if p.calendar_id is not None}
    calendars = ({c.id: c for c in db.session.scalars(select(SlaCalendar).where(SlaCalendar.id.in_(calendar_ids)))}
                 if calendar_ids else {})
    return {ws.id: resolve(ws, defaults.get(ws.agency_id), overrides.get(ws.id), calendars) for ws in workspaces}


def all_cells() -> list[Cell]:
    return [(metric, kind, priority) for metric in METRICS for kind in KINDS for priority in PRIORITIES]
