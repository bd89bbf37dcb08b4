"""The pure part of the SLA engine: due times and states from an interaction's facts.

No database here: ``services`` loads the facts in bulk, calls :func:`evaluate` per row and
writes the results back in bulk. Rules (also in the README of the SLA settings page):

* An interaction has at most one response target and one resolution target. The response
  target is **first response** for a new conversation, and **next response** for a customer
  item in a conversation we had already answered when it arrived (the customer wrote again).
  Conversations: a Messenger/Instagram DM thread; a top-level comment with its replies.
* Targets run from the item's platform time. Pauses (snoozed, waiting on an expert) stop the
  clock: the paused business time is added to the due time. A pause that is still open with no
  planned end freezes the target (no due time until it ends).
* The response is done at the first staff reply sent to the platform (or when the item is
  closed/marked replied without one); the resolution when the item leaves the open statuses.
* States: pending targets are ``breached`` past due, ``at_risk`` inside the warning window,
  else ``on_track``; the interaction shows its worst pending state. With nothing pending it is
  ``missed`` when a target was done late, else ``met``. Spam, ignored, our own and deleted
  items, and items that were never open in our hands (backfilled history), have no SLA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from agency.sla.calendar import BusinessCalendar
from agency.sla.calendar._timeline import from_us, instant_us
from agency.sla.policy import EffectivePolicy

OPEN = ("new", "open", "waiting")
NO_SLA_STATUSES = ("spam", "ignored")
_RANK = {"on_track": 0, "at_risk": 1, "breached": 2}
_STATES = ("on_track", "at_risk", "breached")


@dataclass(frozen=True)
class Pause:
    started_at: datetime
    ended_at: datetime | None  # None: open-ended; may lie in the future (a snooze's planned end)
    reason: str


@dataclass(frozen=True)
class Facts:
    """What the engine needs to know about one interaction."""

    kind: str
    priority: str
    status: str
    created_at: datetime
    is_own: bool = False
    is_deleted: bool = False
    follow_up: bool = False
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None
    pauses: Sequence[Pause] = field(default_factory=tuple)


class SlaValues(NamedTuple):
    """The SLA columns of an interaction (a named tuple: built 100,000 times per recompute)."""

    first_response_due_at: datetime | None = None
    next_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_due_at: datetime | None = None
    sla_state: str | None = None
    sla_paused_since: datetime | None = None
    sla_pause_reason: str | None = None

    def as_tuple(self) -> tuple:
        return tuple(self)


NO_SLA = SlaValues()


def merge_pauses(pauses: Sequence[Pause]) -> list[tuple[datetime, datetime | None]]:
    """Sorted, non-overlapping (start, end) periods; an open end swallows everything after it."""
    merged: list[tuple[datetime, datetime | None]] = []
    for pause in sorted(pauses, key=lambda p: p.started_at):
        start, end = pause.started_at, pause.ended_at
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break
            if start <= last_end:
                merged[-1] = (last_start, None if end is None else max(last_end, end))
                continue
        merged.append((start, end))
    return merged


def due_after(clock: BusinessCalendar, start: datetime, minutes: int | timedelta,
              pauses: Sequence[tuple[datetime, datetime | None]]) -> datetime | None:
    """When ``minutes`` of ``clock`` time have run from ``start``, not counting paused periods.

    Walks the pauses in order: business time before a pause counts, the pause itself does
    not; a pause that starts at or after the due time changes nothing (it came too late).
    None while an open-ended pause holds the clock.
    """
    t, remaining = start, minutes if isinstance(minutes, timedelta) else timedelta(minutes=minutes)
    for pause_start, pause_end in pauses:
        if pause_end is not None and pause_end <= t:
            continue
        pause_start = max(pause_start, t)
        due = clock.add(t, remaining)
        if pause_start >= due:
            return due
        remaining -= clock.between(t, pause_start)
        if pause_end is None:
            return None
        t = pause_end
    return clock.add(t, remaining)


def _pending_state(due: datetime | None, window: timedelta, now: datetime) -> str:
    if due is None:  # frozen by an open-ended pause: it cannot run late meanwhile
        return "on_track"
    if now >= due:
        return "breached"
    if now >= due - window:
        return "at_risk"
    return "on_track"


def has_sla(facts: Facts) -> bool:
    if facts.status in NO_SLA_STATUSES or facts.is_own or facts.is_deleted:
        return False
    # Closed or replied without our answer or resolution on record: it arrived that way
    # (backfilled history), so it was never ours to answer in time.
    return facts.status in OPEN or facts.first_responded_at is not None or facts.resolved_at is not None


def evaluate(facts: Facts, policy: EffectivePolicy, now: datetime) -> SlaValues:
    """Due times and state of one interaction under ``policy`` at ``now``."""
    if not has_sla(facts):
        return NO_SLA
    # Runs once per interaction in a recompute (100,000 per workspace): plain locals, the policy's
    # per-cell rules and integer business time keep it at a few microseconds.
    pauses = merge_pauses(facts.pauses) if facts.pauses else ()
    follow_up = facts.follow_up
    dues: list[datetime | None] = [None, None, None]  # first response, next response, resolution
    has_target = missed = False
    worst = -1  # rank of the worst pending state
    pending_due: datetime | None = None
    created_us = None
    for slot, metric, done_at in ((1 if follow_up else 0, "next_response" if follow_up else "first_response",
                                   facts.first_responded_at or facts.resolved_at),
                                  (2, "resolution", facts.resolved_at)):
        rule = policy.rule(metric, facts.kind, facts.priority)
        if rule is None:
            continue
        _target, clock, duration_us, window = rule
        if pauses:
            due = due_after(clock, facts.created_at, timedelta(microseconds=duration_us), pauses)
        else:
            if created_us is None:
                created_us = instant_us(facts.created_at, "created_at")
            due = from_us(clock.add_us(created_us, duration_us))
        dues[slot] = due
        has_target = True
        if done_at is not None:
            missed = missed or (due is not None and done_at > due)
        else:
            worst = max(worst, _RANK[_pending_state(due, window, now)])
            if due is not None and (pending_due is None or due < pending_due):
                pending_due = due

    if not has_target:
        state = None
    elif worst >= 0:
        state = _STATES[worst]
    else:
        state = "missed" if missed else "met"
    paused_since = pause_reason = None
    if facts.pauses and state is not None:
        for pause in sorted(facts.pauses, key=lambda p: p.started_at):
            if pause.started_at <= now and (pause.ended_at is None or pause.ended_at > now):
                paused_since, pause_reason = pause.started_at, pause.reason
                break
    return SlaValues(dues[0], dues[1], dues[2], pending_due, state, paused_since, pause_reason)


def preview(policy: EffectivePolicy, kind: str, priority: str, arrival: datetime) -> dict[str, datetime | None]:
    """Due times of an item of ``kind``/``priority`` arriving at ``arrival`` (for the editors' preview)."""
    first = evaluate(Facts(kind=kind, priority=priority, status="new", created_at=arrival), policy, arrival)
    again = evaluate(Facts(kind=kind, priority=priority, status="new", created_at=arrival, follow_up=True),
                     policy, arrival)
    return {"first_response": first.first_response_due_at, "next_response": again.next_response_due_at,
            "resolution": first.resolution_due_at}
