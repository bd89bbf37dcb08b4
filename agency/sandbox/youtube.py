"""YouTube Data API v3 stand-in: commentThreads, comments (list by parent or id, insert, update), channels.

Shapes follow developers.google.com/youtube/v3/docs (commentThreads.list, comments.list,
comments.insert, comments.update); errors carry ``errors[].reason`` such as quotaExceeded or rateLimitExceeded.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from agency.sandbox.avatars import avatar_url
from agency.sandbox.common import (
    bearer_token,
    container_children,
    decode_cursor,
    encode_cursor,
    generated_descending,
    int_arg,
    materialise,
    merged_descending,
    page_ascending,
    rfc3339,
    state,
)
from agency.sandbox.google import authorise, google_error, google_fault, unauthenticated
from agency.sandbox.state import Account, Item

bp = Blueprint("sandbox_youtube", __name__)
YT = "youtube_channel"
INLINE_REPLIES = 5


def video_id(day: int | None) -> str:
    """The 11-character id of the video of ``day``."""
    return f"v{(day or 0):010d}"


def comment_json(account: Account, item: Item) -> dict[str, Any]:
    """A youtube#comment resource."""
    author_id = account.account_id if item.own else item.author_id
    snippet: dict[str, Any] = {
        "channelId": account.account_id, "videoId": video_id(item.container),
        "textDisplay": item.text, "textOriginal": item.text,
        "authorDisplayName": account.name if item.own else item.author_name,
        "authorProfileImageUrl": avatar_url(author_id),
        "authorChannelUrl": f"http://www.youtube.com/channel/{author_id}",
        "authorChannelId": {"value": author_id}, "canRate": True, "viewerRating": "none", "likeCount": 0,
        "publishedAt": rfc3339(item.ts), "updatedAt": rfc3339(item.updated_ts),
    }
    if item.parent_id:
        snippet["parentId"] = item.parent_id
    return {"kind": "youtube#comment", "etag": f"e{int(item.updated_ts)}", "id": item.id, "snippet": snippet}


def _replies(account: Account, item: Item, now: float) -> list[tuple[tuple[float, str], Any]]:
    if item.container is None:
        return []
    return container_children(state(), account, item.container, now).get(item.id, [])


@bp.before_request
def _faults() -> Response | None:
    token_account = state().by_token(bearer_token())
    account_id = request.args.get("allThreadsRelatedToChannelId") or (
        token_account.account_id if token_account else None)
    g.fault = state().take_fault(account_id, request.method != "GET")
    return google_fault(g.fault, youtube=True)


@bp.after_request
def _after(response: Response) -> Response:
    fault = getattr(g, "fault", None)
    if fault and fault["kind"] == "timeout_after_write" and response.status_code < 400:
        time.sleep(fault["seconds"])
    return response


@bp.get("/commentThreads")
def comment_threads() -> Response:
    """commentThreads.list with allThreadsRelatedToChannelId, newest first."""
    account = authorise(YT, request.args.get("allThreadsRelatedToChannelId"))
    if isinstance(account, Response):
        return account
    st = state()
    now = st.now()
    after = decode_cursor(request.args.get("pageToken"))
    size = int_arg("maxResults", 20, 100)
    stored = [((r["ts"], r["id"]), r) for r in st.records(account)
              if r["kind"] == "comment" and r["ts"] <= now]
    chunk, last = merged_descending(generated_descending(st, account, ("comment",), after, now), stored, after, size)
    rows = []
    for entry in chunk:
        top = materialise(st, account, entry, now)
        replies = _replies(account, top, now)
        row: dict[str, Any] = {
            "kind": "youtube#commentThread", "etag": f"t{int(top.updated_ts)}", "id": top.id,
            "snippet": {"channelId": account.account_id, "videoId": video_id(top.container),
                        "topLevelComment": comment_json(account, top), "canReply": True,
                        "totalReplyCount": len(replies), "isPublic": True},
        }
        if replies and "replies" in request.args.get("part", ""):
            row["replies"] = {"comments": [comment_json(account, materialise(st, account, e, now))
                                           for _k, e in replies[:INLINE_REPLIES]]}
        rows.append(row)
    body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "items": rows,
                            "pageInfo": {"totalResults": len(rows), "resultsPerPage": size}}
    if last:
        body["nextPageToken"] = encode_cursor(last)
    return jsonify(body)


