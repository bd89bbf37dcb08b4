"""The sandbox's memory: accounts, what was posted through the API, edits, deletions, faults.

Generated traffic lives in ``timeline.Timeline`` and is never stored. What people and our
connectors add (fan posts, page replies) is kept as small records here, together with overrides
(edits, deletions) for any item, generated or not. Everything can be saved to a JSON file so a
demo survives restarts.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from agency.sandbox.timeline import DAY, Skeleton, Timeline

PLATFORMS = ("facebook_page", "instagram_business", "google_business_profile", "youtube_channel")
GENERATED_FAN_BASE = 100_000_000
PSID_BASE = 7_000_000_000


@dataclass
class Account:
    """One page, Instagram account, Business Profile location or YouTube channel."""

    platform: str
    account_id: str
    name: str
    token: str
    history_days: float = 30
    per_day: float = 20
    start_ts: float = 0.0
    username: str = ""
    page_id: str | None = None  # the Facebook Page an Instagram account is linked to

    def public(self) -> dict[str, Any]:
        """The JSON shape used by the admin API."""
        return asdict(self)


@dataclass
class Item:
    """An item as the platform would show it right now."""

    id: str
    kind: str  # comment | reply | dm | rating | mention | review
    ts: float
    updated_ts: float
    container: int | None
    parent_id: str | None
    conversation_id: str | None
    text: str
    author_id: str
    author_name: str
    own: bool = False
    rating: int | None = None
    deleted: bool = False
    lang: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class SandboxState:
    """All mutable state, guarded by one lock (the server is threaded)."""

    def __init__(self, seed: int, now: Callable[[], datetime], state_file: str | None) -> None:
        self.seed = seed
        self.now_fn = now
        self.state_file = state_file
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.dynamic: dict[str, list[dict[str, Any]]] = {}
        self.overrides: dict[str, dict[str, dict[str, Any]]] = {}
        self.replies: list[dict[str, Any]] = []
        #: per account: hidden / liked comment ids, blocked people, private replies, YouTube moderation status
        self.moderation: dict[str, dict[str, Any]] = {}
        #: every moderation call received, oldest first (for /_sandbox/moderation)
        self.moderation_log: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self.codes: dict[str, dict[str, Any]] = {}
        self.user_tokens: dict[str, str] = {}  # token -> "meta" | "google"
        self.token_expiry: dict[str, float] = {}  # user token -> when it stops working (unix seconds)
        self.counter = 0
        #: bumped on every write, so caches of derived lists know when they are stale
        self.version = 0
        self._timelines: dict[str, Timeline] = {}
        if state_file and os.path.exists(state_file):
            self._load()

    # -- time and persistence --------------------------------------------------------------

    def now(self) -> float:
        """The sandbox clock as unix seconds."""
        return self.now_fn().timestamp()

    def _load(self) -> None:
        with open(self.state_file, encoding="utf-8") as fh:  # type: ignore[arg-type]
            data = json.load(fh)
        self.accounts = {a["account_id"]: Account(**a) for a in data.get("accounts", [])}
        self.dynamic = data.get("dynamic", {})
        self.overrides = data.get("overrides", {})
        self.replies = data.get("replies", [])
        self.moderation = data.get("moderation", {})
        self.moderation_log = data.get("moderation_log", [])
        self.counter = data.get("counter", 0)
        self.user_tokens = data.get("user_tokens", {})
        self.token_expiry = data.get("token_expiry", {})

    def save(self) -> None:
        """Write the state file (atomically), if one is configured."""
        if not self.state_file:
            return
        data = {
            "accounts": [a.public() for a in self.accounts.values()],
            "dynamic": self.dynamic,
            "overrides": self.overrides,
            "replies": self.replies,
            "moderation": self.moderation,
            "moderation_log": self.moderation_log,
            "counter": self.counter,
            "user_tokens": self.user_tokens,
            "token_expiry": self.token_expiry,
        }
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.state_file)

    # -- accounts --------------------------------------------------------------------------

    def add_account(self, platform: str, account_id: str, name: str, token: str | None = None,
                    history_days: float = 30, per_day: float = 20, username: str = "",
                    page_id: str | None = None) -> Account:
        """Create (or replace) an account; its history starts at midnight ``history_days`` ago."""
        if platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
        if not account_id or not name:
            raise ValueError("account_id and name are required")
        with self.lock:
            start = (self.now() // DAY) * DAY - float(history_days) * DAY
            account = Account(platform, account_id, name, token or secrets.token_urlsafe(24),
                              float(history_days), float(per_day), start, username or name.lower().replace(" ", ""),
                              page_id)
            self.accounts[account_id] = account
            self._timelines.pop(account_id, None)
            self.version += 1
            self.save()
            return account

    def by_token(self, token: str | None) -> Account | None:
        """The account whose token this is."""
        if not token:
            return None
        return next((a for a in self.accounts.values() if secrets.compare_digest(a.token, token)), None)

    def issue_user_token(self, provider: str, lifetime: float) -> str:
        """A person's OAuth token for ``provider`` that works for ``lifetime`` seconds (``expires_in``)."""
        with self.lock:
            token = f"{provider}-user-{secrets.token_urlsafe(16)}"
            self.user_tokens[token] = provider
            self.token_expiry[token] = self.now() + lifetime
            self.save()
            return token

    def user_token(self, token: str | None) -> str | None:
        """The provider of a person's token that still works; None for others and expired ones."""
        provider = self.user_tokens.get(token or "")
        if provider is None or self.user_token_expired(token):
            return None
        return provider

    def user_token_expired(self, token: str | None) -> bool:
        """Whether ``token`` is a person's token whose ``expires_in`` has passed."""
        expiry = self.token_expiry.get(token or "")
        return expiry is not None and self.now() >= expiry

    def timeline(self, account: Account) -> Timeline:
        """The (cached) generated timeline of an account."""
        tl = self._timelines.get(account.account_id)
        if tl is None:
            tl = Timeline(account.platform, self.seed, account.account_id, account.per_day, account.start_ts)
            self._timelines[account.account_id] = tl
        return tl

    # -- items -----------------------------------------------------------------------------

    def generated_item(self, account: Account, sk: Skeleton, now: float | None = None) -> Item:
        """Materialise a generated item at ``now`` (edits and deletions applied)."""
        now = self.now() if now is None else now
        words = self.timeline(account).words(sk)
        text, updated = words.text, sk.ts
        if sk.edit_ts is not None and sk.edit_ts <= now:
            text, updated = words.edited_text, sk.edit_ts
        deleted = sk.delete_ts is not None and sk.delete_ts <= now
        if sk.kind == "dm":
            item_id, conv, author_id = f"m_{sk.slot}", f"t_{sk.slot}", str(PSID_BASE + sk.slot)
        elif sk.kind == "rating":
            item_id, conv, author_id = f"r_{sk.slot}", None, str(GENERATED_FAN_BASE + words.author_index)
        else:
            item_id, conv, author_id = str(sk.slot), None, str(GENERATED_FAN_BASE + words.author_index)
        if account.platform == "youtube_channel":
            author_id = f"UCfan{words.author_index:06d}"
        item = Item(item_id, sk.kind, sk.ts, updated, sk.container,
                    str(sk.parent) if sk.parent is not None else None, conv, text, author_id,
                    words.author_name, rating=words.rating, deleted=deleted, lang=words.lang)
        if sk.kind == "rating":
            item.extra["recommendation_type"] = "negative" if words.rating == 1 else "positive"
            item.rating = None
        return self._apply_override(account, item, now)

    def dynamic_item(self, account: Account, record: dict[str, Any], now: float | None = None) -> Item:
        """Materialise a stored record at ``now``."""
        now = self.now() if now is None else now
        item = Item(**{k: v for k, v in record.items() if k in Item.__dataclass_fields__})
        item.extra = dict(record.get("extra") or {})
        return self._apply_override(account, item, now)

    def _apply_override(self, account: Account, item: Item, now: float) -> Item:
        override = self.overrides.get(account.account_id, {}).get(item.id)
        if override:
            if override.get("text") is not None and override["edited_ts"] <= now:
                item.text, item.updated_ts = override["text"], max(item.updated_ts, override["edited_ts"])
            if override.get("deleted_ts") is not None and override["deleted_ts"] <= now:
                item.deleted = True
                item.updated_ts = max(item.updated_ts, override["deleted_ts"])
        return item

    def records(self, account: Account) -> list[dict[str, Any]]:
        """Stored records of an account (oldest first)."""
        return self.dynamic.setdefault(account.account_id, [])

    def lookup(self, account: Account, item_id: str, now: float | None = None) -> Item | None:
        """Any item of the account by id, visible at ``now`` (deleted ones included)."""
        now = self.now() if now is None else now
        for record in self.records(account):
            if record["id"] == item_id:
                return self.dynamic_item(account, record, now) if record["ts"] <= now else None
        raw = item_id
        for prefix in ("m_", "r_"):
            if item_id.startswith(prefix):
                raw = item_id[len(prefix):]
        if not raw.isdigit():
            return None
        sk = self.timeline(account).skeleton(int(raw))
        if sk is None or sk.ts > now:
            return None
        expected = {"m_": ("dm",), "r_": ("rating",)}.get(item_id[:2], ("comment", "reply", "mention", "review"))
        if sk.kind not in expected:
            return None
        return self.generated_item(account, sk, now)

    def add_record(self, account: Account, **fields: Any) -> dict[str, Any]:
        """Store an item posted through the API or by a fan; returns the record."""
        with self.lock:
            self.counter += 1
            now = self.now()
            prefix = {"dm": "m_d"}.get(fields.get("kind", ""), "d")
            record = {
                "id": fields.pop("id", None) or f"{prefix}{self.counter}",
                "ts": now,
                "updated_ts": now,
                "container": None,
                "parent_id": None,
                "conversation_id": None,
                "own": False,
                "rating": None,
                "lang": None,
                "extra": {},
                **fields,
            }
            self.records(account).append(record)
            self.version += 1
            self.save()
            return record

    def new_conversation_id(self) -> str:
        """A fresh id for a conversation a fan starts."""
        with self.lock:
            self.counter += 1
            return f"t_d{self.counter}"

    def set_override(self, account: Account, item_id: str, **changes: Any) -> None:
        """Edit or delete any item from now on."""
        with self.lock:
            entry = self.overrides.setdefault(account.account_id, {}).setdefault(item_id, {})
            now = self.now()
            if "text" in changes:
                entry["text"], entry["edited_ts"] = changes["text"], now
            if changes.get("deleted"):
                entry["deleted_ts"] = now
            self.version += 1
            self.save()

    def log_reply(self, account: Account, **fields: Any) -> None:
        """Remember a reply received through the API (for /_sandbox/replies)."""
        with self.lock:
            self.replies.append({"account_id": account.account_id, "platform": account.platform,
                                 "received_at": self.now(), **fields})
            self.save()

    # -- moderation ------------------------------------------------------------------------

    def moderation_of(self, account: Account) -> dict[str, Any]:
        """The account's moderation state: hidden and liked ids, blocked people, private replies, statuses."""
        return self.moderation.setdefault(account.account_id, {"hidden": [], "liked": [], "blocked": [],
                                                               "private_replies": {}, "status": {}})

    def set_flag(self, account: Account, flag: str, value: str, on: bool) -> None:
        """Add or remove ``value`` in the account's ``flag`` list (hidden, liked, blocked)."""
        with self.lock:
            values = self.moderation_of(account)[flag]
            if on and value not in values:
                values.append(value)
            elif not on and value in values:
                values.remove(value)
            self.version += 1
            self.save()

    def has_flag(self, account: Account, flag: str, value: str) -> bool:
        """Whether ``value`` is in the account's ``flag`` list."""
        return value in self.moderation.get(account.account_id, {}).get(flag, ())

    def log_moderation(self, account: Account, action: str, target: str, **fields: Any) -> None:
        """Remember a moderation call received through the API."""
        with self.lock:
            self.moderation_log.append({"account_id": account.account_id, "platform": account.platform,
                                        "action": action, "target": target, "received_at": self.now(), **fields})
            self.save()

    # -- faults ----------------------------------------------------------------------------

    def add_fault(self, account_id: str, kind: str, count: int, seconds: float, **options: Any) -> dict:
        """Queue a fault for the next ``count`` matching requests."""
        with self.lock:
            fault = {"account_id": account_id, "kind": kind, "remaining": int(count),
                     "seconds": float(seconds), **options}
            self.faults.append(fault)
            return fault

    def take_fault(self, account_id: str | None, is_write: bool) -> dict | None:
        """Consume and return the first fault that applies to this request."""
        with self.lock:
            for fault in self.faults:
                if fault["remaining"] <= 0:
                    continue
                if fault["account_id"] not in ("*", account_id):
                    continue
                if fault["kind"] == "timeout_after_write" and not is_write:
                    continue
                fault["remaining"] -= 1
                return dict(fault)
            return None

