"""Signed Meta webhook payloads for sandbox items (tests, demo, and live fan posts).

Shapes follow developers.facebook.com/docs/graph-api/webhooks (Page ``feed`` changes,
Messenger ``messaging`` events, Instagram ``comments``/``mentions`` changes); the signature is
``X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, raw body)>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import requests

from agency.sandbox.common import escape_surrogates
from agency.sandbox.state import Account, Item

log = logging.getLogger(__name__)


def sign(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 header value for ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def build_meta_webhook(account: Account, item: Item, verb: str = "add") -> dict[str, Any]:
    """The webhook Meta would send for ``item`` (verb add / edited / remove for Page comments)."""
    ts = int(item.ts)
    if account.platform == "instagram_business":
        if item.kind == "mention":
            value: dict[str, Any] = {"media_id": item.id}
            field = "mentions"
        else:
            field = "comments"
            value = {"id": item.id, "text": item.text,
                     "from": {"id": item.author_id, "username": item.author_name.lower().replace(" ", "_")},
                     "media": {"id": f"media_{item.container}", "media_product_type": "FEED"}}
            if item.parent_id:
                value["parent_id"] = item.parent_id
        return {"object": "instagram", "entry": [{"id": account.account_id, "time": ts,
                                                  "changes": [{"field": field, "value": value}]}]}
    if item.kind == "dm":
        event = {"sender": {"id": item.author_id}, "recipient": {"id": account.account_id},
                 "timestamp": ts * 1000, "message": {"mid": item.id, "text": item.text}}
        return {"object": "page", "entry": [{"id": account.account_id, "time": ts * 1000, "messaging": [event]}]}
    post_id = f"{account.account_id}_{item.container}"
    # A feed change's created_time is the time of the change: the comment's creation for "add", the
    # edit or the removal otherwise (``entry.time`` is when the notification went out).
    changed = ts if verb == "add" else int(max(item.updated_ts, item.ts))
    value = {"from": {"id": item.author_id, "name": item.author_name}, "post_id": post_id,
             "comment_id": item.id, "parent_id": item.parent_id or post_id, "created_time": changed,
             "item": "comment", "verb": verb, "post": {"id": post_id, "status_type": "added_photos"}}
    if verb != "remove":
        value["message"] = item.text
    return {"object": "page", "entry": [{"id": account.account_id, "time": changed, "changes": [
        {"field": "feed", "value": value}]}]}


def signed_body(payload: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) ready to POST to a webhook endpoint."""
    body = escape_surrogates(json.dumps(payload, ensure_ascii=False)).encode()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(app_secret, body)}


def deliver_webhook(url: str, app_secret: str, account: Account, item: Item, verb: str = "add") -> bool:
    """POST a signed webhook; delivery trouble is logged, never raised (as Meta retries later)."""
    body, headers = signed_body(build_meta_webhook(account, item, verb), app_secret)
    try:
        response = requests.post(url, data=body, headers=headers, timeout=(2, 5))
    except requests.RequestException as exc:
        log.warning("webhook delivery to %s failed: %s", url, type(exc).__name__)
        return False
    return response.status_code < 300