def _account_of_comment(comment_id: str) -> str | None:
    """With a person's token requests name no channel: the channel whose comment this is."""
    st = state()
    if st.user_token(bearer_token()) != "google" or not comment_id:
        return None
    return next((a.account_id for a in st.accounts.values()
                 if a.platform == YT and st.lookup(a, comment_id) is not None), None)


@bp.get("/comments")
def list_comments() -> Response:
    """comments.list by ``parentId`` (replies, oldest first) or by ``id``."""
    named = request.args.get("parentId") or request.args.get("id", "").split(",")[0].strip()
    account = authorise(YT, _account_of_comment(named))
    if isinstance(account, Response):
        return account
    st = state()
    now = st.now()
    if request.args.get("id"):
        items = [st.lookup(account, i.strip(), now) for i in request.args["id"].split(",")]
        rows = [comment_json(account, i) for i in items if i is not None and not i.deleted]
        return jsonify({"kind": "youtube#commentListResponse", "items": rows})
    parent = st.lookup(account, request.args.get("parentId", ""), now)
    if parent is None or parent.deleted:
        return google_error(404, "The comment identified by the parentId parameter could not be found.",
                            "NOT_FOUND", "commentNotFound")
    size = int_arg("maxResults", 20, 100)
    chunk, last = page_ascending(_replies(account, parent, now), decode_cursor(request.args.get("pageToken")), size)
    body: dict[str, Any] = {"kind": "youtube#commentListResponse",
                            "items": [comment_json(account, materialise(st, account, e, now)) for e in chunk]}
    if last:
        body["nextPageToken"] = encode_cursor(last)
    return jsonify(body)


@bp.post("/comments")
def insert_comment() -> Response:
    """comments.insert: a reply to a top-level comment."""
    snippet = (request.get_json(silent=True) or {}).get("snippet") or {}
    account = authorise(YT, _account_of_comment(str(snippet.get("parentId", ""))))
    if isinstance(account, Response):
        return account
    text = (snippet.get("textOriginal") or "").strip()
    st = state()
    parent = st.lookup(account, str(snippet.get("parentId", "")))
    if parent is None or parent.deleted:
        return google_error(404, "The comment identified by the parentId parameter could not be found.",
                            "NOT_FOUND", "parentCommentNotFound" if parent is None else "commentNotFound")
    if not text or len(text) > 10_000:
        return google_error(400, "The comment text is empty or too long.", "INVALID_ARGUMENT", "invalidCommentText")
    record = st.add_record(account, kind="reply", text=text, own=True, container=parent.container,
                           parent_id=parent.parent_id or parent.id, author_id=account.account_id,
                           author_name=account.name)
    st.log_reply(account, id=record["id"], kind="reply", text=text, target=parent.id)
    return jsonify(comment_json(account, st.dynamic_item(account, record)))


