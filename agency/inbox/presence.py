"""Who is looking at or replying to an interaction right now (Redis, with expiry).

Each open thread page sends a heartbeat every few seconds; an entry older than
``STALE_AFTER`` no longer counts, and the whole key expires when nobody beats.
"""

from __future__ import annotations

import json
import time

from agency.queue import get_redis

STALE_AFTER = 30  # seconds without a heartbeat: gone
KEY_TTL = 120
STATES = ("viewing", "replying")


def _key(interaction_id: int) -> str:
    return f"agency:presence:{interaction_id}"


def beat(interaction_id: int, user_id: int, name: str, state: str) -> None:
    if state not in STATES:
        state = "viewing"
    redis = get_redis()
    key = _key(interaction_id)
    pipe = redis.pipeline()
    pipe.hset(key, str(user_id), json.dumps({"name": name[:120], "state": state, "at": time.time()}))
    pipe.expire(key, KEY_TTL)
    pipe.execute()


def leave(interaction_id: int, user_id: int) -> None:
    get_redis().hdel(_key(interaction_id), str(user_id))


def others(interaction_ids: list[int], user_id: int) -> dict[int, list[dict]]:
    """For each interaction, the colleagues (not ``user_id``) present now: [{name, state}]."""
    if not interaction_ids:
        return {}
    redis = get_redis()
    pipe = redis.pipeline()
    for interaction_id in interaction_ids:
        pipe.hgetall(_key(interaction_id))
    now = time.time()
    found: dict[int, list[dict]] = {}
    for interaction_id, entries in zip(interaction_ids, pipe.execute(), strict=True):
        people = []
        for uid, raw in entries.items():
            uid = uid.decode() if isinstance(uid, bytes) else uid
            if uid == str(user_id):
                continue
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if now - float(entry.get("at", 0)) <= STALE_AFTER:
                people.append({"name": entry.get("name", ""), "state": entry.get("state", "viewing")})
        if people:
            found[interaction_id] = sorted(people, key=lambda p: (p["state"] != "replying", p["name"]))
    return found
