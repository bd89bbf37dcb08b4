"""Writes of the SLA engine: due times stamped and recomputed in bulk, responses, resolutions, pauses.

Every path ends in :func:`recompute_interactions`: it loads the facts of a batch of
interactions with one query, evaluates them in Python (``engine.evaluate``; the calendar
arithmetic cannot run in SQL) and writes the changed rows back with one
``UPDATE … FROM unnest(…)`` per batch — never one ORM object per row, so a workspace with
100,000 open interactions recomputes in seconds. Functions flush, never commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select, text

from agency import db
from agency.inbox.models import Interaction, Reply
from agency.sla import engine
from agency.sla.models import PAUSE_REASONS, SlaPause
from agency.sla.policy import EffectivePolicy, effective_policies

log = logging.getLogger(__name__)

BATCH = 5000
SLA_ATTRIBUTES = ("first_response_due_at", "next_response_due_at", "resolution_due_at", "sla_due_at", "sla_state",
                  "sla_paused_since", "sla_pause_reason", "first_responded_at", "resolved_at")
# Statuses whose SLA can still change (closed, spam and ignored items keep what they had).
LIVE_STATUSES = ("new", "open", "waiting", "replied")

# A customer item is a follow-up ("next response") when, at the time it arrived, we had already
# answered someone in its conversation: the same DM thread, or the same top-level comment
# (the comment itself or one of its replies). Only replies and DMs can be follow-ups.
_FACTS_SQL = """
SELECT i.id, i.workspace_id, i.kind, i.priority, i.status, i.platform_created_at, i.is_own, i.is_deleted,
       i.first_responded_at, i.resolved_at,
       CASE WHEN i.kind = 'direct_message' AND i.thread_external_id IS NOT NULL THEN EXISTS (
                SELECT 1 FROM interactions o WHERE o.channel_id = i.channel_id AND o.id <> i.id
                   AND o.thread_external_id = i.thread_external_id
                   AND o.first_responded_at <= i.platform_created_at)
            WHEN i.kind = 'reply' AND i.parent_external_id IS NOT NULL THEN EXISTS (
                -- the top-level comment itself (unique index on channel, external id) …
                SELECT 1 FROM interactions o WHERE o.channel_id = i.channel_id
                   AND o.external_id = i.parent_external_id AND o.first_responded_at <= i.platform_created_at
            ) OR EXISTS (
                -- … or a sibling reply (index on channel, parent external id); two EXISTS, not one OR,
                -- so that each uses its index instead of scanning the channel
                SELECT 1 FROM interactions o WHERE o.channel_id = i.channel_id AND o.id <> i.id
                   AND o.parent_external_id = i.parent_external_id
                   AND o.first_responded_at <= i.platform_created_at)
            ELSE false END AS follow_up,
       EXISTS (SELECT 1 FROM sla_pauses p WHERE p.interaction_id = i.id) AS has_pauses,
       i.first_response_due_at, i.next_response_due_at, i.resolution_due_at, i.sla_due_at, i.sla_state,
       i.sla_paused_since, i.sla_pause_reason
FROM interactions i
WHERE i.id = ANY(%(ids)s)
"""
# The columns of _FACTS_SQL, by position (it runs on the driver's cursor, which gives plain tuples).
(_ID, _WORKSPACE, _KIND, _PRIORITY, _STATUS, _CREATED, _IS_OWN, _IS_DELETED, _FIRST_RESPONDED, _RESOLVED,
 _FOLLOW_UP, _HAS_PAUSES) = range(12)
_STORED = slice(12, 19)

_PAUSES_SQL = "SELECT interaction_id, started_at, ended_at, reason FROM sla_pauses WHERE interaction_id = ANY(%(ids)b)"

_UPDATE_SQL = """
UPDATE interactions AS i
SET first_response_due_at = v.f, next_response_due_at = v.n, resolution_due_at = v.r, sla_due_at = v.d,
    sla_state = v.s, sla_paused_since = v.ps, sla_pause_reason = v.pr
FROM unnest(%(ids)b::bigint[], %(f)b::timestamptz[], %(n)b::timestamptz[], %(r)b::timestamptz[],
            %(d)b::timestamptz[], %(s)b::text[], %(ps)b::timestamptz[], %(pr)b::text[]) AS v(id, f, n, r, d, s, ps, pr)
WHERE i.id = v.id
  AND (i.first_response_due_at, i.next_response_due_at, i.resolution_due_at, i.sla_due_at, i.sla_state,
       i.sla_paused_since, i.sla_pause_reason) IS DISTINCT FROM (v.f, v.n, v.r, v.d, v.s, v.ps, v.pr)
