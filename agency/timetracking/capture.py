"""Time from the inbox: what people spend handling interactions becomes suggested entries.

The inbox tells us (signal ``interaction_worked``) whenever someone opens a thread, is active on it
(heartbeats while the page is visible and used), replies, adds a note or changes it. Each signal extends
that person's latest span on the interaction when it ended less than the idle cut-off ago, or starts a new
one — so a thread left open over lunch does not count. At the end of the day the spans become one
suggestion per workspace: overlapping threads are merged (time counts once, for the thread opened last),
and whatever a timer or another timed entry already covers is cut out. Accepting or discarding resolves
the spans, so the same time is never suggested twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from flask_babel import gettext as _
from sqlalchemy import select, text, update

from agency import db
from agency.accounts.models import User, Workspace
from agency.accounts.queries import visible_workspace_ids
from agency.errors import ValidationError
from agency.timetracking.models import Activity, InboxSpan, Source, TimeEntry
from agency.timetracking.services import EntryInput, create_entry
from agency.timetracking.settings import agency_settings, day_bounds

#: Signals the page sends while someone works on it; "viewing" only counts when the page says it is used.
ACTIONS = ("opened", "active", "replying", "replied", "noted", "changed")
#: The tail a single event stands for (a glance at a thread is not zero seconds of work).
EVENT_TAIL = timedelta(seconds=20)

_EXTEND = text("""
UPDATE time_inbox_spans SET ended_at = greatest(ended_at, :now), events = events + 1
WHERE id = (SELECT id FROM time_inbox_spans
            WHERE user_id = :user_id AND interaction_id = :interaction_id AND resolved_at IS NULL
              AND ended_at >= :since AND started_at <= :now
            ORDER BY ended_at DESC LIMIT 1)
RETURNING id
""")


def record_activity(*, agency_id: int, workspace_id: int, interaction_id: int, user_id: int, action: str,
                    now: datetime | None = None) -> int:
    """Note that a person worked on an interaction now; returns the span's id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown inbox action {action!r}")
    now = now or db.utcnow()
    cutoff = timedelta(minutes=agency_settings(agency_id).idle_cutoff_minutes)
    found = db.session.execute(_EXTEND, {"now": now, "user_id": user_id, "interaction_id": interaction_id,
                                         "since": now - cutoff}).scalar()
    if found is not None:
        return int(found)
    span = InboxSpan(agency_id=agency_id, workspace_id=workspace_id, user_id=user_id, interaction_id=interaction_id,
                     started_at=now, ended_at=now, events=1)
    db.session.add(span)
    db.session.flush()
    return span.id


def on_interaction_worked(interaction, *, user_id: int, action: str, **_kwargs) -> None:
    """Handler of the inbox's ``interaction_worked`` signal (runs in the request's transaction)."""
    record_activity(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                    interaction_id=interaction.id, user_id=user_id, action=action)


# --- suggestions ------------------------------------------------------------------------------------

