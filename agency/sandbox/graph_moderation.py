"""Graph moderation: hide, delete and like comments, block people from a Page, Messenger private replies.

Shapes follow the Graph API reference: Comment node (``POST /{comment-id}`` with ``is_hidden`` on Facebook,
``hide`` on Instagram; ``DELETE /{comment-id}``; ``POST|DELETE /{comment-id}/likes``), Page ``blocked``
edge (``POST|DELETE /{page-id}/blocked`` with ``user``), and private replies (``POST /{page-id}/messages``
with ``recipient={"comment_id": ...}``, one per comment: a second answers ``(#10900) Activity already
replied to``). Updating a comment's text (``POST /{comment-id}`` with ``message``) works on Facebook
for the Page's own comments only; Instagram comments cannot be edited. Success answers ``{"success": true}``.
"""

from __future__ import annotations

from flask import Response, g, jsonify, request

from agency.sandbox.common import state
from agency.sandbox.graph import FB, IG, bp, graph_error, not_found
from agency.sandbox.graph_writes import _param
from agency.sandbox.state import Account, Item

#: Private replies are allowed within 7 days of the comment (Messenger Platform, private replies).
PRIVATE_REPLY_WINDOW = 7 * 24 * 3600
#: A comment's ``message`` holds at most 8000 characters (Graph API Comment reference).
COMMENT_MAX = 8000


def _comment(account: Account, node: str) -> Item | None:
    item = state().lookup(account, node)
    if item is None or item.deleted or item.kind not in ("comment", "reply"):
        return None
    return item


def _truthy(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    return None


@bp.post("/<node>")
def update_node(node: str) -> Response:
    """Edit the Page's own comment (``message``, Facebook only), or hide or unhide a comment (``is_hidden`` on
    Facebook, ``hide`` on Instagram)."""
    account: Account | None = g.account
    if account is None:
        return graph_error("An active access token must be used.", 2500)
    item = _comment(account, node)
    if item is None:
        return not_found(node)
    # The raw value: a text that happens to start with "{" is still a text.
    message = (request.get_json(silent=True) or {}).get("message", request.values.get("message"))
    if message is not None and account.platform != IG:
        return _edit(account, item, message)
    hidden = _truthy(_param("hide") if account.platform == IG else _param("is_hidden"))
    if hidden is None:
        return graph_error("(#100) Unsupported post request.", 100)
    if item.own:
        # Meta: a Page (or account) cannot hide its own comments.
        return graph_error("(#100) Cannot hide a comment made by the page.", 100)
    st = state()
    st.set_flag(account, "hidden", item.id, hidden)
    st.log_moderation(account, "hide" if hidden else "unhide", item.id)
    return jsonify({"success": True})


def _edit(account: Account, item: Item, message) -> Response:
    if not isinstance(message, str) or not message.strip():
        return graph_error("(#100) The parameter message is required", 100)
    if len(message) > COMMENT_MAX:
        return graph_error(f"(#100) Length of param message must be less than or equal to {COMMENT_MAX}", 100)
    if not item.own:
        # Meta: only the author of a comment can change its text.
        return graph_error("(#200) Permissions error", 200, 403, err_type="OAuthException")
    st = state()
    st.set_override(account, item.id, text=message)
    st.log_moderation(account, "edit", item.id, text=message)
    return jsonify({"success": True})


@bp.delete("/<node>")
def delete_node(node: str) -> Response:
    """Delete a comment (a fan's on the Page's posts, or our own)."""
    account: Account | None = g.account
    if account is None:
        return graph_error("An active access token must be used.", 2500)
    item = _comment(account, node)
    if item is None:
        return not_found(node)
    st = state()
    st.set_override(account, item.id, deleted=True)
    st.log_moderation(account, "delete", item.id)
    return jsonify({"success": True})


@bp.route("/<node>/likes", methods=["POST", "DELETE"])
def like_node(node: str) -> Response:
    """Like (POST) or unlike (DELETE) a comment as the Page."""
    from flask import request

    account: Account | None = g.account
    if account is None or account.platform != FB:
        return graph_error("(#100) Unsupported post request.", 100)
    item = _comment(account, node)
    if item is None:
        return not_found(node)
    like = request.method == "POST"
    st = state()
    st.set_flag(account, "liked", item.id, like)
    st.log_moderation(account, "like" if like else "unlike", item.id)
    return jsonify({"success": True})


@bp.route("/<node>/blocked", methods=["POST", "DELETE"])
def block_user(node: str) -> Response:
    """Block (POST) or unblock (DELETE) a person from the Page."""
    from flask import request

    account: Account | None = g.account
    if account is None or account.platform != FB or node not in (account.account_id, "me"):
        return graph_error("(#100) Unsupported post request.", 100)
    user = _param("user") or _param("psid") or _param("asid") or _param("uid")
    if isinstance(user, list):
        user = user[0] if user else None
    if not user or not str(user).isdigit():
        return graph_error("(#100) param user must be a valid user id", 100)
    user = str(user)
    block = request.method == "POST"
    st = state()
    st.set_flag(account, "blocked", user, block)
    st.log_moderation(account, "ban" if block else "unban", user)
    return jsonify({user: True} if block else {"success": True})


def private_reply(account: Account, comment_id: str, text: str) -> Response:
    """A private reply to a comment, on Messenger or Instagram Direct (called by the Send API for
    ``recipient.comment_id``)."""
    st = state()
    item = _comment(account, comment_id)
    if item is None or item.own:
        return graph_error("(#100) No matching comment found", 100)
    if st.now() - item.ts > PRIVATE_REPLY_WINDOW:
        return graph_error("(#10) This message is sent outside of allowed window.", 10, 400, 2018278)
    replies = st.moderation_of(account)["private_replies"]
    if item.id in replies:
        return graph_error("(#10900) Activity already replied to", 10900)
    conv = st.new_conversation_id()
    record = st.add_record(account, kind="dm", text=text, own=True, author_id=account.account_id,
                           author_name=account.name, conversation_id=conv,
                           extra={"recipient_id": item.author_id, "recipient_name": item.author_name,
                                  "private_reply_to": item.id})
    with st.lock:
        replies[item.id] = record["id"]
        st.save()
    st.log_moderation(account, "private_reply", item.id, text=text, message_id=record["id"])
    return jsonify({"recipient_id": item.author_id, "message_id": record["id"]})
