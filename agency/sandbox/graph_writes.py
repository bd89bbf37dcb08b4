"""Graph writes: comment replies, Instagram replies and mention replies, the Messenger Send API."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, jsonify, request

from agency.sandbox.common import state
from agency.sandbox.graph import IG, bp, conversation_messages, graph_error, not_found, parse_container
from agency.sandbox.state import PSID_BASE, Account

#: Messenger windows (developers.facebook.com/docs/messenger-platform/send-messages).
STANDARD_WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 24 * 3600


def _param(name: str) -> Any:
    body = request.get_json(silent=True) or {}
    value = body.get(name, request.values.get(name))
    if isinstance(value, str) and value[:1] == "{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _own_reply(account: Account, kind: str, text: str, **fields: Any) -> dict[str, Any]:
    st = state()
    record = st.add_record(account, kind=kind, text=text, own=True, author_id=account.account_id,
                           author_name=account.name, **fields)
    st.log_reply(account, id=record["id"], kind=kind, text=text,
                 target=fields.get("parent_id") or fields.get("conversation_id"))
    return record


def _message_text() -> str | None:
    text = _param("message")
    return text if isinstance(text, str) and text.strip() else None


@bp.post("/<node>/comments")
def post_comment(node: str) -> Response:
    """Comment on a post, under a comment (Facebook), or on a recommendation."""
    account: Account | None = g.account
    if account is None:
        return graph_error("An active access token must be used.", 2500)
    text = _message_text()
    if text is None:
        return graph_error("(#100) The parameter message is required", 100)
    st = state()
    day = parse_container(account, node)
    if day is not None:
        record = _own_reply(account, "comment", text, container=day)
        return jsonify({"id": record["id"]})
    item = st.lookup(account, node)
    if item is None or item.deleted:
        return not_found(node)
    if item.kind in ("comment", "reply"):
        parent = item.parent_id or item.id  # one level of nesting, as on Facebook
        record = _own_reply(account, "reply", text, container=item.container, parent_id=parent)
    elif item.kind in ("rating", "mention"):
        record = _own_reply(account, "reply", text, parent_id=item.id)
    else:
        return graph_error("(#100) Unsupported post request.", 100)
    return jsonify({"id": record["id"]})


@bp.post("/<node>/replies")
def post_ig_reply(node: str) -> Response:
    """Reply to a top-level IG comment."""
    account: Account | None = g.account
    if account is None or account.platform != IG:
        return graph_error("(#100) Unsupported post request.", 100)
    text = _message_text()
    if text is None:
        return graph_error("(#100) The parameter message is required", 100)
    item = state().lookup(account, node)
    if item is None or item.deleted or item.kind not in ("comment", "reply"):
        return not_found(node)
    record = _own_reply(account, "reply", text, container=item.container, parent_id=item.parent_id or item.id)
    return jsonify({"id": record["id"]})


@bp.post("/<node>/mentions")
def post_mention_reply(node: str) -> Response:
    """Answer media (or a comment) the account was @mentioned in."""
    account: Account | None = g.account
    if account is None or account.platform != IG or node != account.account_id:
        return graph_error("(#100) Unsupported post request.", 100)
    text = _message_text()
    media_id = _param("comment_id") or _param("media_id")
    item = state().lookup(account, str(media_id or ""))
    if text is None or item is None or item.deleted:
        return graph_error("(#100) media_id and message are required", 100)
    record = _own_reply(account, "reply", text, parent_id=item.id)
    return jsonify({"id": record["id"]})


def _conversation_for(account: Account, psid: str) -> str | None:
    st = state()
    for record in reversed(st.records(account)):
        if record.get("conversation_id") and (record.get("author_id") == psid
                                              or (record.get("extra") or {}).get("recipient_id") == psid):
            return record["conversation_id"]
    if psid.isdigit() and int(psid) > PSID_BASE:
        slot = int(psid) - PSID_BASE
        sk = st.timeline(account).skeleton(slot)
        if sk is not None and sk.kind == "dm" and sk.ts <= st.now():
            return f"t_{slot}"
    return None


@bp.post("/<node>/messages")
def send_message(node: str) -> Response:
    """The Send API: answer a person who wrote to the Page, within the messaging window."""
    account: Account | None = g.account
    if account is None or node not in (account.account_id, "me"):
        return graph_error("(#100) Unsupported post request.", 100)
    recipient = _param("recipient") or {}
    message = _param("message") or {}
    if isinstance(recipient, dict) and recipient.get("comment_id"):
        from agency.sandbox.graph_moderation import private_reply

        text = message.get("text") if isinstance(message, dict) else None
        if account.platform == IG:  # Instagram Messaging: UTF-8, 1000 bytes or less
            if not isinstance(text, str) or not text.strip() or len(text.encode("utf-8")) > 1000:
                return graph_error("(#100) message[text] is required (at most 1000 bytes)", 100)
        elif not isinstance(text, str) or not text.strip() or len(text) > 2000:
            return graph_error("(#100) message[text] is required (at most 2000 characters)", 100)
        return private_reply(account, str(recipient["comment_id"]), text)
    messaging_type = _param("messaging_type")
    tag = _param("tag")
    psid = str(recipient.get("id", "")) if isinstance(recipient, dict) else ""
    text = message.get("text") if isinstance(message, dict) else None
    if not psid or not text or messaging_type not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
        return graph_error("(#100) recipient, messaging_type and message are required", 100)
    if len(text) > 2000:
        return graph_error("(#100) Length of param message[text] must be less than or equal to 2000", 100)
    conv = _conversation_for(account, psid)
    if conv is None:
        return graph_error("(#100) No matching user found", 100, 400, 2018001)
    st = state()
    now = st.now()
    fan_messages = [e for e in conversation_messages(account, conv, now)
                    if not (isinstance(e[1], dict) and e[1].get("own"))]
    last = fan_messages[-1][0][0] if fan_messages else 0
    age = now - last
    allowed = age <= STANDARD_WINDOW or (messaging_type == "MESSAGE_TAG" and tag == "HUMAN_AGENT"
                                         and age <= HUMAN_AGENT_WINDOW)
    if not allowed:
        return graph_error("(#10) This message is sent outside of allowed window.", 10, 400, 2018278)
    record = _own_reply(account, "dm", text, conversation_id=conv,
                        extra={"recipient_id": psid, "messaging_type": messaging_type, "tag": tag})
    return jsonify({"recipient_id": psid, "message_id": record["id"]})
