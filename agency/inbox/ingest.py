"""Ingest: platform items (from sync pages and webhooks) become interactions.

One upsert per batch on (channel_id, external_id); workflow fields set by people (status,
assignee, tags…) are never touched by a re-delivery. The rules, in the order they apply:

* **Hostile text.** Every string of an item — text, names, ids, links, context, the extra JSON —
  goes through ``agency.textsafety`` first: no NUL, no lone surrogate, no bidi override reaches
  the database or a page. Should the database still refuse an item, that item alone is skipped
  (and logged): a poisoned item never stops a sync or a webhook delivery.
* **Order.** Platforms deliver at least once and out of order (Meta retries an ``add`` after the
  ``edited`` and the ``remove`` of the same comment). Every item carries a version: the platform's
  time of the change — for a sync page the time the page was read, since that is what it shows —
  in microseconds, times four, plus 0 for a plain copy, 1 for an edit, 2 for a removal (so that
  at the same instant an edit beats the add and a removal beats both). A row keeps the version of
  the copy its text came from (``platform_version``) and of the newest removal it heard of
  (``removed_version``). The text, rating and link come from a copy at least as new as the stored
  one; the row is deleted while its newest removal is newer than its newest copy. So a late
  ``add`` or ``edited`` neither reverts the text nor resurrects a removed item, while a sync that
  finds the item on the platform after the removal brings it back. A removal never blanks the
  text: staff keep the last known one, marked "deleted on the platform".
* **Authors.** A placeholder name ("Messenger user": webhooks carry ids only) never replaces a
  real one: a new item of a known author gets the author's known name and avatar, and a real name
  arriving later is written to the author's placeholder rows of the channel (and to all of them
  when it is the newest name).
* **Spam.** Copy-paste detection compares a new item with the same author's recent texts, read
  for the whole page in one query (together with the known names).

* **Erased people.** Items of a person erased under the DSGVO (the item itself, or any item of its author)
  are skipped, neither stored nor updated, and counted as ``skipped``: the platform may still show them,
  but a sync must not bring them back. The privacy package provides the check (``erasure_filter``,
  keyed hashes only); a sync asks for it once and keeps it in ``sync_cache``.

Items are deduplicated within the batch first (a page and a webhook may carry the same item).
Deleted and restored rows are announced with ``interactions_deleted_changed`` (the SLA clock).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from flask import has_app_context
from psycopg.types.json import Jsonb

from agency import db, wiring
from agency.channels.connectors.base import PLACEHOLDER_AUTHOR_NAMES, PlatformItem, short
from agency.channels.models import Channel
from agency.inbox.classify import Classification, classify_many
from agency.inbox.models import Status
from agency.inbox.signals import interactions_deleted_changed, interactions_received
from agency.textsafety import clean_json, clean_optional, clean_text

log = logging.getLogger(__name__)

_MAX_TEXT = 20_000
_MAX_NAME = 300
_MAX_ID = 255
_MAX_URL = 1000
_MAX_CONTEXT = 5000
#: How many of an author's latest items, and from how far back, count as their "recent texts".
RECENT_TEXTS = 20
RECENT_WINDOW = timedelta(days=7)
_PLACEHOLDERS = (*sorted(PLACEHOLDER_AUTHOR_NAMES), "—")
# Our own constant names, written into the SQL below as a literal (quotes doubled as SQL wants them).
_PLACEHOLDER_ARRAY = "ARRAY[" + ", ".join("'" + name.replace("'", "''") + "'" for name in _PLACEHOLDERS) + "]::text[]"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEEN, _EDITED, _REMOVED = 0, 1, 2


@dataclass
class IngestResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # items of people erased under the DSGVO: not stored

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        return self


def version_of(item: PlatformItem, observed_at: datetime | None = None) -> int:
    """The item's place in the platform's order of changes (see the module docstring)."""
    when = item.updated_at or item.created_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if observed_at is not None:
        # Platforms date changes in whole seconds: a change in the same second as a read counts as after it.
        observed_at = observed_at.replace(microsecond=0)
        if observed_at > when:
            when = observed_at
    rank = _REMOVED if item.is_deleted else _EDITED if item.updated_at is not None else _SEEN
    return (when - _EPOCH) // timedelta(microseconds=1) * 4 + rank


def is_placeholder(name: str | None) -> bool:
    """True for the names connectors use when the platform did not say who wrote something."""
    return not name or name in _PLACEHOLDERS


def _platform_fields(channel: Channel, item: PlatformItem, observed_at: datetime | None) -> dict[str, Any]:
    """The platform's part of a row, every string cleaned and cut to its column."""
    version = version_of(item, observed_at)
    return {
        "agency_id": channel.agency_id, "workspace_id": channel.workspace_id, "channel_id": channel.id,
        "platform": channel.platform, "external_id": clean_text(item.external_id, _MAX_ID),
        "kind": clean_text(item.kind, 16),
        "parent_external_id": clean_optional(item.parent_external_id, _MAX_ID),
        "thread_external_id": clean_optional(item.thread_external_id, _MAX_ID),
        "context_text": clean_optional(item.context_text, _MAX_CONTEXT),
        "context_url": clean_optional(item.context_url, _MAX_URL),
        "author_name": clean_text(item.author_name, _MAX_NAME).strip() or "—",
        "author_external_id": clean_optional(item.author_external_id, _MAX_ID),
        "author_avatar_url": _web_address(item.author_avatar_url),
        "media": _media(item),
        "text": clean_text(item.text, _MAX_TEXT), "rating": item.rating if item.rating in (1, 2, 3, 4, 5) else None,
        "permalink": clean_optional(item.permalink, _MAX_URL),
        # A removal's time is its version; the edit time stays the last edit's.
        "platform_created_at": item.created_at, "platform_updated_at": None if item.is_deleted else item.updated_at,
        "is_deleted": item.is_deleted, "is_own": bool(item.is_own), "extra": clean_json(item.extra or {}),
        "platform_version": 0 if item.is_deleted else version,
        "removed_version": version if item.is_deleted else None,
    }


