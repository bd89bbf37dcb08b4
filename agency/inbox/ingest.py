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

from sqlalchemy import func, literal_column, text
from sqlalchemy.dialects.postgresql import insert

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.channels.models import Channel
from agency.inbox.classify import classify
from agency.inbox.models import Interaction, Status
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


def _row(channel: Channel, item: PlatformItem, default_language: str,
         history_before: datetime | None) -> dict[str, Any]:
    text = (item.text or "")[:_MAX_TEXT]
    result = classify(text, rating=item.rating, default_language=default_language)
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
        "status": status, "language": result.language, "sentiment_score": result.sentiment_score,
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
    rows = [_row(channel, item, default_language, history_before) for item in items]
    stmt = insert(Interaction)
    excluded = stmt.excluded
    changed = (
        (Interaction.text.is_distinct_from(excluded.text))
        | (Interaction.is_deleted.is_distinct_from(excluded.is_deleted))
        | (Interaction.rating.is_distinct_from(excluded.rating))
        | (Interaction.platform_updated_at.is_distinct_from(excluded.platform_updated_at))
    )
    stmt = stmt.on_conflict_do_update(
        constraint="uq_interactions_channel_external",
        set_={
            "text": excluded.text, "rating": excluded.rating, "is_deleted": excluded.is_deleted,
            "platform_updated_at": excluded.platform_updated_at, "permalink": excluded.permalink,
            "context_text": func.coalesce(excluded.context_text, Interaction.context_text),
            "sentiment_score": excluded.sentiment_score, "sentiment_label": excluded.sentiment_label,
            "language": excluded.language, "is_question": excluded.is_question,
        },
        where=changed,
    ).returning(Interaction.id, literal_column("xmax = 0").label("inserted"))
    returned = db.session.execute(stmt, rows).all()
    inserted_ids = [row.id for row in returned if row.inserted]
    result.inserted = len(inserted_ids)
    result.updated = len(returned) - result.inserted
    result.unchanged = len(rows) - len(returned)
    if returned:
        _link_parents([row.id for row in returned])
    if inserted_ids:
        interactions_received.send(channel, interaction_ids=inserted_ids)
    return result


_LINK_CHILDREN_TO_PARENTS = text("""
    UPDATE interactions AS c SET parent_id = p.id
    FROM interactions AS p
    WHERE c.id = ANY(:ids) AND c.parent_id IS NULL AND c.parent_external_id IS NOT NULL
      AND p.channel_id = c.channel_id AND p.external_id = c.parent_external_id
""")
# A reply can arrive before its parent (webhooks, paging order): link it when the parent comes.
_LINK_PARENTS_TO_WAITING_CHILDREN = text("""
    UPDATE interactions AS c SET parent_id = p.id
    FROM interactions AS p
    WHERE p.id = ANY(:ids) AND c.channel_id = p.channel_id AND c.parent_external_id = p.external_id
      AND c.parent_id IS NULL
""")


def _link_parents(ids: list[int]) -> None:
    db.session.execute(_LINK_CHILDREN_TO_PARENTS, {"ids": ids})
    db.session.execute(_LINK_PARENTS_TO_WAITING_CHILDREN, {"ids": ids})
