"""Instagram professional account: comments and replies on its media, and @mentions.

Streams, in order:
1. ``/{ig-user-id}/media?since=<horizon>`` and, per media, ``/{ig-media-id}/comments`` with the
   replies inlined (``/{ig-comment-id}/replies`` when there are more). Instagram comments cannot
   be edited and media have no ``updated_time``, so the cursor remembers each media's
   ``comments_count``; an incremental pass re-reads only media whose count changed.
2. ``/{ig-user-id}/tags`` (media the account is tagged in) newest first, as "mention" items.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from agency.channels.connectors.base import (
    AccessNotGranted,
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
    parse_time,
    short,
)
from agency.channels.connectors.meta import GraphConnector, GraphNotFound

# ``media_url`` (an image, or a video's file) and ``thumbnail_url`` (a video's picture): IG Media reference.
MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count,media_type,media_url,thumbnail_url"
REPLY_FIELDS = "id,text,timestamp,username,from,parent_id"
COMMENT_FIELDS = f"id,text,timestamp,username,from,hidden,replies{{{REPLY_FIELDS}}}"
TAG_FIELDS = "id,caption,timestamp,username,permalink,media_type,media_url,thumbnail_url"
#: Instagram caps comment text at 2,200 characters (the same limit as captions).
COMMENT_MAX = 2200
#: Instagram Messaging (send a message): "Message text must be UTF-8 and be 1000 bytes or less" — private replies too.
MESSAGE_MAX_BYTES = 1000


def picture_of(media: dict[str, Any] | None) -> str | None:
    """An IG Media's picture: a video's thumbnail, else the image itself (an album's ``media_url`` is its first)."""
    if not isinstance(media, dict):
        return None
    url = media.get("thumbnail_url") if media.get("media_type") == "VIDEO" else media.get("media_url")
    return url if isinstance(url, str) and url else None


class InstagramBusinessConnector(GraphConnector):
    """An Instagram Business/Creator account reached through the Graph API."""

    platform = "instagram_business"
    label = "Instagram"
    max_reply_length = COMMENT_MAX

    @classmethod
    def reply_limit(cls, kind: str) -> ReplyLimit:
        """Comments hold 2,200 characters; a direct message (a private reply) 1000 bytes."""
        return ReplyLimit(MESSAGE_MAX_BYTES, "bytes") if kind == "direct_message" else ReplyLimit(COMMENT_MAX)

    def verify_access(self) -> VerifiedAccount:
        """Read the IG user with the token: Graph shows it only to tokens of its linked Page.

        For any other token Graph answers "does not exist, cannot be loaded due to missing
        permissions" (code 100, subcode 33), which ``read_for_verification`` turns into a refusal.
        """
        body = self.read_for_verification(join_path(self.account_id), fields="id,username,name")
        if str(body.get("id", "")) != self.account_id:
            raise AccessNotGranted(f"Instagram did not confirm access to account {self.account_id}.")
        return VerifiedAccount(self.account_id, str(body.get("username") or body.get("name") or self.account_id))

    def streams(self) -> list[Stream]:
        """Comments, then mentions."""
        return [self._comments, self._mentions]

    def _comments(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        state = state or {"media_after": None, "index": 0, "comments_after": None}
        media_after, start_index, comments_after = state["media_after"], state["index"], state["comments_after"]
        counts: dict[str, int] = ctx.extra.setdefault("comment_counts", {})
        while True:
            body = self.get(join_path(self.account_id, "media"), fields=MEDIA_FIELDS,
                            since=int(ctx.horizon.timestamp()), limit=self.page_size or 25, after=media_after)
            media_rows = body.get("data") or []
            paging = body.get("paging") or {}
            next_media = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            for index in range(start_index, len(media_rows)):
                media = media_rows[index]
                count = int(media.get("comments_count") or 0)
                if ctx.incremental and counts.get(media["id"]) == count:
                    continue
                resume = comments_after if index == start_index else None
                for rows, after in self.pages(join_path(media["id"], "comments"), after=resume, fields=COMMENT_FIELDS,
                                              limit=self.page_size or 50):
                    items: list[PlatformItem] = []
                    for row in rows:
                        items.append(self._comment_item(row, media))
                        items.extend(self._replies(row, media))
                    if after:
                        yield items, {"media_after": media_after, "index": index, "comments_after": after}
                        continue
                    counts[media["id"]] = count
                    if index + 1 < len(media_rows):
                        yield items, {"media_after": media_after, "index": index + 1, "comments_after": None}
                    elif next_media:
                        yield items, {"media_after": next_media, "index": 0, "comments_after": None}
                    else:
                        yield items, None
                        return
            if not next_media:
                yield [], None
                return
            media_after, start_index, comments_after = next_media, 0, None

    def _replies(self, row: dict[str, Any], media: dict[str, Any]) -> list[PlatformItem]:
        inline = row.get("replies") or {}
        rows = list(inline.get("data") or [])
        if (inline.get("paging") or {}).get("next"):
            rows = [r for page, _after in self.pages(join_path(row["id"], "replies"), fields=REPLY_FIELDS, limit=50)
                    for r in page]
        return [self._comment_item(r, media, parent=row["id"]) for r in rows]

    def _comment_item(self, row: dict[str, Any], media: dict[str, Any] | None,
                      parent: str | None = None) -> PlatformItem:
        author = row.get("from") or {}
        parent = parent or row.get("parent_id")
        media_id = (media or {}).get("id") or (row.get("media") or {}).get("id")
        return PlatformItem(
            external_id=str(row["id"]),
            kind="reply" if parent else "comment",
            text=row.get("text") or "",
            author_name=row.get("username") or author.get("username") or "Instagram user",
            author_external_id=author.get("id"),
            created_at=parse_time(row.get("timestamp")) or self.clock(),
            parent_external_id=parent,
            thread_external_id=media_id,
            context_text=short((media or {}).get("caption"), 500) or None,
            context_url=(media or {}).get("permalink"),
            is_own=author.get("id") == self.account_id,
            extra={"hidden": True} if row.get("hidden") else {},
            context_image_url=picture_of(media),
        )

    def _mentions(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        after = (state or {}).get("after")
        for rows, next_after in self.newest_first(join_path(self.account_id, "tags"), ctx.window, after, "timestamp",
                                                  fields=TAG_FIELDS, limit=self.page_size or 25):
            yield [self._mention_item(r) for r in rows], {"after": next_after} if next_after else None

    def _mention_item(self, row: dict[str, Any]) -> PlatformItem:
        return PlatformItem(
            external_id=str(row["id"]),
            kind="mention",
            text=row.get("caption") or "",
            author_name=row.get("username") or "Instagram user",
            author_external_id=None,
            created_at=parse_time(row.get("timestamp")) or self.clock(),
            thread_external_id=str(row["id"]),
            context_url=row.get("permalink"),
            permalink=row.get("permalink"),
            media_urls=tuple(filter(None, [picture_of(row)])),
        )

    def _top_level(self, target: ReplyTarget) -> str:
        # Instagram only answers top-level comments; replies to replies go to the top comment.
        if target.kind == "reply" and target.parent_external_id:
            return target.parent_external_id
        return target.external_id

    def reply(self, target: ReplyTarget, text: str) -> SentReply:
        """Reply to a comment, or comment on media the account was mentioned in."""
        self.check_reply_text(text, target.kind)
        if target.kind in ("comment", "reply"):
            body = self.graph("POST", join_path(self._top_level(target), "replies"), data={"message": text})
        elif target.kind == "mention":
            body = self.graph("POST", join_path(self.account_id, "mentions"),
                              data={"media_id": target.external_id, "message": text})
        else:
            raise PlatformError(f"Instagram cannot answer a {target.kind}.")
        return SentReply(external_id=str(body["id"]), created_at=self.clock())

    def find_existing_reply(self, target: ReplyTarget, text: str, not_before: datetime) -> SentReply | None:
        """Our reply with exactly this text, at/after ``not_before``."""
        mention = target.kind == "mention"
        path = join_path(target.external_id, "comments") if mention else join_path(self._top_level(target), "replies")
        for rows, _after in self.pages(path, fields=REPLY_FIELDS, limit=50):
            found = self.find_own(rows, self.account_id, text, not_before, "text")
            if found:
                return SentReply(str(found["id"]), parse_time(found.get("timestamp")) or self.clock())
        return None

    def fetch_item(self, external_id: str, kind: str | None = None) -> PlatformItem | None:
        """The comment or mention as it is now; None when deleted."""
        if kind == "mention":
            row = self.get_or_none(join_path(external_id), fields=TAG_FIELDS)
            return self._mention_item(row) if row else None
        row = self.get_or_none(join_path(external_id), fields=f"{REPLY_FIELDS},media")
        return self._comment_item(row, None) if row else None

    # -- moderation ------------------------------------------------------------------------
    # Instagram Graph API, IG Comment: POST /{ig-comment-id}?hide=true|false, DELETE /{ig-comment-id}.
    # Instagram Messaging, private replies: POST /{ig-user-id}/messages with recipient={"comment_id": ...}, one per
    # comment within 7 days of it (a second is refused with code 10900, like Messenger's).
    # The IG Comment node has no way to change a comment's text, so editing our own reply is not offered.

    @classmethod
    def moderation_actions(cls, kind: str, is_own: bool) -> tuple[str, ...]:
        """Fans' comments: hide, unhide, delete, answer privately; our own replies: delete."""
        if kind in ("comment", "reply"):
            return ("delete",) if is_own else ("hide", "unhide", "delete", "private_reply")
        return ()

    def moderate(self, action: str, target: ModerationTarget, text: str | None = None) -> str | None:
        """Hide, unhide or delete a comment, or answer it privately (Instagram Direct)."""
        self._check_moderation(action, target)
        node = join_path(target.external_id)
        if action == "private_reply":
            self.check_reply_text(text or "", "direct_message")
            body = self.graph("POST", join_path(self.account_id, "messages"),
                              json_body={"recipient": {"comment_id": target.external_id}, "message": {"text": text}})
            return str(body.get("message_id") or "")
        if action in ("hide", "unhide"):
            self.graph("POST", node, data={"hide": "true" if action == "hide" else "false"})
        else:
            with contextlib.suppress(GraphNotFound):  # gone already: what was wanted
                self.graph("DELETE", node)
        return None