def _web_address(value: Any) -> str | None:
    """An http(s) address, cleaned, or None (an avatar is shown as an image: no other schemes)."""
    address = clean_optional(value, _MAX_URL)
    return address if address and address.lower().startswith(("https://", "http://")) else None


#: Pictures kept per item: a thread shows them as thumbnails, and a platform may attach dozens.
MAX_MEDIA = 4


def _media(item: PlatformItem) -> dict[str, Any] | None:
    """The item's pictures and its post's picture as http(s) addresses (others dropped), or None when none."""
    images = [a for a in (_web_address(u) for u in (item.media_urls or ())[:MAX_MEDIA * 2]) if a][:MAX_MEDIA]
    context = _web_address(item.context_image_url)
    if not images and not context:
        return None
    return {"images": images, **({"context_image": context} if context else {})}


def _newest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per item the newest copy and the newest removal (both count: the removal keeps the copy's text)."""
    by_key: dict[tuple[str, bool], dict[str, Any]] = {}
    for row in rows:
        key = (row["external_id"], row["is_deleted"])
        current = by_key.get(key)
        if current is None or _row_version(row) >= _row_version(current):
            by_key[key] = row
    return list(by_key.values())


def _row_version(row: dict[str, Any]) -> int:
    return row["removed_version"] if row["is_deleted"] else row["platform_version"]


def _finish_row(row: dict[str, Any], result: Classification, history_before: datetime | None) -> dict[str, Any]:
    historical = history_before is not None and row["platform_created_at"] < history_before
    if result.is_spam:
        status = Status.SPAM
    elif row["is_own"] or historical:
        status = Status.CLOSED
    else:
        status = Status.NEW
    row.update(
        status=status, awaiting_since=row["platform_created_at"] if status == Status.NEW else None,
        language=result.language, sentiment_score=result.sentiment_score,
        sentiment_label=result.sentiment_label, is_question=result.is_question, is_spam=result.is_spam,
        is_opportunity=(result.sentiment_label == "positive" and not result.is_spam and not row["is_own"]
                        and not row["is_deleted"] and not historical),
    )
    return row


def ingest_items(channel: Channel, items: list[PlatformItem], *, default_language: str = "de",
                 history_before: datetime | None = None, observed_at: datetime | None = None,
                 sync_cache: dict[str, Any] | None = None) -> IngestResult:
    """Upsert ``items`` of ``channel``; flushes, never commits. Sends ``interactions_received`` for new rows.

    ``observed_at`` is when a sync read the items (``SyncPage.fetched_at``): they are the platform's
    state as of then. Webhook items leave it None; their own change time orders them.
    Items created before ``history_before`` (a first backfill's older history) are stored
    as closed: they count in reports but do not flood the inbox of a new channel.
    """
    result = IngestResult()
    rows = _newest([_platform_fields(channel, item, observed_at) for item in items])
    is_erased = _erasure_filter(channel, sync_cache)
    if is_erased is not None and rows:
        kept = [row for row in rows if not is_erased(row["channel_id"], row["platform"], row["external_id"],
                                                      row["author_external_id"], row["author_name"])]
        result.skipped, rows = len(rows) - len(kept), kept
    if not rows:
        return result
    db.session.flush()  # the queries below read interactions this unit of work may have changed
    authors = _known_authors(channel, rows)
    page = _by_author(rows)
    _fill_known_authors(page, authors)
    recent = [_recent_texts(row, page, authors) for row in rows]
    results = classify_many([row["text"] for row in rows], ratings=[row["rating"] for row in rows],
                            default_language=default_language, recent_texts=recent)
    rows = [_finish_row(row, classified, history_before) for row, classified in zip(rows, results, strict=True)]
    returned = _upsert_safely(channel, rows)
    _spread_author_names(channel, page, authors)
    inserted_ids = [row_id for row_id, inserted, _removed in returned if inserted]
    result.inserted = len(inserted_ids)
    result.updated = len(returned) - result.inserted
    result.unchanged = len(rows) - len(returned)
    if inserted_ids:
        from agency.inbox.services import apply_rules

        # before the SLA engine reads the priority; a first backfill's history is never moderated by rules
        apply_rules(channel.workspace_id, inserted_ids, history_before=history_before)
        interactions_received.send(channel, interaction_ids=inserted_ids, cache=sync_cache)
    # Rows that were ever removed and changed now: removed, brought back, or a text filled in late.
    removal_ids = [row_id for row_id, inserted, removed in returned if removed and not inserted]
    if removal_ids:
        interactions_deleted_changed.send(channel, interaction_ids=removal_ids, cache=sync_cache)
    return result


def _erasure_filter(channel: Channel, sync_cache: dict[str, Any] | None):
    """The check for erased people's items (see the module docstring), asked once per sync."""
    key = f"erasure_filter:{channel.workspace_id}"
    if sync_cache is not None and key in sync_cache:
        return sync_cache[key]
    provider = wiring.provided("erasure_filter") if has_app_context() else None
    check = provider(channel.workspace_id) if provider is not None else None
    if sync_cache is not None:
        sync_cache[key] = check
    return check


# --- authors -----------------------------------------------------------------------------------

@dataclass
class _Author:
    """What the channel knows of one author: the newest real name and avatar, and the latest texts."""

    name: str | None = None
    avatar_url: str | None = None
    named_at: datetime | None = None
    stored: bool = False  # the channel has rows of this author from before this page
    recent: list[tuple[str, str, datetime]] = field(default_factory=list)  # (external id, text, created)


# The latest items of each author of the page (an index scan of RECENT_TEXTS rows per author).
_AUTHORS_SQL = """
SELECT a.author, r.external_id, r.text, r.platform_created_at, r.author_name, r.author_avatar_url, r.is_own
FROM unnest(CAST(%s AS text[])) AS a(author)
CROSS JOIN LATERAL (
    SELECT i.external_id, i.text, i.platform_created_at, i.author_name, i.author_avatar_url, i.is_own
    FROM interactions i
    WHERE i.workspace_id = %s AND i.author_external_id = a.author AND i.channel_id = %s
    ORDER BY i.platform_created_at DESC
    LIMIT %s
) AS r
"""


def _known_authors(channel: Channel, rows: list[dict[str, Any]]) -> dict[str, _Author]:
    """One query for the page: each author's known name, avatar and recent texts in this channel."""
    wanted = sorted({row["author_external_id"] for row in rows if row["author_external_id"]})
    authors = {author: _Author() for author in wanted}
    if not wanted:
        return authors
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(_AUTHORS_SQL, (wanted, channel.workspace_id, channel.id, RECENT_TEXTS))
        found = cursor.fetchall()
    finally:
        cursor.close()
    for author, external_id, text, created, name, avatar, own in found:  # newest first per author
        known = authors[author]
        known.stored = True
        if not own:
            known.recent.append((external_id, text, created))
        if known.name is None and not is_placeholder(name):
            known.name, known.avatar_url, known.named_at = name, avatar, created
    return authors


def _by_author(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["author_external_id"] and not row["is_own"]:
            grouped[row["author_external_id"]].append(row)
    return grouped


def _newest_real_names(page: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per author, the page's newest row that names the author for real."""
    best: dict[str, dict[str, Any]] = {}
    for author, rows in page.items():
        for row in rows:
            if not is_placeholder(row["author_name"]):
                current = best.get(author)
                if current is None or row["platform_created_at"] > current["platform_created_at"]:
                    best[author] = row
    return best


def _fill_known_authors(page: dict[str, list[dict[str, Any]]], authors: dict[str, _Author]) -> None:
    """A placeholder name (or a missing avatar) takes the newest known of the same author: page or stored."""
    in_page = _newest_real_names(page)
    for author, rows in page.items():
        known, named = authors[author], in_page.get(author)
        if named is not None and (known.named_at is None or named["platform_created_at"] >= known.named_at):
            name, avatar = named["author_name"], named["author_avatar_url"] or known.avatar_url
        elif known.name is not None:
            name, avatar = known.name, known.avatar_url
        else:
            continue
        for row in rows:
            if is_placeholder(row["author_name"]):
                row["author_name"] = name
            if row["author_avatar_url"] is None:
                row["author_avatar_url"] = avatar


def _recent_texts(row: dict[str, Any], page: dict[str, list[dict[str, Any]]],
                  authors: dict[str, _Author]) -> list[str]:
    """The author's texts of the week before ``row`` (stored and earlier in the page), newest first."""
    author = row["author_external_id"]
    if not author or row["is_own"] or row["is_deleted"] or not row["text"]:
        return []
    created = row["platform_created_at"]
    since = created - RECENT_WINDOW
    texts = [(other["platform_created_at"], other["text"]) for other in page[author]
             if other["external_id"] != row["external_id"] and since <= other["platform_created_at"] < created]
    texts += [(when, text) for external_id, text, when in authors[author].recent
              if external_id != row["external_id"] and since <= when < created]
    return [text for _when, text in sorted(texts, key=lambda pair: pair[0], reverse=True)]


# A real name that arrives is written to the author's rows in the channel that still show a placeholder,
# and to every other row of the author as well when it comes from the author's newest item.
_SPREAD_NAMES_SQL = f"""
UPDATE interactions AS i
SET author_name = v.name, author_avatar_url = coalesce(v.avatar, i.author_avatar_url)
FROM unnest(CAST(%s AS text[]), CAST(%s AS text[]), CAST(%s AS text[]), CAST(%s AS boolean[]))
     AS v(author, name, avatar, newest)
WHERE i.workspace_id = %s AND i.channel_id = %s AND i.author_external_id = v.author AND NOT i.is_own
  AND (i.author_name = ANY({_PLACEHOLDER_ARRAY})
       OR (v.newest AND (i.author_name, i.author_avatar_url)
                        IS DISTINCT FROM (v.name, coalesce(v.avatar, i.author_avatar_url))))
"""  # noqa: S608 - a constant array of our own placeholder names; every value is a parameter


def _spread_author_names(channel: Channel, page: dict[str, list[dict[str, Any]]],
                         authors: dict[str, _Author]) -> None:
    """Better author data from this page reaches the author's older rows (only when it differs)."""
    changes = []
    for author, row in _newest_real_names(page).items():
        known = authors[author]
        if not known.stored or (known.name == row["author_name"]
                                and (row["author_avatar_url"] or known.avatar_url) == known.avatar_url):
            continue
        newest = known.named_at is None or row["platform_created_at"] >= known.named_at
        changes.append((author, row["author_name"], row["author_avatar_url"], newest))
    if not changes:
        return
    columns = [list(column) for column in zip(*changes, strict=True)]
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(_SPREAD_NAMES_SQL, (*columns, channel.workspace_id, channel.id))
    finally:
        cursor.close()


# --- the upsert --------------------------------------------------------------------------------

_COLUMNS = (
    "agency_id", "workspace_id", "channel_id", "platform", "external_id", "kind", "parent_external_id",
    "thread_external_id", "context_text", "context_url", "author_name", "author_external_id", "author_avatar_url",
    "media", "text", "rating", "permalink", "platform_created_at", "platform_updated_at", "is_deleted", "is_own",
    "extra",
    "status", "language", "sentiment_score", "sentiment_label", "is_question", "is_spam", "is_opportunity",
    "awaiting_since", "platform_version", "removed_version",
)
_JSON_COLUMNS = ("extra", "media")
# A copy (not a removal) at least as new as the copy the stored text came from.
_NEWER = "(NOT excluded.is_deleted AND excluded.platform_version >= interactions.platform_version)"
# Deleted while the newest removal is newer than the newest copy (with the values after this upsert).
_DELETED = ("(coalesce(greatest(interactions.removed_version, excluded.removed_version), -1) "
            "> greatest(interactions.platform_version, excluded.platform_version))")
_REAL_NAME = f"(excluded.author_name <> ALL({_PLACEHOLDER_ARRAY}))"
# Fields the platform owns that come with the text: taken from a newer copy only.
_TEXT_FIELDS = ("text", "rating", "permalink", "sentiment_score", "sentiment_label", "language", "is_question")


def _from_newer(column: str) -> str:
    return f"{column} = CASE WHEN {_NEWER} THEN excluded.{column} ELSE interactions.{column} END"


# Re-deliveries update only what the platform owns, in the platform's order (module docstring), and only
# when something changed or a newer copy came; workflow fields set by people are never touched.
# Built from the constant fragments above; every value is a parameter.
_UPSERT_SQL = (
    f"INSERT INTO interactions ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "  # noqa: S608
    "ON CONFLICT ON CONSTRAINT uq_interactions_channel_external DO UPDATE SET "
    + ", ".join(_from_newer(column) for column in _TEXT_FIELDS) + ", "
    f"platform_updated_at = CASE WHEN {_NEWER} THEN greatest(excluded.platform_updated_at, "
    "interactions.platform_updated_at) ELSE interactions.platform_updated_at END, "
    "context_text = coalesce(excluded.context_text, interactions.context_text), "
    "context_url = coalesce(interactions.context_url, excluded.context_url), "
    "thread_external_id = coalesce(interactions.thread_external_id, excluded.thread_external_id), "
    "parent_external_id = coalesce(interactions.parent_external_id, excluded.parent_external_id), "
    f"author_name = CASE WHEN {_REAL_NAME} THEN excluded.author_name ELSE interactions.author_name END, "
    "author_avatar_url = coalesce(excluded.author_avatar_url, interactions.author_avatar_url), "
    # The platforms sign their image addresses for a while: a newer copy brings fresh ones.
    f"media = CASE WHEN {_NEWER} AND excluded.media IS NOT NULL THEN excluded.media ELSE interactions.media END, "
    "platform_version = greatest(interactions.platform_version, excluded.platform_version), "
    "removed_version = greatest(interactions.removed_version, excluded.removed_version), "
    f"is_deleted = {_DELETED} "
    # A newer copy is written even when it shows nothing new: a removal dated before it, arriving later,
    # must not delete what the platform still showed afterwards.
    "WHERE excluded.platform_version > interactions.platform_version "
    f"OR ({_NEWER} AND (interactions.text, interactions.rating, interactions.permalink) "
    "IS DISTINCT FROM (excluded.text, excluded.rating, excluded.permalink)) "
    f"OR ({_NEWER} AND excluded.platform_updated_at > "
    "coalesce(interactions.platform_updated_at, '-infinity'::timestamptz)) "
    "OR (excluded.context_text IS NOT NULL AND excluded.context_text IS DISTINCT FROM interactions.context_text) "
    "OR excluded.removed_version > coalesce(interactions.removed_version, -1) "
    f"OR interactions.is_deleted IS DISTINCT FROM {_DELETED} "
    "OR (interactions.thread_external_id IS NULL AND excluded.thread_external_id IS NOT NULL) "
    "OR (interactions.parent_external_id IS NULL AND excluded.parent_external_id IS NOT NULL) "
    "OR (interactions.context_url IS NULL AND excluded.context_url IS NOT NULL) "
    f"OR ({_REAL_NAME} AND interactions.author_name IS DISTINCT FROM excluded.author_name) "
    "OR (excluded.author_avatar_url IS NOT NULL "
    "AND interactions.author_avatar_url IS DISTINCT FROM excluded.author_avatar_url) "
    f"OR ({_NEWER} AND excluded.media IS NOT NULL AND interactions.media IS DISTINCT FROM excluded.media) "
    "RETURNING id, (xmax = 0), removed_version IS NOT NULL"
)


def _upsert_safely(channel: Channel, rows: list[dict[str, Any]]) -> list[tuple[int, bool, bool]]:
    """The batch upsert; should the database refuse it, row by row, skipping (and logging) what it refuses."""
    try:
        with db.session.begin_nested():
            return _upsert(rows)
    except (psycopg.Error, ValueError) as err:
        log.warning("ingest of a batch of channel %s failed (%s); storing its items one by one",
                    channel.id, type(err).__name__)
    returned: list[tuple[int, bool, bool]] = []
    for row in rows:
        try:
            with db.session.begin_nested():
                returned.extend(_upsert([row]))
        except (psycopg.Error, ValueError) as err:
            log.warning("ingest skipped item %r of channel %s: %s", short(row["external_id"], 40), channel.id,
                        short(str(err).splitlines()[0] if str(err) else type(err).__name__, 160))
    return returned


def _upsert(rows: list[dict[str, Any]]) -> list[tuple[int, bool, bool]]:
    """Upsert through psycopg's executemany (pipeline mode, one short cached statement).

    SQLAlchemy's multi-row VALUES would be a statement too long for psycopg's query cache,
    re-parsed on every page; this is several times faster for the same SQL semantics.
    Returns (id, inserted, ever removed) for rows inserted or changed.
    """
    cursor = db.session.connection().connection.driver_connection.cursor()
    params = [tuple(Jsonb(row[c]) if c in _JSON_COLUMNS and row[c] is not None else row[c] for c in _COLUMNS)
              for row in rows]
    try:
        cursor.executemany(_UPSERT_SQL, params, returning=True)
        returned: list[tuple[int, bool, bool]] = []
        while True:
            returned.extend(cursor.fetchall())
            if not cursor.nextset():
                break
    finally:
        cursor.close()
    return returned