"""


def recompute_interactions(ids: Iterable[int], *, now: datetime | None = None,
                           policies: dict[int, EffectivePolicy] | None = None) -> int:
    """Compute and store the due times and states of these interactions; return how many rows changed.

    Safe inside another package's unit of work (the inbox's signal handlers): it flushes first
    and expires the SLA attributes of loaded ORM objects it rewrote.
    """
    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    db.session.flush()
    now = now or db.utcnow()
    policies = {} if policies is None else policies
    changed = 0
    for offset in range(0, len(ids), BATCH):
        changed += _recompute_batch(ids[offset:offset + BATCH], now, policies)
    _expire_loaded(ids)
    return changed


def _recompute_batch(ids: list[int], now: datetime, policies: dict[int, EffectivePolicy]) -> int:
    # The driver's cursor in the session's transaction (tenant and row-level security as set): binary
    # results and plain tuples cost a third of ORM rows for 100,000 items.
    cursor = db.session.connection().connection.driver_connection.cursor(binary=True)
    with cursor:
        # Not prepared: a generic plan made while a first sync fills an empty table keeps its
        # sequential scans for the correlated lookups, and each page then costs as much as the table.
        rows = cursor.execute(_FACTS_SQL, {"ids": ids}, prepare=False).fetchall()
        if not rows:
            return 0
        missing = {row[_WORKSPACE] for row in rows} - set(policies)
        if missing:
            policies.update(effective_policies(missing))
        pauses: dict[int, list[engine.Pause]] = defaultdict(list)
        with_pauses = [row[_ID] for row in rows if row[_HAS_PAUSES]]
        if with_pauses:
            for interaction_id, started, ended, reason in cursor.execute(_PAUSES_SQL, {"ids": with_pauses}):
                pauses[interaction_id].append(engine.Pause(started, ended, reason))
        changed: list[tuple] = []
        for row in rows:
            facts = engine.Facts(
                kind=row[_KIND], priority=row[_PRIORITY], status=row[_STATUS], created_at=row[_CREATED],
                is_own=row[_IS_OWN], is_deleted=row[_IS_DELETED], follow_up=row[_FOLLOW_UP],
                first_responded_at=row[_FIRST_RESPONDED], resolved_at=row[_RESOLVED],
                pauses=pauses.get(row[_ID], ()))
            values = engine.evaluate(facts, policies[row[_WORKSPACE]], now).as_tuple()
            if values != tuple(row[_STORED]):
                changed.append((row[_ID], *values))
        if not changed:
            return 0  # nothing to write: a run that changes nothing costs the reads only
        # Binary parameters: psycopg's text dump of 100,000-element timestamp arrays costs a second.
        columns = dict(zip(("ids", "f", "n", "r", "d", "s", "ps", "pr"),
                           (list(c) for c in zip(*changed, strict=True)), strict=True))
        return cursor.execute(_UPDATE_SQL, columns).rowcount or 0


def _expire_loaded(ids: Sequence[int]) -> None:
    wanted = set(ids)
    session = db.session()
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Interaction) and obj.id in wanted:
            session.expire(obj, SLA_ATTRIBUTES)


def recompute_workspace(workspace_id: int, *, now: datetime | None = None) -> int:
    """Recompute every interaction of a workspace whose SLA can still change (after a policy change)."""
    now = now or db.utcnow()
    ids = list(db.session.scalars(
        select(Interaction.id).where(Interaction.workspace_id == workspace_id,
                                     Interaction.status.in_(LIVE_STATUSES)).order_by(Interaction.id)))
    policies = effective_policies([workspace_id])
    return recompute_interactions(ids, now=now, policies=policies)


# --- events from the inbox ------------------------------------------------------------------

def _conversation_sql(interaction: Interaction) -> tuple[str, dict]:
    """SQL condition (on alias ``o``) for the customer items of ``interaction``'s conversation."""
    params: dict = {"id": interaction.id, "channel": interaction.channel_id}
    if interaction.channel_id is None:
        return "o.id = :id", params
    if interaction.kind == "direct_message" and interaction.thread_external_id:
        params["thread"] = interaction.thread_external_id
        return "(o.id = :id OR (o.channel_id = :channel AND o.thread_external_id = :thread))", params
    root = (interaction.parent_external_id if interaction.kind == "reply" and interaction.parent_external_id
            else interaction.external_id)
    params["root"] = root
    return ("(o.id = :id OR (o.channel_id = :channel AND (o.external_id = :root OR o.parent_external_id = :root)))",
            params)


def record_response(interaction: Interaction, sent_at: datetime) -> list[int]:
    """A staff reply reached the platform at ``sent_at``: it answers the whole conversation.

    Every customer item of the conversation that arrived before the reply and was still
    unanswered gets ``first_responded_at``; their targets become met or missed. Returns their ids.
    """
    db.session.flush()
    condition, params = _conversation_sql(interaction)
    params["sent"] = sent_at
    answered = [row[0] for row in db.session.execute(text(
        f"UPDATE interactions o SET first_responded_at = :sent WHERE {condition} "  # noqa: S608 - fixed fragments
        "AND o.is_own = false AND o.first_responded_at IS NULL AND o.platform_created_at <= :sent "
        "AND o.status NOT IN ('spam', 'ignored') RETURNING o.id"), params)]
    recompute_interactions(answered)
    return answered