@bp.put("/comments")
def update_comment() -> Response:
    """comments.update: change the text (``snippet.textOriginal``) of the channel's own comment; answers the
    comment. The reference's errors: commentTextTooLong (400), forbidden (403), commentNotFound (404)."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    comment_id = str(body.get("id") or "")
    account = authorise(YT, _account_of_comment(comment_id))
    if isinstance(account, Response):
        return account
    if "snippet" not in request.args.get("part", "").split(","):
        return google_error(400, "The part parameter must include snippet.", "INVALID_ARGUMENT",
                            "missingRequiredParameter")
    snippet = body.get("snippet") if isinstance(body.get("snippet"), dict) else {}
    text = snippet.get("textOriginal")
    st = state()
    item = st.lookup(account, comment_id) if comment_id else None
    if item is None or item.deleted or item.kind not in ("comment", "reply"):
        return google_error(404, "The specified comment could not be found.", "NOT_FOUND", "commentNotFound")
    if not isinstance(text, str) or not text.strip():
        return google_error(400, "The request metadata is invalid.", "INVALID_ARGUMENT", "invalidCommentMetadata")
    if len(text) > 10_000:
        return google_error(400, "The comment contains too many characters in snippet.textOriginal.",
                            "INVALID_ARGUMENT", "commentTextTooLong")
    if not item.own:
        return google_error(403, "The comment could not be updated due to insufficient permissions.",
                            "PERMISSION_DENIED", "forbidden")
    st.set_override(account, item.id, text=text)
    st.log_moderation(account, "edit", item.id, text=text)
    return jsonify(comment_json(account, st.lookup(account, item.id)))


MODERATION_STATUSES = ("heldForReview", "published", "rejected")


@bp.post("/comments/setModerationStatus")
def set_moderation_status() -> Response:
    """comments.setModerationStatus: hold a comment for review, publish it again, or reject it (204)."""
    ids = [i.strip() for i in request.args.get("id", "").split(",") if i.strip()]
    account = authorise(YT, _account_of_comment(ids[0] if ids else ""))
    if isinstance(account, Response):
        return account
    status = request.args.get("moderationStatus", "")
    if not ids or status not in MODERATION_STATUSES:
        return google_error(400, "The moderationStatus or id parameter is invalid.", "INVALID_ARGUMENT",
                            "invalidModerationStatus" if ids else "idRequired")
    st = state()
    items = [st.lookup(account, i) for i in ids]
    if any(i is None or i.deleted for i in items):
        return google_error(404, "The comment could not be found.", "NOT_FOUND", "commentNotFound")
    if any(i.own for i in items):
        return google_error(403, "The comment cannot be moderated by the channel owner.", "PERMISSION_DENIED",
                            "operationNotSupported")
    for item in items:
        with st.lock:
            st.moderation_of(account)["status"][item.id] = status
        st.set_flag(account, "hidden", item.id, status == "heldForReview")
        if status == "rejected":
            st.set_override(account, item.id, deleted=True)
        st.log_moderation(account, {"heldForReview": "hide", "published": "unhide", "rejected": "delete"}[status],
                          item.id, moderation_status=status)
    return Response(status=204)


@bp.delete("/comments")
def delete_comment() -> Response:
    """comments.delete: the channel's own comment (204)."""
    comment_id = request.args.get("id", "").strip()
    account = authorise(YT, _account_of_comment(comment_id))
    if isinstance(account, Response):
        return account
    st = state()
    item = st.lookup(account, comment_id)
    if item is None or item.deleted:
        return google_error(404, "The comment could not be found.", "NOT_FOUND", "commentNotFound")
    if not item.own:
        return google_error(403, "Only the author can delete a comment.", "PERMISSION_DENIED", "forbidden")
    st.set_override(account, item.id, deleted=True)
    st.log_moderation(account, "delete", item.id)
    return Response(status=204)


@bp.get("/channels")
def channels() -> Response:
    """channels.list with mine=true: the channels the token manages."""
    st = state()
    token = bearer_token() or ""
    if st.user_token(token) == "google":
        mine = [a for a in st.accounts.values() if a.platform == YT]
    else:
        account = st.by_token(token)
        if account is None:
            return unauthenticated(YT)
        mine = [account] if account.platform == YT else []  # another platform's token owns no channel
    return jsonify({"kind": "youtube#channelListResponse",
                    "items": [{"kind": "youtube#channel", "id": a.account_id,
                               "snippet": {"title": a.name, "customUrl": f"@{a.username}"}} for a in mine]})
