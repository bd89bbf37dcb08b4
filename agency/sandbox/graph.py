"""Meta Graph API stand-in: Facebook Page feed, comments, Messenger, ratings; Instagram media,
comments, replies, tags; OAuth token exchange and /me/accounts.

Shapes follow developers.facebook.com (Graph API reference): ``{"data": [...], "paging":
{"cursors": {"before", "after"}, "next"}}`` and ``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}``.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, jsonify, request

from agency.sandbox.common import (
    bearer_token,
    container_children,
    container_entries,
    day_of,
    decode_cursor,
    encode_cursor,
    entry_id,
    generated_descending,
    graph_time,
    int_arg,
    materialise,
    merged_descending,
    page_ascending,
    page_descending_list,
    parent_of,
    state,
)
from agency.sandbox.graph_render import (
    FB,
    IG,
    fb_comment,
    fb_message,
    fb_post,
    fb_rating,
    ig_comment,
    ig_media,
    ig_mention,
    parse_container,
)
from agency.sandbox.state import Account, Item
from agency.sandbox.timeline import DAY

__all__ = ["FB", "IG", "bp", "conversation_messages", "graph_error", "not_found", "parse_container"]

bp = Blueprint("sandbox_graph", __name__)


def graph_error(message: str, code: int, status: int = 400, subcode: int | None = None,
                headers: dict[str, str] | None = None, err_type: str = "OAuthException") -> Response:
    """A Graph error response."""
    error: dict[str, Any] = {"message": message, "type": err_type, "code": code,
                             "fbtrace_id": secrets.token_hex(6)}
    if subcode:
        error["error_subcode"] = subcode
    response = jsonify({"error": error})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def usage_headers(account_id: str, seconds: float, percent: int = 100) -> dict[str, str]:
    """X-App-Usage and X-Business-Use-Case-Usage at ``percent`` with a stated wait."""
    minutes = max(1, math.ceil(seconds / 60))
    return {
        "X-App-Usage": json.dumps({"call_count": percent, "total_cputime": 20, "total_time": 25}),
        "X-Business-Use-Case-Usage": json.dumps({account_id: [{
            "type": "pages", "call_count": percent, "total_cputime": 30, "total_time": 40,
            "estimated_time_to_regain_access": minutes}]}),
    }


def _acting_account(account: Account | None) -> Account | None:
    """The account a request acts on: a Page token also reaches the Instagram account linked to
    its Page (the Instagram API with Facebook Login works with the Page's token)."""
    st = state()
    node = (request.view_args or {}).get("node")
    if account is None or account.platform != FB or node is None:
        return account
    linked = next((a for a in st.accounts.values() if a.platform == IG and a.page_id == account.account_id), None)
    if linked is None:
        return account
    if node == linked.account_id or parse_container(linked, node) is not None:
        return linked
    if (node not in ("me", account.account_id) and parse_container(account, node) is None
            and st.lookup(account, node) is None and st.lookup(linked, node) is not None):
        return linked
    return account


def _person_id(token: str) -> str:
    """A stable numeric id of the person a user token belongs to."""
    return str(10**14 + int(hashlib.sha256(token.encode()).hexdigest()[:10], 16))


@bp.before_request
def _authenticate() -> Response | None:
    st = state()
    token = bearer_token()
    g.account = _acting_account(st.by_token(token))
    g.user_token = token if st.user_token(token) == "meta" else None
    if request.path.endswith("/oauth/access_token"):
        return None
    fault = st.take_fault(g.account.account_id if g.account else None, request.method != "GET")
    g.fault = fault
    if fault:
        kind = fault["kind"]
        acct = g.account.account_id if g.account else "0"
        if kind == "rate_limit" and fault.get("soft"):
            g.soft_usage = usage_headers(acct, fault["seconds"], 95)
        elif kind == "rate_limit":
            code = int(fault.get("code", 32))
            message = "(#4) Application request limit reached" if code == 4 else \
                f"(#{code}) Page request limit reached"
            return graph_error(message, code, 400,
                               headers=usage_headers(acct, fault["seconds"]))
        elif kind == "expired_token":
            return graph_error("Error validating access token: Session has expired.", 190, 401, 463)
        elif kind == "server_error":
            return graph_error("An unexpected error has occurred. Please retry your request later.",
                               2, 500, err_type="OAuthException")
        elif kind == "bad_request":
            return graph_error("(#100) Invalid parameter", 100, 400, err_type="OAuthException")
        elif kind == "slow":
            time.sleep(fault["seconds"])
    if g.account is None and g.user_token is None:
        if st.user_token_expired(token):
            return graph_error("Error validating access token: Session has expired.", 190, 401, 463)
        return graph_error("Invalid OAuth access token - Cannot parse access token", 190, 401)
    return None


@bp.after_request
def _after(response: Response) -> Response:
    for key, value in (getattr(g, "soft_usage", None) or {}).items():
        response.headers[key] = value
    fault = getattr(g, "fault", None)
    if fault and fault["kind"] == "timeout_after_write" and response.status_code < 400:
        # The write is stored; the answer comes too late for the client. That is the case
        # at-most-once reply sending must survive.
        time.sleep(fault["seconds"])
    return response


def listing(rows: list[dict], last: tuple | None, first: tuple | None = None) -> Response:
    """A Graph list response with cursor paging (``next`` only when more rows remain)."""
    paging: dict[str, Any] = {"cursors": {"before": encode_cursor(first) if first else "",
                                          "after": encode_cursor(last) if last else ""}}
    if last:
        args = request.args.to_dict()
        args.pop("access_token", None)
        args["after"] = encode_cursor(last)
        paging["next"] = f"{request.base_url}?{urlencode(args)}"
    return jsonify({"data": rows, "paging": paging})


def not_found(node: str) -> Response:
    """Graph's answer for a missing or deleted object."""
    return graph_error(f"Unsupported get request. Object with ID '{node}' does not exist, cannot be "
                       "loaded due to missing permissions, or does not support this operation", 100, 400, 33)


# ------------------------------------------------------------------ reads


def _account_node(account: Account) -> dict[str, Any]:
    node: dict[str, Any] = {"id": account.account_id, "name": account.name}
    if account.platform == IG:
        node["username"] = account.username
    else:
        linked = next((a for a in state().accounts.values() if a.platform == IG and a.page_id == account.account_id),
                      None)
        if linked:
            node["instagram_business_account"] = {"id": linked.account_id, "username": linked.username}
    return node


@bp.get("/me/accounts")
def me_accounts() -> Response:
    """Pages the (user) token can manage, each with its Page access token."""
    st = state()
    pages = [a for a in st.accounts.values() if a.platform == FB]
    if g.account is not None and g.user_token is None:
        pages = [g.account] if g.account.platform == FB else []
    rows = [{**_account_node(a), "access_token": a.token, "category": "Brand", "tasks": ["MODERATE", "MESSAGING"]}
            for a in pages]
    return jsonify({"data": rows, "paging": {"cursors": {"before": "", "after": ""}}})


@bp.get("/<node>")
def read_node(node: str) -> Response:
    """Read one object: the account, a post/media, a comment, a message or a rating."""
    account: Account | None = g.account
    if account is None and node == "me" and g.user_token:
        # A person's token: /me is the person (never a Page).
        return jsonify({"id": _person_id(g.user_token), "name": "Sandbox Person"})
    if account is None:
        return graph_error("An active access token must be used to query this object.", 2500, 400)
    st = state()
    now = st.now()
    if node in ("me", account.account_id):
        return jsonify(_account_node(account))
    day = parse_container(account, node)
    if day is not None:
        if account.platform == IG:
            return jsonify(ig_media(account, day, now))
        return jsonify(fb_post(account, day, now))
    item = st.lookup(account, node, now)
    if item is None or item.deleted:
        return not_found(node)
    if item.kind == "dm":
        return jsonify(fb_message(account, item))
    if item.kind == "rating":
        return jsonify(fb_rating(account, item))
    if item.kind == "mention":
        return jsonify(ig_mention(account, item))
    return jsonify(ig_comment(account, item) if account.platform == IG else fb_comment(account, item))


@bp.get("/<node>/<edge>")
def read_edge(node: str, edge: str) -> Response:
    """List an edge of an object."""
    account: Account | None = g.account
    if account is None:
        return graph_error("An active access token must be used to query this object.", 2500, 400)
    st = state()
    now = st.now()
    after = decode_cursor(request.args.get("after"))
    limit = int_arg("limit", 25, 100)
    if node in ("me", account.account_id):
        handler = {("facebook_page", "feed"): _feed, ("facebook_page", "posts"): _feed,
                   ("facebook_page", "conversations"): _conversations, ("facebook_page", "ratings"): _ratings,
                   (IG, "media"): _feed, (IG, "tags"): _tags}.get((account.platform, edge))
        if handler is None:
            return graph_error(f"(#100) Tried accessing nonexisting field ({edge})", 100)
        return handler(account, after, limit, now)
    day = parse_container(account, node)
    if day is not None and edge == "comments":
        entries = container_entries(st, account, day, now)
        if account.platform == IG or request.args.get("filter", "toplevel") != "stream":
            entries = [e for e in entries if parent_of(e[1]) is None]
        if account.platform == IG or request.args.get("order") == "reverse_chronological":
            chunk, last = page_descending_list(entries, after, limit)
        else:
            chunk, last = page_ascending(entries, after, limit)
        items = [materialise(st, account, e, now) for e in chunk]
        if account.platform == IG:
            return listing([_ig_with_replies(account, i, now) for i in items], last)
        return listing([fb_comment(account, i) for i in items], last)
    if node.startswith("t_") and edge == "messages":
        return _messages(account, node, after, limit, now)
    item = st.lookup(account, node, now)
    if item is None or item.deleted:
        return not_found(node)
    if edge in ("comments", "replies"):
        children = _children(account, item, now)
        if request.args.get("order") == "reverse_chronological":
            chunk, last = page_descending_list(children, after, limit)
        else:
            chunk, last = page_ascending(children, after, limit)
        items = [materialise(st, account, e, now) for e in chunk]
        render = ig_comment if account.platform == IG else fb_comment
        return listing([render(account, i) for i in items], last)
    return graph_error(f"(#100) Tried accessing nonexisting field ({edge})", 100)


def _children(account: Account, item: Item, now: float) -> list[tuple[tuple[float, str], Any]]:
    """Replies under a comment (or our answers under a rating / mention), oldest first."""
    st = state()
    if item.container is not None:
        return container_children(st, account, item.container, now).get(item.id, [])
    rows = [((r["ts"], r["id"]), r) for r in st.records(account)
            if r.get("parent_id") == item.id and r["ts"] <= now]
    return sorted(rows, key=lambda e: e[0])


def _ig_with_replies(account: Account, item: Item, now: float) -> dict[str, Any]:
    row = ig_comment(account, item)
    children = _children(account, item, now)
    st = state()
    chunk, last = page_ascending(children, None, 50)
    replies: dict[str, Any] = {"data": [ig_comment(account, materialise(st, account, e, now)) for e in chunk]}
    if last:
        replies["paging"] = {"cursors": {"after": encode_cursor(last)}, "next": f"{item.id}/replies"}
    row["replies"] = replies
    return row


def _feed(account: Account, after: tuple | None, limit: int, now: float) -> Response:
    since = request.args.get("since")
    first_day = int(account.start_ts // DAY)
    if since and since.isdigit():
        first_day = max(first_day, math.ceil(int(since) / DAY))
    top = day_of(now) if after is None else int(after[1]) - 1
    days = list(range(top, first_day - 1, -1))[: limit + 1]
    more = len(days) > limit
    days = days[:limit]
    render = ig_media if account.platform == IG else fb_post
    rows = [render(account, d, now) for d in days]
    last = (days[-1] * DAY, str(days[-1])) if more and days else None
    return listing(rows, last)


def _ratings(account: Account, after: tuple | None, limit: int, now: float) -> Response:
    st = state()
    stored = [((r["ts"], r["id"]), r) for r in st.records(account) if r["kind"] == "rating" and r["ts"] <= now]
    chunk, last = merged_descending(generated_descending(st, account, ("rating",), after, now), stored, after, limit)
    return listing([fb_rating(account, materialise(st, account, e, now)) for e in chunk], last)


def _tags(account: Account, after: tuple | None, limit: int, now: float) -> Response:
    st = state()
    stored = [((r["ts"], r["id"]), r) for r in st.records(account) if r["kind"] == "mention" and r["ts"] <= now]
    chunk, last = merged_descending(generated_descending(st, account, ("mention",), after, now), stored, after, limit)
    return listing([ig_mention(account, materialise(st, account, e, now)) for e in chunk], last)


def conversation_messages(account: Account, conv: str, now: float) -> list[tuple[tuple[float, str], Any]]:
    """All messages of a conversation, oldest first."""
    st = state()
    rows: list[tuple[tuple[float, str], Any]] = []
    if conv[2:].isdigit():
        sk = st.timeline(account).skeleton(int(conv[2:]))
        if sk is not None and sk.kind == "dm" and sk.ts <= now:
            rows.append(((sk.ts, entry_id(sk)), sk))
    rows += [((r["ts"], r["id"]), r) for r in st.records(account)
             if r.get("conversation_id") == conv and r["ts"] <= now]
    return sorted(rows, key=lambda e: e[0])


def _conversations(account: Account, after: tuple | None, limit: int, now: float) -> Response:
    st = state()
    hot: dict[str, float] = {}
    for record in st.records(account):
        conv = record.get("conversation_id")
        if conv and record["ts"] <= now:
            hot[conv] = max(hot.get(conv, 0), record["ts"])
    stored = [((ts, conv), conv) for conv, ts in hot.items()]
    generated = (((sk.ts, f"t_{sk.slot}"), f"t_{sk.slot}")
                 for sk in st.timeline(account).descending(("dm",), after[0] if after else now, now)
                 if f"t_{sk.slot}" not in hot)
    chunk, last = merged_descending(generated, stored, after, limit)
    rows = []
    for conv in chunk:
        messages = conversation_messages(account, conv, now)
        first = materialise(st, account, messages[0][1], now)
        rows.append({"id": conv, "updated_time": graph_time(messages[-1][0][0]), "message_count": len(messages),
                     "link": f"/{account.account_id}/inbox/{conv}",
                     "participants": {"data": [{"id": first.author_id, "name": first.author_name},
                                               {"id": account.account_id, "name": account.name}]}})
    return listing(rows, last)


def _messages(account: Account, conv: str, after: tuple | None, limit: int, now: float) -> Response:
    st = state()
    messages = conversation_messages(account, conv, now)
    if not messages:
        return not_found(conv)
    chunk, last = page_descending_list(messages, after, limit)
    return listing([fb_message(account, materialise(st, account, e, now)) for e in chunk], last)


# ------------------------------------------------------------------ writes (see graph_writes.py)
