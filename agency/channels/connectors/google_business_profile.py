"""Google Business Profile reviews (My Business API v4).

One stream: ``GET {base}/v4/{account}/reviews?orderBy=updateTime desc`` page by page, stopping at
reviews last updated before the window; edits move a review to the top, so they come back in
the next incremental pass. The owner's answer (``reviewReply``) comes back as an own item.
``account_id`` is the location's resource name, ``accounts/{a}/locations/{l}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from agency.channels.connectors.base import (
    PassContext,
    PlatformError,
    PlatformItem,
    ReplyTarget,
    SentReply,
    Stream,
    parse_time,
)
from agency.channels.connectors.google import GoogleConnector, NotFound

STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
#: ReviewReply.comment: "The maximum length is 4096 bytes" (reviews.updateReply reference).
REPLY_MAX_BYTES = 4096


class GoogleBusinessProfileConnector(GoogleConnector):
    """Reviews of one Business Profile location."""

    platform = "google_business_profile"
    label = "Google"
    max_reply_length = REPLY_MAX_BYTES

    def streams(self) -> list[Stream]:
        """Reviews only."""
        return [self._reviews]

    def _reviews(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        token = (state or {}).get("token")
        while True:
            body = self.call("GET", f"v4/{self.account_id}/reviews", params={
                "pageSize": self.page_size or 50, "orderBy": "updateTime desc", "pageToken": token})
            if "totalReviewCount" in body:
                ctx.extra["total_reviews"] = body["totalReviewCount"]
                ctx.extra["average_rating"] = body.get("averageRating")
            items: list[PlatformItem] = []
            reached_end = False
            for review in body.get("reviews") or []:
                updated = parse_time(review.get("updateTime") or review.get("createTime"))
                if updated is not None and updated < ctx.window:
                    reached_end = True
                    break
                items.extend(self._items(review))
            token = body.get("nextPageToken")
            if reached_end or not token:
                yield items, None
                return
            yield items, {"token": token}

    def _items(self, review: dict[str, Any]) -> list[PlatformItem]:
        review_id = review.get("reviewId") or review["name"].rsplit("/", 1)[-1]
        reviewer = review.get("reviewer") or {}
        anonymous = reviewer.get("isAnonymous")
        created = parse_time(review.get("createTime")) or self.clock()
        updated = parse_time(review.get("updateTime"))
        items = [PlatformItem(
            external_id=review_id,
            kind="review",
            text=review.get("comment") or "",
            author_name="Anonymous" if anonymous else reviewer.get("displayName") or "Google user",
            author_external_id=None,
            author_avatar_url=None if anonymous else reviewer.get("profilePhotoUrl"),
            created_at=created,
            updated_at=updated if updated and updated != created else None,
            thread_external_id=review_id,
            rating=STARS.get(review.get("starRating", "")),
        )]
        reply = review.get("reviewReply")
        if reply:
            when = parse_time(reply.get("updateTime")) or created
            items.append(PlatformItem(
                external_id=f"{review_id}/reply",
                kind="reply",
                text=reply.get("comment") or "",
                author_name="Owner",
                author_external_id=None,
                created_at=when,
                parent_external_id=review_id,
                thread_external_id=review_id,
                is_own=True,
            ))
        return items

    def check_reply_text(self, text: str, limit: int | None = None) -> None:
        """Google counts bytes, not characters."""
        if not text.strip():
            raise PlatformError("The reply is empty.")
        if len(text.encode()) > REPLY_MAX_BYTES:
            raise PlatformError(f"Google accepts at most {REPLY_MAX_BYTES} bytes per review answer.")

    def _review_id(self, target: ReplyTarget) -> str:
        return target.thread_external_id or target.external_id.split("/")[0]

    def reply(self, target: ReplyTarget, text: str) -> SentReply:
        """Create or replace the owner's answer to a review."""
        if target.kind not in ("review", "reply"):
            raise PlatformError(f"Google Business Profile cannot answer a {target.kind}.")
        self.check_reply_text(text)
        review_id = self._review_id(target)
        body = self.call("PUT", f"v4/{self.account_id}/reviews/{review_id}/reply", json_body={"comment": text})
        return SentReply(f"{review_id}/reply", parse_time(body.get("updateTime")) or self.clock())

    def find_existing_reply(self, target: ReplyTarget, text: str, not_before: datetime) -> SentReply | None:
        """The review's answer, if it has exactly this text and is recent enough."""
        review_id = self._review_id(target)
        try:
            review = self.call("GET", f"v4/{self.account_id}/reviews/{review_id}")
        except NotFound:
            return None
        reply = review.get("reviewReply") or {}
        when = parse_time(reply.get("updateTime"))
        if reply.get("comment") == text and when is not None and when >= not_before:
            return SentReply(f"{review_id}/reply", when)
        return None

    def fetch_item(self, external_id: str, kind: str | None = None) -> PlatformItem | None:
        """The review (or our answer, for ``{id}/reply``) as it is now; None when gone."""
        review_id = external_id.split("/")[0]
        try:
            review = self.call("GET", f"v4/{self.account_id}/reviews/{review_id}")
        except NotFound:
            return None
        items = self._items(review)
        if external_id.endswith("/reply"):
            return items[1] if len(items) > 1 else None
        return items[0]
