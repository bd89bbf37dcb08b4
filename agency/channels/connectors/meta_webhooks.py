"""Meta webhook payloads (Pages and Instagram) turned into ``PlatformItem``s.

Payload shapes: developers.facebook.com/docs/graph-api/webhooks/reference/page (``feed`` with
item "comment" and verb add/edited/remove), /docs/messenger-platform/webhooks (``messaging``
events), /docs/instagram-platform/webhooks (``comments``, ``mentions``) and
/docs/instagram-platform/webhooks/examples ("Messaging payload": ``object: instagram`` with a
``messaging`` array of the same events as Messenger's, ``is_echo`` for the account's own
messages, ``is_deleted`` when a customer unsends one). Anything else is skipped with a log line:
a webhook endpoint must never fail on a payload it does not know.

Order: Meta delivers at least once and out of order. A feed change's ``created_time`` is the
time of the change (add, edit or removal) and becomes the item's ``updated_at`` for edits and
removals; ``entry.time`` is only when the notification was sent (it dates Instagram comments, whose
payload has no time of its own). A removal carries no ``message``: its item has an empty text,
which the ingest never stores over a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from agency.channels.connectors.base import PlatformItem, parse_time, utcnow
from agency.textsafety import clean_text

log = logging.getLogger(__name__)


def verify_meta_signature(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """Check ``X-Hub-Signature-256`` (sha256=HMAC(app secret, raw body)) in constant time."""
    if not header or not header.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def _time(value: Any) -> Any:
    if isinstance(value, int | float) and value > 10**11:  # Messenger timestamps are milliseconds
        value = value / 1000
    try:
        return parse_time(value) or utcnow()
    except (TypeError, ValueError, OverflowError, OSError):  # a time no calendar holds
        return utcnow()


#: Feed verbs for comments; Meta sends "edit" for some edits although the reference says "edited".
_FEED_VERBS = {"add": "add", "edited": "edited", "edit": "edited", "remove": "remove"}


def _feed_comment(page_id: str, value: dict[str, Any]) -> PlatformItem | None:
    verb = _FEED_VERBS.get(value.get("verb"))
    if value.get("item") != "comment" or verb is None:
        return None
    author = value.get("from") or {}
    post_id = value.get("post_id")
    parent = value.get("parent_id")
    changed = _time(value.get("created_time"))  # the time of this change
    return PlatformItem(
        external_id=str(value["comment_id"]),
        kind="reply" if parent and parent != post_id else "comment",
        text=value.get("message") or "",
        author_name=author.get("name") or "Facebook user",
        author_external_id=author.get("id"),
        created_at=changed,
        updated_at=changed if verb != "add" else None,
        parent_external_id=parent if parent and parent != post_id else None,
        thread_external_id=post_id,
        context_url=(value.get("post") or {}).get("permalink_url"),
        is_deleted=verb == "remove",
        is_own=author.get("id") == page_id,
        extra={"verb": verb},
    )


def _message(account_id: str, event: dict[str, Any], platform: str) -> PlatformItem | None:
    """A Messenger or Instagram direct message (``platform`` is the payload's ``object``)."""
    message = event.get("message")
    if not isinstance(message, dict) or not message.get("mid"):
        return None  # delivery/read receipts, postbacks, reactions: nothing to answer
    sender = (event.get("sender") or {}).get("id")
    recipient = (event.get("recipient") or {}).get("id")
    own = bool(message.get("is_echo")) or sender == account_id
    when = _time(event.get("timestamp"))
    customer = recipient if own else sender
    instagram = platform == "instagram"
    return PlatformItem(
        external_id=str(message["mid"]),
        kind="direct_message",
        text=message.get("text") or "",
        author_name="Instagram user" if instagram else "Messenger user",
        author_external_id=sender,
        created_at=when,
        updated_at=when if message.get("is_deleted") else None,
        # Messenger's conversation id comes with the next sync; an Instagram conversation is the customer's
        # one thread with the account, so their Instagram-scoped id names it (nothing polls Instagram DMs).
        thread_external_id=f"dm-{customer}" if instagram and customer else None,
        is_deleted=bool(message.get("is_deleted")),
        is_own=own,
        extra={"recipient_id": recipient} if own else {},
    )


def _ig_change(account_id: str, field: str, value: dict[str, Any], when: Any) -> PlatformItem | None:
    if field == "comments":
        author = value.get("from") or {}
        parent = value.get("parent_id")
        return PlatformItem(
            external_id=str(value["id"]),
            kind="reply" if parent else "comment",
            text=value.get("text") or "",
            author_name=author.get("username") or "Instagram user",
            author_external_id=author.get("id"),
            created_at=_time(when),
            parent_external_id=parent,
            thread_external_id=(value.get("media") or {}).get("id"),
            is_own=author.get("id") == account_id,
        )
    if field == "mentions":
        # Mentions carry only ids: the text is fetched with fetch_item(kind="mention").
        media_id = value.get("media_id")
        comment_id = value.get("comment_id")
        return PlatformItem(
            external_id=str(comment_id or media_id),
            kind="mention",
            text="",
            author_name="Instagram user",
            author_external_id=None,
            created_at=_time(when),
            thread_external_id=str(media_id) if media_id else None,
            extra={"needs_fetch": True, "mention_in": "comment" if comment_id else "caption"},
        )
    return None


def parse_meta_webhook(payload: dict[str, Any]) -> list[tuple[str, PlatformItem]]:
    """(account id, item) pairs from a Page or Instagram webhook; unknown parts are skipped."""
    results: list[tuple[str, PlatformItem]] = []
    if not isinstance(payload, dict):
        log.info("meta webhook ignored: not an object")
        return results
    obj = payload.get("object")
    if obj not in ("page", "instagram"):
        log.info("meta webhook ignored: object %r", str(obj)[:40])
        return results
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        # Matched against channels in SQL, which refuses NUL bytes: a broken id must not become a 500.
        account_id = clean_text(entry.get("id"), 255)
        for change in entry.get("changes") or []:
            try:
                field, value = change.get("field"), change.get("value") or {}
                if obj == "page" and field == "feed":
                    item = _feed_comment(account_id, value)
                elif obj == "instagram":
                    item = _ig_change(account_id, field, value, entry.get("time"))
                else:
                    item = None
            except (KeyError, TypeError, AttributeError, ValueError):
                log.warning("meta webhook change could not be read (field %r)", str(change)[:40])
                item = None
            if item is None:
                log.debug("meta webhook change skipped")
            else:
                results.append((account_id, item))
        for event in entry.get("messaging") or []:
            try:
                item = _message(account_id, event, obj)
            except (KeyError, TypeError, AttributeError, ValueError):
                log.warning("meta webhook messaging event could not be read")
                item = None
            if item is not None:
                results.append((account_id, item))
    return results