def _sync_policies(cache: dict | None) -> dict[int, EffectivePolicy] | None:
    """The effective policies kept for the rest of a sync (loaded on its first page), or None."""
    return None if cache is None else cache.setdefault("sla_policies", {})


def on_interactions_received(channel, interaction_ids: list[int] | None = None, cache: dict | None = None,
                             **_kwargs) -> None:
    """Signal handler: stamp due times on newly ingested interactions (same transaction as the ingest)."""
    recompute_interactions(interaction_ids or [], policies=_sync_policies(cache))


def on_interactions_deleted_changed(channel, interaction_ids: list[int] | None = None, cache: dict | None = None,
                                    **_kwargs) -> None:
    """Signal handler: the platform removed items (no SLA for them any more) or reported them back."""
    recompute_interactions(interaction_ids or [], policies=_sync_policies(cache))


def on_reply_sent(interaction: Interaction, reply: Reply | None = None, **_kwargs) -> None:
    """Signal handler: the first staff reply actually sent to the platform is the response."""
    if reply is None or reply.status != "sent":
        return
    record_response(interaction, reply.sent_at or db.utcnow())


def on_interaction_changed(interaction: Interaction, fields: Iterable[str] = (), **_kwargs) -> None:
    """Signal handler: people changed priority, kind, status or a snooze; closing resolves."""
    fields = set(fields)
    if not fields & {"priority", "status", "snoozed_until", "kind"}:
        return
    now = db.utcnow()
    if "status" in fields:
        if interaction.status in ("replied", "closed"):
            if interaction.resolved_at is None:
                interaction.resolved_at = now
        elif interaction.status in engine.OPEN:
            interaction.resolved_at = None  # reopened: not resolved after all
    if "snoozed_until" in fields:
        until = interaction.snoozed_until
        if until is not None and until > now:
            start_pause(interaction, "snoozed", until=until, recompute=False)
        else:
            end_pause(interaction, "snoozed", recompute=False)
    recompute_interactions([interaction.id])


# --- pauses ---------------------------------------------------------------------------------

def _running_pause(interaction_id: int, reason: str, at: datetime) -> SlaPause | None:
    return db.session.scalar(
        select(SlaPause).where(SlaPause.interaction_id == interaction_id, SlaPause.reason == reason,
                               SlaPause.started_at <= at,
                               (SlaPause.ended_at.is_(None)) | (SlaPause.ended_at > at))
        .order_by(SlaPause.started_at.desc()).limit(1))


def start_pause(interaction: Interaction, reason: str, *, at: datetime | None = None,
                until: datetime | None = None, actor=None, recompute: bool = True) -> SlaPause:
    """Stop the SLA clock of ``interaction`` for ``reason`` from ``at`` (now) until ``until`` (open-ended).

    A running pause of the same reason is moved to the new end instead of stacking a second.
    """
    if reason not in PAUSE_REASONS:
        raise ValueError(f"unknown pause reason {reason!r}")
    at = at or db.utcnow()
    if until is not None and until < at:
        raise ValueError("a pause cannot end before it starts")
    pause = _running_pause(interaction.id, reason, at)
    if pause is None:
        pause = SlaPause(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                         interaction_id=interaction.id, reason=reason, started_at=at, ended_at=until,
                         created_by_id=getattr(actor, "id", None))
        db.session.add(pause)
    else:
        pause.ended_at = until
    db.session.flush()
    if recompute:
        recompute_interactions([interaction.id])
    return pause


def end_pause(interaction: Interaction, reason: str, *, at: datetime | None = None,
              recompute: bool = True) -> bool:
    """Start the clock again (the expert answered, the snooze was lifted); False when none ran."""
    at = at or db.utcnow()
    pause = _running_pause(interaction.id, reason, at)
    if pause is None:
        return False
    pause.ended_at = at
    db.session.flush()
    if recompute:
        recompute_interactions([interaction.id])
    return True


def init_signals() -> None:
    """Connect the handlers to the inbox's signals (called once from ``init_app``)."""
    from agency.inbox.signals import (
        interaction_changed,
        interactions_deleted_changed,
        interactions_received,
        reply_sent,
    )

    interactions_received.connect(on_interactions_received, weak=False)
    interactions_deleted_changed.connect(on_interactions_deleted_changed, weak=False)
    reply_sent.connect(on_reply_sent, weak=False)
    interaction_changed.connect(on_interaction_changed, weak=False)
