"""Ingest: platform items (from sync pages and webhooks) become interactions.

One upsert per batch on (channel_id, external_id): new items are inserted and
classified; edits update the text; deletions are flagged; workflow fields set by
people (status, assignee, tags…) are never touched by a re-delivery. Items are
deduplicated within the batch first (a page and a webhook may carry the same item),
keeping the newest version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.channels.models import Channel
from agency.inbox.classify import Classification, classify_many
from agency.inbox.models import Status
from agency.inbox.signals import interactions_received

_MAX_TEXT = 20_000
_MAX_NAME = 300


@dataclass
class IngestResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def _newest(items: list[PlatformItem]) -> list[PlatformItem]:
    by_id: dict[str, PlatformItem] = {}
    for item in items:
        current = by_id.get(item.external_id)
        if current is None or _version(item) >= _version(current):
            by_id[item.external_id] = item
    return list(by_id.values())


def _version(item: PlatformItem):
    return (item.updated_at or item.created_at, item.is_deleted)


def _row(channel: Channel, item: PlatformItem, text: str, result: Classification,
         history_before: datetime | None) -> dict[str, Any]:
    historical = history_before is not None and item.created_at < history_before
    if result.is_spam:
        status = Status.SPAM
    elif item.is_own or historical:
        status = Status.CLOSED
    else:
        status = Status.NEW
    return {
        "agency_id": channel.agency_id, "workspace_id": channel.workspace_id, "channel_id": channel.id,
        "platform": channel.platform, "external_id": item.external_id[:255], "kind": item.kind,
        "parent_external_id": (item.parent_external_id or None) and item.parent_external_id[:255],
        "thread_external_id": (item.thread_external_id or None) and item.thread_external_id[:255],
        "context_text": (item.context_text or None) and item.context_text[:5000],
        "context_url": (item.context_url or None) and item.context_url[:1000],
        "author_name": (item.author_name or "")[:_MAX_NAME] or "—",
        "author_external_id": (item.author_external_id or None) and item.author_external_id[:255],
        "text": text, "rating": item.rating if item.rating in (1, 2, 3, 4, 5) else None,
        "permalink": (item.permalink or None) and item.permalink[:1000],
        "platform_created_at": item.created_at, "platform_updated_at": item.updated_at,
        "is_deleted": item.is_deleted, "is_own": item.is_own, "extra": item.extra or {},
        "status": status, "awaiting_since": item.created_at if status == Status.NEW else None,
        "language": result.language, "sentiment_score": result.sentiment_score,
        "sentiment_label": result.sentiment_label, "is_question": result.is_question, "is_spam": result.is_spam,
        "is_opportunity": (result.sentiment_label == "positive" and not result.is_spam and not item.is_own
                           and not item.is_deleted and not historical),
    }


def ingest_items(channel: Channel, items: list[PlatformItem], *, default_language: str = "de",
                 history_before: datetime | None = None) -> IngestResult:
    """Upsert ``items`` of ``channel``; flushes, never commits. Sends ``interactions_received`` for new rows.

    Items created before ``history_before`` (a first backfill's older history) are stored
    as closed: they count in reports but do not flood the inbox of a new channel.
    """
    result = IngestResult()
    items = _newest(items)
    if not items:
        return result
    texts = [(item.text or "")[:_MAX_TEXT] for item in items]
    results = classify_many(texts, ratings=[item.rating for item in items], default_language=default_language)
    rows = [_row(channel, item, text, result, history_before)
            for item, text, result in zip(items, texts, results, strict=True)]
    returned = _upsert(rows)
    inserted_ids = [row_id for row_id, inserted in returned if inserted]
    result.inserted = len(inserted_ids)
    result.updated = len(returned) - result.inserted
    result.unchanged = len(rows) - len(returned)
    if inserted_ids:
        from agency.inbox.services import apply_rules

        apply_rules(channel.workspace_id, inserted_ids)  # before the SLA engine reads the priority
        interactions_received.send(channel, interaction_ids=inserted_ids)
    return result


_COLUMNS = (
    "agency_id", "workspace_id", "channel_id", "platform", "external_id", "kind", "parent_external_id",
    "thread_external_id", "context_text", "context_url", "author_name", "author_external_id", "text", "rating",
    "permalink", "platform_created_at", "platform_updated_at", "is_deleted", "is_own", "extra", "status",
    "language", "sentiment_score", "sentiment_label", "is_question", "is_spam", "is_opportunity", "awaiting_since",
)
# Re-deliveries update only what the platform owns (text, rating, deletion, edit time, classification of
# the new text) and only when something changed; workflow fields set by people are never touched.
# Built from the constant column list above; every value is a parameter.
_UPSERT_SQL = (
    f"INSERT INTO interactions ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "  # noqa: S608
    "ON CONFLICT ON CONSTRAINT uq_interactions_channel_external DO UPDATE SET "
    "text = excluded.text, rating = excluded.rating, is_deleted = excluded.is_deleted, "
    "platform_updated_at = excluded.platform_updated_at, permalink = excluded.permalink, "
    "context_text = coalesce(excluded.context_text, interactions.context_text), "
    "sentiment_score = excluded.sentiment_score, sentiment_label = excluded.sentiment_label, "
    "language = excluded.language, is_question = excluded.is_question "
    "WHERE interactions.text IS DISTINCT FROM excluded.text "
    "OR interactions.is_deleted IS DISTINCT FROM excluded.is_deleted "
    "OR interactions.rating IS DISTINCT FROM excluded.rating "
    "OR interactions.platform_updated_at IS DISTINCT FROM excluded.platform_updated_at "
    "RETURNING id, (xmax = 0)"
)


def _upsert(rows: list[dict[str, Any]]) -> list[tuple[int, bool]]:
    """Upsert through psycopg's executemany (pipeline mode, one short cached statement).

    SQLAlchemy's multi-row VALUES would be a statement too long for psycopg's query cache,
    re-parsed on every page; this is several times faster for the same SQL semantics.
    Returns (id, inserted) for rows inserted or changed.
    """
    from psycopg.types.json import Jsonb

    cursor = db.session.connection().connection.driver_connection.cursor()
    params = [tuple(Jsonb(row[c]) if c == "extra" else row[c] for c in _COLUMNS) for row in rows]
    cursor.executemany(_UPSERT_SQL, params, returning=True)
    returned: list[tuple[int, bool]] = []
    while True:
        returned.extend(cursor.fetchall())
        if not cursor.nextset():
            break
    cursor.close()
    return returned
