"""A deterministic, lazily evaluated timeline of fan activity for one sandbox account.

Time is cut into slots of ``86400 / per_day`` seconds counted from the unix epoch; every slot
holds exactly one item at a pseudo-random offset, derived from a hash of (seed, account, slot).
Nothing is stored: any slot can be evaluated on its own, so IDs are stable across restarts and an
account with 100,000 items costs nothing until somebody pages through it. Items whose time is
past ``now()`` simply are not visible yet, which is how new traffic keeps arriving.

Containers (posts, media, videos) are one per day, created at midnight UTC. A comment belongs to
its own day's container, or in 30% of cases to the previous day's, so a container's comments lie
in two days of slots and can be listed without scanning the whole history.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import OrderedDict
from dataclasses import dataclass

from agency.sandbox import content

DAY = 86400
#: Generated edits and deletions happen within this long after the item.
MAX_CHANGE_DELAY = 2 * DAY

KIND_TABLES: dict[str, list[tuple[float, str]]] = {
    "facebook_page": [(0.55, "comment"), (0.70, "reply"), (0.90, "dm"), (1.0, "rating")],
    "instagram_business": [(0.70, "comment"), (0.85, "reply"), (1.0, "mention")],
    "google_business_profile": [(1.0, "review")],
    "youtube_channel": [(0.75, "comment"), (1.0, "reply")],
}
CONTAINER_KINDS = ("comment", "reply")


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The cheap facts of one generated item; its words come from ``words()``."""

    slot: int
    kind: str
    ts: float
    container: int | None
    parent: int | None
    edit_ts: float | None
    delete_ts: float | None
    seed: int


@dataclass(frozen=True, slots=True)
class Words:
    """The text side of a generated item."""

    text: str
    edited_text: str
    author_index: int
    author_name: str
    rating: int | None
    lang: str


class Timeline:
    """The generated items of one account."""

    def __init__(self, platform: str, seed: int, account_id: str, per_day: float, start_ts: float) -> None:
        self.platform = platform
        self.key = f"{seed}|{platform}|{account_id}|"
        self.slot_len = DAY / max(per_day, 0.001)
        self.start_ts = start_ts
        self.start_day = int(start_ts // DAY)
        self.first_slot = math.ceil(start_ts / self.slot_len)
        self.table = KIND_TABLES[platform]
        self._containers: OrderedDict[int, list[Skeleton]] = OrderedDict()

    # -- single slots ----------------------------------------------------------------------

    def slot_at(self, ts: float) -> int:
        """The slot holding time ``ts``."""
        return int(ts // self.slot_len)

    def _digest(self, slot: int) -> bytes:
        return hashlib.blake2b(f"{self.key}{slot}".encode(), digest_size=16).digest()

    def raw(self, slot: int) -> tuple[str, float, int | None, bytes]:
        """(kind, time, container, digest) without resolving reply parents."""
        d = self._digest(slot)
        roll = d[0] / 256
        kind = next(name for limit, name in self.table if roll < limit)
        ts = slot * self.slot_len + int.from_bytes(d[1:5], "big") / 2**32 * self.slot_len
        container = None
        if kind in CONTAINER_KINDS:
            day = int(ts // DAY)
            container = day - 1 if d[5] < 77 and day - 1 >= self.start_day else day
        return kind, ts, container, d

    def skeleton(self, slot: int) -> Skeleton | None:
        """The item in ``slot``, or None before the account's history starts."""
        if slot < self.first_slot:
            return None
        kind, ts, container, d = self.raw(slot)
        if ts < self.start_ts:
            return None
        parent = None
        if kind == "reply":
            parent = self._find_parent(slot, container)
            if parent is None:
                kind = "comment"
        edit_ts = delete_ts = None
        if kind in ("comment", "reply", "review"):
            delay = 3600 + d[7] / 256 * (MAX_CHANGE_DELAY - 3600)
            if d[6] < 8:
                edit_ts = ts + delay
            elif d[6] < 13:
                delete_ts = ts + delay
        return Skeleton(slot, kind, ts, container, parent, edit_ts, delete_ts, int.from_bytes(d[8:16], "big"))

    def _find_parent(self, slot: int, container: int | None) -> int | None:
        for candidate in range(slot - 1, max(self.first_slot, slot - 200) - 1, -1):
            kind, ts, other, _ = self.raw(candidate)
            if ts < self.start_ts:
                return None
            if kind == "comment" and other == container:
                return candidate
        return None

    def words(self, sk: Skeleton) -> Words:
        """Text, author and rating of a generated item."""
        rng = random.Random(sk.seed)
        author_index = rng.randrange(100_000)
        rating = None
        category = None
        if sk.kind == "review":
            rating = rng.choices([1, 2, 3, 4, 5], weights=[12, 6, 10, 25, 47])[0]
            category = content.REVIEW_CATEGORY[rating]
        elif sk.kind == "dm":
            category = "dm"
        elif sk.kind == "rating":
            # Facebook recommendations are yes/no; remember the answer as 1 or 5 internally.
            rating = 1 if rng.random() < 0.25 else 5
            category = content.REVIEW_CATEGORY[rating]
        text, lang, _ = content.fan_text(rng, category)
        if sk.kind == "mention":
            text = f"@{self.platform.split('_')[0]} {text}"
        return Words(text, content.edited(text), author_index, content.person(author_index), rating, lang)

    # -- ranges ----------------------------------------------------------------------------

    def container_items(self, day: int) -> list[Skeleton]:
        """All comments and replies of container ``day`` in time order (cached)."""
        cached = self._containers.get(day)
        if cached is not None:
            self._containers.move_to_end(day)
            return cached
        first = max(self.slot_at(day * DAY), self.first_slot)
        last = self.slot_at((day + 2) * DAY)
        found = []
        for slot in range(first, last + 1):
            kind, _ts, container, _ = self.raw(slot)
            if kind in CONTAINER_KINDS and container == day:
                sk = self.skeleton(slot)
                if sk is not None and sk.container == day:
                    found.append(sk)
        self._containers[day] = found
        if len(self._containers) > 256:
            self._containers.popitem(last=False)
        return found

    def descending(self, kinds: tuple[str, ...], from_ts: float, now: float):
        """Generated items of ``kinds`` with time <= min(from_ts, now), newest first (lazy)."""
        slot = self.slot_at(min(from_ts, now))
        while slot >= self.first_slot:
            kind, ts, _, _ = self.raw(slot)
            if ts <= from_ts and ts <= now and (kind in kinds or (kind == "reply" and "comment" in kinds)):
                sk = self.skeleton(slot)
                if sk is not None and sk.kind in kinds:
                    yield sk
            slot -= 1

    def all_of(self, kinds: tuple[str, ...], now: float):
        """Every generated item of ``kinds`` visible at ``now`` (oldest first, lazy)."""
        for slot in range(self.first_slot, self.slot_at(now) + 1):
            kind, ts, _, _ = self.raw(slot)
            if kind in kinds and ts <= now:
                sk = self.skeleton(slot)
                if sk is not None and sk.kind in kinds:
                    yield sk