@dataclass
class Suggestion:
    """Inbox time of one person in one workspace on one day, not yet accepted or discarded."""

    workspace_id: int
    day: date
    seconds: int = 0
    interaction_ids: set[int] = field(default_factory=set)
    span_ids: list[int] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return int((self.seconds + 30) // 60)

    @property
    def conversations(self) -> int:
        return len(self.interaction_ids)


def _subtract(intervals: list[tuple[datetime, datetime]], cuts: list[tuple[datetime, datetime]]):
    """``intervals`` without the parts covered by ``cuts`` (both lists of (start, end))."""
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            next_pieces = []
            for a, b in pieces:
                if cut_end <= a or cut_start >= b:
                    next_pieces.append((a, b))
                    continue
                if a < cut_start:
                    next_pieces.append((a, cut_start))
                if cut_end < b:
                    next_pieces.append((cut_end, b))
            pieces = next_pieces
        result.extend(pieces)
    return result


def suggestions(user: User, day: date, *, now: datetime | None = None) -> list[Suggestion]:
    """The day's unresolved inbox time of ``user``, one suggestion per workspace (largest first)."""
    now = now or db.utcnow()
    start, end = day_bounds(user.agency, day)
    spans = list(db.session.scalars(select(InboxSpan).where(
        InboxSpan.user_id == user.id, InboxSpan.resolved_at.is_(None), InboxSpan.started_at < end,
        InboxSpan.ended_at + EVENT_TAIL > start).order_by(InboxSpan.started_at, InboxSpan.id)))
    if not spans:
        return []
    timed = db.session.execute(select(TimeEntry.started_at, TimeEntry.ended_at).where(
        TimeEntry.user_id == user.id, TimeEntry.started_at.is_not(None), TimeEntry.started_at < end,
        (TimeEntry.ended_at.is_(None)) | (TimeEntry.ended_at > start))).all()
    cuts = [(s, e or now) for s, e in timed]
    # Each span stands for [start, end + tail), clipped to the day and to "now", minus timed entries.
    pieces: list[tuple[datetime, datetime, InboxSpan]] = []
    for span in spans:
        clipped = (max(span.started_at, start), min(span.ended_at + EVENT_TAIL, end, max(now, span.ended_at)))
        if clipped[1] <= clipped[0]:
            continue
        for a, b in _subtract([clipped], cuts):
            pieces.append((a, b, span))
    # Merge overlapping threads: each instant counts once, for the span that started last.
    bounds = sorted({p[0] for p in pieces} | {p[1] for p in pieces})
    found: dict[int, Suggestion] = {}
    visible = visible_workspace_ids(user)
    for a, b in pairwise(bounds):
        covering = [span for s, e, span in pieces if s <= a and e >= b]
        if not covering:
            continue
        winner = max(covering, key=lambda span: (span.started_at, span.id))
        if winner.workspace_id not in visible:
            continue
        suggestion = found.setdefault(winner.workspace_id, Suggestion(workspace_id=winner.workspace_id, day=day))
        suggestion.seconds += int((b - a).total_seconds())
    for span in spans:
        suggestion = found.get(span.workspace_id)
        if suggestion is not None:
            suggestion.span_ids.append(span.id)
            suggestion.interaction_ids.add(span.interaction_id)
    return sorted((s for s in found.values() if s.minutes > 0), key=lambda s: -s.seconds)


def _resolve(user: User, suggestion: Suggestion, entry_id: int | None, now: datetime) -> None:
    db.session.execute(update(InboxSpan).where(InboxSpan.id.in_(suggestion.span_ids), InboxSpan.user_id == user.id,
                                               InboxSpan.resolved_at.is_(None))
                       .values(resolved_at=now, time_entry_id=entry_id).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Decision:
    """What the person decided for one workspace's suggestion: accept (with minutes and activity) or discard."""

    workspace_id: int
    accept: bool
    minutes: int | None = None
    activity: Activity | None = None
    note: str = ""


def decide(user: User, day: date, decisions: list[Decision], *, now: datetime | None = None) -> dict[str, int]:
    """Accept (as entries with source "inbox") or discard the day's suggestions, in bulk.

    Minutes may be edited down or up before accepting. Returns counts of accepted and discarded.
    """
    now = now or db.utcnow()
    current = {s.workspace_id: s for s in suggestions(user, day, now=now)}
    counts = {"accepted": 0, "discarded": 0}
    for decision in decisions:
        suggestion = current.get(decision.workspace_id)
        if suggestion is None:
            raise ValidationError(_("There is no suggestion for this workspace any more; reload the page."))
        if not decision.accept:
            _resolve(user, suggestion, None, now)
            counts["discarded"] += 1
            continue
        if decision.activity is None:
            raise ValidationError(_("Choose an activity."), "activity")
        workspace = db.session.get(Workspace, decision.workspace_id)
        minutes = decision.minutes if decision.minutes is not None else suggestion.minutes
        note = decision.note or _("Inbox: %(n)d conversations", n=suggestion.conversations)
        entry = create_entry(user, user, EntryInput(workspace=workspace, activity=decision.activity, work_date=day,
                                                    minutes=minutes, note=note), source=Source.INBOX, now=now)
        _resolve(user, suggestion, entry.id, now)
        counts["accepted"] += 1
    db.session.flush()
    return counts


def summary_of(user: User, day: date, *, now: datetime | None = None) -> list[dict]:
    """For the banner: [{workspace_id, minutes, conversations}] of today's open suggestions."""
    return [{"workspace_id": s.workspace_id, "minutes": s.minutes, "conversations": s.conversations}
            for s in suggestions(user, day, now=now)]


def spans_by_workspace(user: User, day: date) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for s in suggestions(user, day):
        counts[s.workspace_id] = s.minutes
    return dict(counts)
