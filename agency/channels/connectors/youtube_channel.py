"""YouTube channel comments (Data API v3).

One stream: ``commentThreads?allThreadsRelatedToChannelId=..&order=time`` newest first. Each
thread gives the top-level comment ("comment") and its replies ("reply"): the few inlined ones,
or all of them through ``comments?parentId=`` when ``totalReplyCount`` says there are more.
Incremental passes read threads started within ``reply_lookback`` before the window, so new
replies to recent threads are seen; the channel's own comments come back with ``is_own``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from agency.channels.connectors.base import (
    AccessNotGranted,
    ModerationTarget,
    PassContext,
    PlatformError,
    PlatformItem,
    ReplyTarget,
    SentReply,
    Stream,
    VerifiedAccount,
    parse_time,
)
from agency.channels.connectors.google import GoogleConnector, NotFound

#: comments.insert: textOriginal may hold up to 10,000 characters (YouTube Data API reference).
REPLY_MAX = 10_000


class YouTubeChannelConnector(GoogleConnector):
    """Comments on one channel's videos."""

    platform = "youtube_channel"
    label = "YouTube"
    max_reply_length = REPLY_MAX
    reply_lookback = timedelta(days=7)
    # Real channel ids are "UC" and 22 more characters of this alphabet; the sandbox's are longer.
    account_id_pattern = re.compile(r"UC[A-Za-z0-9_-]{1,64}")
    account_id_example = "UCxxxxxxxxxxxxxxxxxxxxxx"

    def verify_access(self) -> VerifiedAccount:
        """``channels.list(mine=true)`` names the channels the token's person owns."""
        try:
            for row in self.listed(f"{self.base_url}/channels", "items",
                                   {"part": "id,snippet", "mine": "true", "maxResults": 50}):
                if row.get("id") == self.account_id:
                    title = (row.get("snippet") or {}).get("title")
                    return VerifiedAccount(self.account_id, str(title or self.account_id))
        except PlatformError as err:
            raise AccessNotGranted(f"YouTube did not confirm access to {self.account_id}: {err}") from err
        raise AccessNotGranted(f"This Google login does not own YouTube channel {self.account_id}.")

    def streams(self) -> list[Stream]:
        """Comment threads only."""
        return [self._threads]

    def _threads(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        token = (state or {}).get("token")
        stop_before = ctx.window - self.reply_lookback if ctx.incremental else ctx.window
        while True:
            body = self.call("GET", "commentThreads", params={
                "part": "snippet,replies", "allThreadsRelatedToChannelId": self.account_id,
                "maxResults": self.page_size or 100, "order": "time", "pageToken": token,
                "textFormat": "plainText"})
            items: list[PlatformItem] = []
            reached_end = False
            for thread in body.get("items") or []:
                snippet = thread.get("snippet") or {}
                top = snippet.get("topLevelComment") or {}
                published = parse_time((top.get("snippet") or {}).get("publishedAt"))
                if published is not None and published < stop_before:
                    reached_end = True
                    break
                items.append(self._comment_item(top, snippet.get("videoId")))
                inline = (thread.get("replies") or {}).get("comments") or []
                if int(snippet.get("totalReplyCount") or 0) > len(inline):
                    items.extend(self._all_replies(top["id"], snippet.get("videoId")))
                else:
                    items.extend(self._comment_item(c, snippet.get("videoId")) for c in inline)
            token = body.get("nextPageToken")
            if reached_end or not token:
                yield items, None
                return
            yield items, {"token": token}

    def _all_replies(self, parent_id: str, video_id: str | None) -> list[PlatformItem]:
        replies: list[PlatformItem] = []
        token = None
        while True:
            body = self.call("GET", "comments", params={"part": "snippet", "parentId": parent_id,
                                                        "maxResults": 100, "pageToken": token,
                                                        "textFormat": "plainText"})
            replies.extend(self._comment_item(c, video_id) for c in body.get("items") or [])
            token = body.get("nextPageToken")
            if not token:
                return replies

    def _comment_item(self, comment: dict[str, Any], video_id: str | None) -> PlatformItem:
        snippet = comment.get("snippet") or {}
        author = (snippet.get("authorChannelId") or {}).get("value")
        parent = snippet.get("parentId")
        video = snippet.get("videoId") or video_id
        created = parse_time(snippet.get("publishedAt")) or self.clock()
        updated = parse_time(snippet.get("updatedAt"))
        url = f"https://www.youtube.com/watch?{urlencode({'v': video})}" if video else None
        return PlatformItem(
            external_id=comment["id"],
            kind="reply" if parent else "comment",
            text=snippet.get("textOriginal") or snippet.get("textDisplay") or "",
            author_name=snippet.get("authorDisplayName") or "YouTube user",
            author_external_id=author,
            author_avatar_url=snippet.get("authorProfileImageUrl"),
            created_at=created,
            updated_at=updated if updated and updated != created else None,
            parent_external_id=parent,
            thread_external_id=video,
            context_url=url,
            permalink=f"{url}&{urlencode({'lc': comment['id']})}" if url else None,
            is_own=author == self.account_id,
        )

    def _top_level(self, target: ReplyTarget) -> str:
        if target.kind == "reply" and target.parent_external_id:
            return target.parent_external_id
        return target.external_id

    def reply(self, target: ReplyTarget, text: str) -> SentReply:
        """Answer under the top-level comment (YouTube nests one level)."""
        if target.kind not in ("comment", "reply"):
            raise PlatformError(f"YouTube cannot answer a {target.kind}.")
        self.check_reply_text(text, target.kind)
        body = self.call("POST", "comments", params={"part": "snippet"},
                         json_body={"snippet": {"parentId": self._top_level(target), "textOriginal": text}})
        item = self._comment_item(body, None)
        return SentReply(item.external_id, item.created_at, item.permalink)

    def find_existing_reply(self, target: ReplyTarget, text: str, not_before: datetime) -> SentReply | None:
        """Our reply with exactly this text under the thread, at/after ``not_before``."""
        for item in self._all_replies(self._top_level(target), None):
            if item.is_own and item.text == text and item.created_at >= not_before:
                return SentReply(item.external_id, item.created_at, item.permalink)
        return None

    def fetch_item(self, external_id: str, kind: str | None = None) -> PlatformItem | None:
        """The comment as it is now, or None when deleted."""
        body = self.call("GET", "comments", params={"part": "snippet", "id": external_id,
                                                    "textFormat": "plainText"})
        rows = body.get("items") or []
        return self._comment_item(rows[0], None) if rows else None

    # -- moderation ------------------------------------------------------------------------
    # YouTube Data API v3: comments.setModerationStatus (POST comments/setModerationStatus?id=&moderationStatus=
    # heldForReview|published|rejected, 204) for comments on the channel's videos; comments.delete (DELETE
    # comments?id=, 204) for the channel's own comments; comments.update (PUT comments?part=snippet with the
    # comment resource {id, snippet.textOriginal}, answering the comment) edits the channel's own comment.

    #: our action → the moderation status YouTube sets
    MODERATION_STATUS = {"hide": "heldForReview", "unhide": "published", "delete": "rejected"}

    @classmethod
    def moderation_actions(cls, kind: str, is_own: bool) -> tuple[str, ...]:
        """Fans' comments: hold for review, publish again, reject; our own replies: edit, delete."""
        if kind in ("comment", "reply"):
            return ("edit", "delete") if is_own else ("hide", "unhide", "delete")
        return ()

    def moderate(self, action: str, target: ModerationTarget, text: str | None = None) -> str | None:
        """Hold for review (hide), publish (unhide) or reject (delete) a fan's comment; edit or delete our own."""
        self._check_moderation(action, target)
        if action == "edit":
            self.check_reply_text(text or "", target.kind)
            self.call("PUT", "comments", params={"part": "snippet"},
                      json_body={"id": target.external_id, "snippet": {"textOriginal": text}})
        elif target.is_own:
            with contextlib.suppress(NotFound):  # gone already: what was wanted
                self.call("DELETE", "comments", params={"id": target.external_id})
        else:
            self.call("POST", "comments/setModerationStatus",
                      params={"id": target.external_id, "moderationStatus": self.MODERATION_STATUS[action]})
        return None
