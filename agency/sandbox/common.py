"""Helpers the platform blueprints share: keyset paging, listing items, faults, tokens."""

from __future__ import annotations

import base64
import heapq
import json
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request

from agency.sandbox.state import Account, Item, SandboxState
from agency.sandbox.timeline import DAY, Skeleton

Key = tuple[float, str]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(json_text: str) -> str:
    """JSON text with raw surrogates written as ``\\udXXX`` escapes, as the real APIs send them.

    Fans may post anything, also text with half a surrogate pair; unescaped, it cannot be encoded as UTF-8.
    """
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


def state() -> SandboxState:
    """The sandbox state of the running app."""
    return current_app.extensions["sandbox_state"]


def encode_cursor(key: Key) -> str:
    """An opaque page cursor for a (time, id) position."""
    return base64.urlsafe_b64encode(json.dumps([key[0], key[1]]).encode()).decode().rstrip("=")


def decode_cursor(value: str | None) -> Key | None:
    """The position in a cursor; None for a missing or unreadable one."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        ts, ident = json.loads(raw)
        return float(ts), str(ident)
    except (ValueError, TypeError):
        return None


def bearer_token() -> str | None:
    """The token from the Authorization header or the access_token parameter."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith(("bearer ", "oauth ")):
        return header.split(" ", 1)[1].strip()
    return request.values.get("access_token")


def graph_time(ts: float) -> str:
    """Graph's time format: 2026-03-01T12:00:00+0000."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def rfc3339(ts: float) -> str:
    """Google's time format: 2026-03-01T12:00:00.123456Z."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def int_arg(name: str, default: int, maximum: int) -> int:
    """A bounded integer query parameter."""
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        value = default
    return max(1, min(value, maximum))


def gone(st: SandboxState, account: Account, entry: Skeleton | dict[str, Any], now: float) -> bool:
    """Whether an item is deleted at ``now`` without materialising its words."""
    if isinstance(entry, Skeleton):
        if entry.delete_ts is not None and entry.delete_ts <= now:
            return True
        item_id = {"dm": f"m_{entry.slot}", "rating": f"r_{entry.slot}"}.get(entry.kind, str(entry.slot))
    else:
        item_id = entry["id"]
    override = st.overrides.get(account.account_id, {}).get(item_id)
    return bool(override and override.get("deleted_ts") is not None and override["deleted_ts"] <= now)


def materialise(st: SandboxState, account: Account, entry: Skeleton | dict[str, Any], now: float) -> Item:
    """The full item for a skeleton or a stored record."""
    if isinstance(entry, Skeleton):
        return st.generated_item(account, entry, now)
    return st.dynamic_item(account, entry, now)


def entry_id(entry: Skeleton | dict[str, Any]) -> str:
    """The item id of a skeleton or record."""
    if isinstance(entry, Skeleton):
        return {"dm": f"m_{entry.slot}", "rating": f"r_{entry.slot}"}.get(entry.kind, str(entry.slot))
    return entry["id"]


def entry_ts(entry: Skeleton | dict[str, Any]) -> float:
    """Creation time of a skeleton or record."""
    return entry.ts if isinstance(entry, Skeleton) else entry["ts"]


_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_SIZE = 128


def _cached(key: tuple, build: Any) -> Any:
    """A small LRU for lists derived from (account, container, now, state version)."""
    found = _CACHE.get(key)
    if found is None:
        found = build()
        _CACHE[key] = found
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return found


def parent_of(entry: Skeleton | dict[str, Any]) -> str | None:
    """The parent comment id of a skeleton or record."""
    if isinstance(entry, Skeleton):
        return str(entry.parent) if entry.parent is not None else None
    return entry.get("parent_id")


def container_entries(st: SandboxState, account: Account, day: int, now: float) -> list[tuple[Key, Any]]:
    """Visible, undeleted comments and replies of one container, oldest first (cached)."""
    key = ("entries", id(st), account.account_id, day, now, st.version)
    return _cached(key, lambda: _container_entries(st, account, day, now))


def container_children(st: SandboxState, account: Account, day: int, now: float) -> dict[str, list]:
    """Replies of one container grouped by parent id, oldest first (cached)."""

    def build() -> dict[str, list]:
        children: dict[str, list] = {}
        for entry in container_entries(st, account, day, now):
            parent = parent_of(entry[1])
            if parent is not None:
                children.setdefault(parent, []).append(entry)
        return children

    return _cached(("children", id(st), account.account_id, day, now, st.version), build)


def _container_entries(st: SandboxState, account: Account, day: int, now: float) -> list[tuple[Key, Any]]:
    entries: list[tuple[Key, Any]] = [
        ((sk.ts, str(sk.slot)), sk)
        for sk in st.timeline(account).container_items(day)
        if sk.ts <= now and not gone(st, account, sk, now)
    ]
    for record in st.records(account):
        visible = record.get("container") == day and record["kind"] in ("comment", "reply") and record["ts"] <= now
        if visible and not gone(st, account, record, now):
            entries.append(((record["ts"], record["id"]), record))
    entries.sort(key=lambda e: e[0])
    return entries


def page_ascending(entries: list[tuple[Key, Any]], after: Key | None, limit: int) -> tuple[list[Any], Key | None]:
    """A page of an ascending list after ``after``; returns (page, last key if more remain)."""
    start = 0
    if after is not None:
        lo, hi = 0, len(entries)
        while lo < hi:
            mid = (lo + hi) // 2
            if entries[mid][0] <= after:
                lo = mid + 1
            else:
                hi = mid
        start = lo
    chunk = entries[start : start + limit]
    more = start + limit < len(entries)
    return [e[1] for e in chunk], chunk[-1][0] if more and chunk else None


def page_descending_list(
    entries: list[tuple[Key, Any]], after: Key | None, limit: int
) -> tuple[list[Any], Key | None]:
    """A page of an ascending list read newest first, positions below ``after``."""
    rev = [e for e in reversed(entries) if after is None or e[0] < after]
    chunk = rev[:limit]
    more = len(rev) > limit
    return [e[1] for e in chunk], chunk[-1][0] if more and chunk else None


def merged_descending(
    generated: Iterable[tuple[Key, Any]], stored: list[tuple[Key, Any]], after: Key | None, limit: int
) -> tuple[list[Any], Key | None]:
    """Merge a lazy newest-first generated stream with stored entries; one page below ``after``."""
    stored_desc = sorted((e for e in stored if after is None or e[0] < after), key=lambda e: e[0], reverse=True)
    gen = (e for e in generated if after is None or e[0] < after)
    page: list[tuple[Key, Any]] = []
    for entry in heapq.merge(gen, stored_desc, key=lambda e: e[0], reverse=True):
        page.append(entry)
        if len(page) > limit:
            break
    more = len(page) > limit
    page = page[:limit]
    return [e[1] for e in page], page[-1][0] if more and page else None


def generated_descending(
    st: SandboxState, account: Account, kinds: tuple[str, ...], after: Key | None, now: float
) -> Iterator[tuple[Key, Skeleton]]:
    """Newest-first generated items of ``kinds`` (undeleted), starting at the cursor."""
    from_ts = after[0] if after else now
    for sk in st.timeline(account).descending(kinds, from_ts, now):
        if not gone(st, account, sk, now):
            yield (sk.ts, entry_id(sk)), sk


def day_of(ts: float) -> int:
    """The container day of a time."""
    return int(ts // DAY)


def apply_fault(fault: dict[str, Any] | None) -> None:
    """Sleep for "slow" faults (before answering); others are rendered by the blueprint."""
    if fault and fault["kind"] == "slow":
        time.sleep(fault["seconds"])
