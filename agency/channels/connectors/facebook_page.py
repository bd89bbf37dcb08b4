"""Facebook Page: comments on the Page's posts, Messenger conversations, recommendations.

Streams, in order:
1. ``/{page-id}/feed?since=<horizon>`` and, per post, ``/{post-id}/comments?filter=stream``
   (flat: comments and replies, each reply with ``parent``). In an incremental pass a post is
   skipped unless its ``updated_time`` (bumped by new comments and edits) is inside the window;
   a changed post is read in full so edited texts come back too.
2. ``/{page-id}/conversations?platform=messenger`` (newest activity first) and, per conversation,
   ``/{conversation-id}/messages`` newest first, both stopping at the window.
3. ``/{page-id}/ratings`` newest first. Recommendations are not star ratings, so ``rating`` stays
   None and ``extra["recommendation_type"]`` carries "positive"/"negative" (a 5/1 mapping would
   distort average-rating figures in reports).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from agency.channels.connectors.base import (
    AccessNotGranted,
    MessagingWindowClosed,
    ModerationTarget,
    PassContext,
    PlatformError,
    PlatformItem,
    ReplyLimit,
    ReplyTarget,
    SentReply,
    Stream,
    VerifiedAccount,
    join_path,
    messaging_window,
    parse_time,
    short,
)
from agency.channels.connectors.meta import GraphConnector, GraphNotFound

# ``full_picture``: the post's picture (Page Post reference); a comment's ``attachment`` is its photo, sticker or
# GIF (Comment reference, a StoryAttachment with ``media.image.src``); a message's ``attachments`` carry
# ``image_data.url``/``preview_url`` (Message reference).
POST_FIELDS = "id,message,created_time,updated_time,permalink_url,full_picture"
COMMENT_FIELDS = "id,message,from,created_time,parent{id},permalink_url,is_hidden,attachment{type,media}"
CONVERSATION_FIELDS = "id,updated_time,link,participants"
MESSAGE_FIELDS = "id,message,from,to,created_time,attachments{mime_type,image_data}"
RATING_FIELDS = "created_time,recommendation_type,review_text,reviewer{id,name},open_graph_story{id}"
#: Comment text limit: 8000 characters (Graph API Comment reference, ``message``).
COMMENT_MAX = 8000
#: Messenger text limit: 2000 characters (Send API reference, ``message.text``).
MESSENGER_MAX = 2000


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _attachment_pictures(attachment: Any) -> tuple[str, ...]:
    """The picture of a comment's attachment (photo, sticker, GIF; a shared link's preview too)."""
    if not isinstance(attachment, dict):
        return ()
    image = (attachment.get("media") or {}).get("image") if isinstance(attachment.get("media"), dict) else None
    src = _text_or_none(image.get("src")) if isinstance(image, dict) else None
    return (src,) if src else ()


def _message_pictures(attachments: Any) -> tuple[str, ...]:
    """The images of a Messenger message (their previews where given; files and audio are not pictures)."""
    rows = attachments.get("data") if isinstance(attachments, dict) else None
    found = []
    for row in rows if isinstance(rows, list) else []:
        data = row.get("image_data") if isinstance(row, dict) else None
        if isinstance(data, dict):
            url = _text_or_none(data.get("preview_url")) or _text_or_none(data.get("url"))
            if url:
                found.append(url)
    return tuple(found)


class FacebookPageConnector(GraphConnector):
    """A Facebook Page reached with a Page access token."""

    platform = "facebook_page"
    label = "Facebook"
    max_reply_length = COMMENT_MAX

    @classmethod
    def reply_limit(cls, kind: str) -> ReplyLimit:
        """Messenger messages are shorter than comments."""
        return ReplyLimit(MESSENGER_MAX if kind == "direct_message" else COMMENT_MAX)

    @classmethod
    def has_messaging_window(cls, kind: str) -> bool:
        """Messenger answers are allowed only within 24 hours (7 with the human-agent tag)."""
        return kind == "direct_message"

    def verify_access(self) -> VerifiedAccount:
        """A Page access token's ``/me`` is the Page itself.

        Reading ``/{page-id}`` would not prove anything: public Page fields are readable with
        any token. A person's token (``/me`` is the person) or another Page's token is refused.
        """
        body = self.read_for_verification("me", fields="id,name")
        if str(body.get("id", "")) != self.account_id:
            raise AccessNotGranted(f"This token belongs to another Facebook account, not to Page {self.account_id}.")
        return VerifiedAccount(self.account_id, str(body.get("name") or self.account_id))

    def streams(self) -> list[Stream]:
        """Comments, then Messenger, then recommendations."""
        return [self._comments, self._messages, self._ratings]

    # -- comments --------------------------------------------------------------------------

    def _comments(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        state = state or {"posts_after": None, "index": 0, "comments_after": None}
        posts_after = state["posts_after"]
        start_index, comments_after = state["index"], state["comments_after"]
        limit = self.page_size or 25
        while True:
            body = self.get(
                join_path(self.account_id, "feed"),
                fields=POST_FIELDS,
                since=int(ctx.horizon.timestamp()),
                limit=limit,
                after=posts_after,
            )
            posts = body.get("data") or []
            paging = body.get("paging") or {}
            next_posts = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            for index in range(start_index, len(posts)):
                post = posts[index]
                changed = parse_time(post.get("updated_time") or post.get("created_time"))
                if ctx.incremental and changed is not None and changed < ctx.window:
                    continue
                resume = comments_after if index == start_index else None
                for rows, after in self.pages(
                    join_path(post["id"], "comments"),
                    after=resume,
                    filter="stream",
                    order="chronological",
                    fields=COMMENT_FIELDS,
                    limit=self.page_size or 100,
                ):
                    items = [self._comment_item(row, post) for row in rows]
                    if after:
                        yield items, {"posts_after": posts_after, "index": index, "comments_after": after}
                    elif index + 1 < len(posts):
                        yield items, {"posts_after": posts_after, "index": index + 1, "comments_after": None}
                    elif next_posts:
                        yield items, {"posts_after": next_posts, "index": 0, "comments_after": None}
                    else:
                        yield items, None
                        return
            if not next_posts:
                yield [], None
                return
            posts_after, start_index, comments_after = next_posts, 0, None

    def _comment_item(self, row: dict[str, Any], post: dict[str, Any] | None) -> PlatformItem:
        author = row.get("from") or {}
        parent = (row.get("parent") or {}).get("id")
        return PlatformItem(
            external_id=str(row["id"]),
            kind="reply" if parent else "comment",
            text=row.get("message") or "",
            author_name=author.get("name") or "Facebook user",
            author_external_id=author.get("id"),
            created_at=parse_time(row.get("created_time")) or self.clock(),
            parent_external_id=parent,
            thread_external_id=post.get("id") if post else None,
            context_text=short(post.get("message"), 500) if post else None,
            context_url=post.get("permalink_url") if post else None,
            permalink=row.get("permalink_url"),
            is_own=author.get("id") == self.account_id,
            extra={"is_hidden": True} if row.get("is_hidden") else {},
            media_urls=_attachment_pictures(row.get("attachment")),
            context_image_url=_text_or_none(post.get("full_picture")) if post else None,
        )

    # -- messenger -------------------------------------------------------------------------

    def _messages(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        state = state or {"convs_after": None, "index": 0, "messages_after": None}
        convs_after, start_index, messages_after = state["convs_after"], state["index"], state["messages_after"]
        while True:
            body = self.get(
                join_path(self.account_id, "conversations"),
                platform="messenger",
                fields=CONVERSATION_FIELDS,
                limit=self.page_size or 25,
                after=convs_after,
            )
            convs = body.get("data") or []
            paging = body.get("paging") or {}
            next_convs = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            for index in range(start_index, len(convs)):
                conv = convs[index]
                updated = parse_time(conv.get("updated_time"))
                if updated is not None and updated < ctx.window:
                    # Newest activity first: everything after this is older than the window.
                    yield [], None
                    return
                resume = messages_after if index == start_index else None
                for rows, after in self.newest_first(
                    join_path(conv["id"], "messages"),
                    ctx.window,
                    resume,
                    "created_time",
                    fields=MESSAGE_FIELDS,
                    limit=self.page_size or 100,
                ):
                    items = [self._message_item(row, conv) for row in rows]
                    if after:
                        yield items, {"convs_after": convs_after, "index": index, "messages_after": after}
                    elif index + 1 < len(convs):
                        yield items, {"convs_after": convs_after, "index": index + 1, "messages_after": None}
                    elif next_convs:
                        yield items, {"convs_after": next_convs, "index": 0, "messages_after": None}
                    else:
                        yield items, None
                        return
            if not next_convs:
                yield [], None
                return
            convs_after, start_index, messages_after = next_convs, 0, None

    def _message_item(self, row: dict[str, Any], conv: dict[str, Any] | None) -> PlatformItem:
        author = row.get("from") or {}
        recipients = (row.get("to") or {}).get("data") or []
        own = author.get("id") == self.account_id
        extra = {"recipient_id": recipients[0].get("id")} if own and recipients else {}
        return PlatformItem(
            external_id=str(row["id"]),
            kind="direct_message",
            text=row.get("message") or "",
            author_name=author.get("name") or "Messenger user",
            author_external_id=author.get("id"),
            created_at=parse_time(row.get("created_time")) or self.clock(),
            thread_external_id=conv.get("id") if conv else None,
            context_url=conv.get("link") if conv else None,
            is_own=own,
            extra=extra,
            media_urls=_message_pictures(row.get("attachments")),
        )

    # -- recommendations -------------------------------------------------------------------

    def _ratings(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        after = (state or {}).get("after")
        for rows, next_after in self.newest_first(
            join_path(self.account_id, "ratings"),
            ctx.window,
            after,
            "created_time",
            fields=RATING_FIELDS,
            limit=self.page_size or 25,
        ):
            items = [self._rating_item(row) for row in rows]
            yield items, {"after": next_after} if next_after else None

    def _rating_item(self, row: dict[str, Any]) -> PlatformItem:
        reviewer = row.get("reviewer") or {}
        created = parse_time(row.get("created_time")) or self.clock()
        story = (row.get("open_graph_story") or {}).get("id") or row.get("id")
        external_id = story or f"rating-{reviewer.get('id')}-{int(created.timestamp())}"
        return PlatformItem(
            external_id=str(external_id),
            kind="review",
            text=row.get("review_text") or "",
            author_name=reviewer.get("name") or "Facebook user",
            author_external_id=reviewer.get("id"),
            created_at=created,
            thread_external_id=str(external_id),
            extra={"recommendation_type": row.get("recommendation_type")},
        )

    # -- replies ---------------------------------------------------------------------------

    def _comment_target(self, target: ReplyTarget) -> str:
        # Facebook nests one level: an answer to a reply goes under its top-level comment.
        if target.kind == "reply" and target.parent_external_id:
            return target.parent_external_id
        return target.external_id

    def reply(self, target: ReplyTarget, text: str) -> SentReply:
        """Comment under a comment or recommendation, or send a Messenger message."""
        if target.kind == "direct_message":
            return self._send_message(target, text)
        if target.kind not in ("comment", "reply", "review"):
            raise PlatformError(f"Facebook cannot answer a {target.kind}.")
        self.check_reply_text(text, target.kind)
        body = self.graph("POST", join_path(self._comment_target(target), "comments"), data={"message": text})
        return SentReply(external_id=str(body["id"]), created_at=self.clock())

    def _send_message(self, target: ReplyTarget, text: str) -> SentReply:
        self.check_reply_text(text, target.kind)
        window = messaging_window(target.last_customer_message_at, self.clock())
        if window == "closed":
            raise MessagingWindowClosed(
                "Messenger allows answers only within 7 days of the customer's last message."
            )
        if not target.author_external_id:
            raise PlatformError("The customer's Messenger id is unknown.")
        payload: dict[str, Any] = {
            "recipient": {"id": target.author_external_id},
            "message": {"text": text},
            "messaging_type": "RESPONSE" if window == "open" else "MESSAGE_TAG",
        }
        if window == "human_agent":
            payload["tag"] = "HUMAN_AGENT"
        body = self.graph("POST", join_path(self.account_id, "messages"), json_body=payload)
        return SentReply(external_id=str(body["message_id"]), created_at=self.clock())

    def find_existing_reply(self, target: ReplyTarget, text: str, not_before: datetime) -> SentReply | None:
        """Look for our own answer with this exact text (at-most-once after a timeout)."""
        if target.kind == "direct_message":
            if not target.thread_external_id:
                return None
            path, fields, key = join_path(target.thread_external_id, "messages"), MESSAGE_FIELDS, "created_time"
        else:
            path, fields, key = join_path(self._comment_target(target), "comments"), COMMENT_FIELDS, "created_time"
        params = {"fields": fields, "limit": 100}
        if target.kind != "direct_message":
            params["order"] = "reverse_chronological"
        for rows, _after in self.newest_first(path, not_before, None, key, **params):
            found = self.find_own(rows, self.account_id, text, not_before, "message")
            if found:
                return SentReply(
                    external_id=str(found["id"]),
                    created_at=parse_time(found.get("created_time")) or self.clock(),
                    permalink=found.get("permalink_url"),
                )
        return None

    def fetch_item(self, external_id: str, kind: str | None = None) -> PlatformItem | None:
        """Re-read one comment, message or recommendation; None when deleted."""
        if kind == "direct_message":
            row = self.get_or_none(join_path(external_id), fields=MESSAGE_FIELDS)
            return self._message_item(row, None) if row else None
        if kind == "review":
            row = self.get_or_none(join_path(external_id), fields=RATING_FIELDS)
            return self._rating_item(row) if row else None
        row = self.get_or_none(join_path(external_id), fields=COMMENT_FIELDS)
        return self._comment_item(row, None) if row else None

    # -- moderation ------------------------------------------------------------------------
    # Graph API reference, Comment node: POST /{comment-id} with is_hidden, DELETE /{comment-id},
    # POST|DELETE /{comment-id}/likes; Page node: POST|DELETE /{page-id}/blocked with ``user``;
    # Messenger Platform private replies: POST /{page-id}/messages with recipient={"comment_id": ...}.
    # Updating a comment (our own only): POST /{comment-id} with ``message``, answering {"success": true}.

    @classmethod
    def moderation_actions(cls, kind: str, is_own: bool) -> tuple[str, ...]:
        """Fans' comments: hide, delete, like, answer privately, ban the author; our own: edit, delete."""
        if kind in ("comment", "reply"):
            if is_own:
                return ("edit", "delete")
            return ("hide", "unhide", "delete", "like", "unlike", "private_reply", "ban", "unban")
        if kind == "direct_message" and not is_own:
            return ("ban", "unban")
        return ()

    def moderate(self, action: str, target: ModerationTarget, text: str | None = None) -> str | None:
        """Hide, delete, like a comment as the Page, ban its author, answer it privately, or edit our own."""
        self._check_moderation(action, target)
        node = join_path(target.external_id)
        if action == "edit":
            self.check_reply_text(text or "", target.kind)
            self.graph("POST", node, data={"message": text})
        elif action in ("hide", "unhide"):
            self.graph("POST", node, data={"is_hidden": "true" if action == "hide" else "false"})
        elif action == "delete":
            with contextlib.suppress(GraphNotFound):  # gone already (an earlier attempt): what was wanted
                self.graph("DELETE", node)
        elif action in ("like", "unlike"):
            self.graph("POST" if action == "like" else "DELETE", join_path(target.external_id, "likes"))
        elif action in ("ban", "unban"):
            if not target.author_external_id:
                raise PlatformError("Facebook does not tell who wrote this; the person cannot be banned.")
            path = join_path(self.account_id, "blocked")
            if action == "ban":
                self.graph("POST", path, data={"user": target.author_external_id})
            else:
                self.graph("DELETE", path, params={"user": target.author_external_id})
        elif action == "private_reply":
            self.check_reply_text(text or "", "direct_message")
            body = self.graph("POST", join_path(self.account_id, "messages"),
                              json_body={"recipient": {"comment_id": target.external_id}, "message": {"text": text}})
            return str(body.get("message_id") or "")
        return None
