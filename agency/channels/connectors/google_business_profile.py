"""Google Business Profile reviews (My Business API v4).

One stream: ``GET {base}/v4/{account}/reviews?orderBy=updateTime desc`` page by page, stopping at
reviews last updated before the window; edits move a review to the top, so they come back in
the next incremental pass. The owner's answer (``reviewReply``) comes back as an own item.
``account_id`` is the location's resource name, ``accounts/{a}/locations/{l}``.
"""

from __future__ import annotations

import contextlib
import re
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
)
from agency.channels.connectors.google import GoogleConnector, NotFound
from agency.channels.connectors.oauth import GBP_ACCOUNTS_BASE, GBP_INFO_BASE

STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
#: ReviewReply.comment: "The maximum length is 4096 bytes" (reviews.updateReply reference).
REPLY_MAX_BYTES = 4096


class GoogleBusinessProfileConnector(GoogleConnector):
    """Reviews of one Business Profile location."""

    platform = "google_business_profile"
    label = "Google"
    max_reply_length = REPLY_MAX_BYTES
    account_id_pattern = re.compile(r"accounts/[0-9]{1,32}/locations/[0-9]{1,32}")
    account_id_example = "accounts/123/locations/456"

    def __init__(self, base_url: str, account_id: str, access_token: str, *, accounts_base: str = GBP_ACCOUNTS_BASE,
                 info_base: str = GBP_INFO_BASE, **options: Any) -> None:
        super().__init__(base_url, account_id, access_token, **options)
        self.accounts_base = accounts_base.rstrip("/")
        self.info_base = info_base.rstrip("/")

    @classmethod
    def reply_limit(cls, kind: str) -> ReplyLimit:
        """Google counts the answer's UTF-8 bytes, not its characters."""
        return ReplyLimit(REPLY_MAX_BYTES, "bytes")

    def _location_path(self, *more: object) -> str:
        # The validated resource name "accounts/{a}/locations/{l}" is four segments, each quoted.
        return join_path("v4", *self.account_id.split("/"), *more)

    def verify_access(self) -> VerifiedAccount:
        """The location must be among the token's accounts (accounts.list) and their locations.

        Account Management API ``GET /v1/accounts`` lists the accounts the person may manage;
        Business Information API ``GET /v1/{account}/locations`` their locations. A location of
        someone else's account is in neither list (Google answers 403/404 for the second).
        """
        _, account_number, _, location_number = self.account_id.split("/")
        account_name, location_name = f"accounts/{account_number}", f"locations/{location_number}"
        try:
            if not any(row.get("name") == account_name
                       for row in self.listed(f"{self.accounts_base}/v1/accounts", "accounts", {"pageSize": 20})):
                raise AccessNotGranted(f"This Google login does not manage {account_name}.")
            for row in self.listed(f"{self.info_base}/v1/{join_path('accounts', account_number, 'locations')}",
                                   "locations", {"readMask": "name,title", "pageSize": 100}):
                if row.get("name") == location_name:
                    return VerifiedAccount(self.account_id, str(row.get("title") or self.account_id))
        except AccessNotGranted:
            raise
        except PlatformError as err:
            raise AccessNotGranted(f"Google did not confirm access to {self.account_id}: {err}") from err
        raise AccessNotGranted(f"This Google login does not manage {self.account_id}.")

    def streams(self) -> list[Stream]:
        """Reviews only."""
        return [self._reviews]

    def _reviews(self, ctx: PassContext, state: dict[str, Any] | None) -> Iterator[tuple[list, Any]]:
        token = (state or {}).get("token")
        while True:
            body = self.call("GET", self._location_path("reviews"), params={
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

    def _review_id(self, target: ReplyTarget) -> str:
        return target.thread_external_id or target.external_id.split("/")[0]

    def reply(self, target: ReplyTarget, text: str) -> SentReply:
        """Create or replace the owner's answer to a review."""
        if target.kind not in ("review", "reply"):
            raise PlatformError(f"Google Business Profile cannot answer a {target.kind}.")
        self.check_reply_text(text, target.kind)
        review_id = self._review_id(target)
        body = self.call("PUT", self._location_path("reviews", review_id, "reply"), json_body={"comment": text})
        return SentReply(f"{review_id}/reply", parse_time(body.get("updateTime")) or self.clock())

    def find_existing_reply(self, target: ReplyTarget, text: str, not_before: datetime) -> SentReply | None:
        """The review's answer, if it has exactly this text and is recent enough."""
        review_id = self._review_id(target)
        try:
            review = self.call("GET", self._location_path("reviews", review_id))
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
            review = self.call("GET", self._location_path("reviews", review_id))
        except NotFound:
            return None
        items = self._items(review)
        if external_id.endswith("/reply"):
            return items[1] if len(items) > 1 else None
        return items[0]

    # -- moderation ------------------------------------------------------------------------
    # Business Profile API: accounts.locations.reviews.deleteReply (DELETE .../reviews/{id}/reply);
    # updateReply (PUT .../reviews/{id}/reply with {comment}) replaces our answer, the same call that creates it.
    # Reviews themselves cannot be hidden or deleted by the business.

    @classmethod
    def moderation_actions(cls, kind: str, is_own: bool) -> tuple[str, ...]:
        """Only our own answer to a review can be edited or deleted."""
        return ("edit", "delete") if kind == "reply" and is_own else ()

    def moderate(self, action: str, target: ModerationTarget, text: str | None = None) -> str | None:
        """Edit or delete the owner's answer to a review."""
        self._check_moderation(action, target)
        review_id = target.parent_external_id or target.external_id.split("/")[0]
        if action == "edit":
            self.check_reply_text(text or "", "reply")
            # updateReply would create an answer where none is: an answer deleted meanwhile (on Google or
            # by us) is not brought back by an edit.
            review = self.call("GET", self._location_path("reviews", review_id))
            if not review.get("reviewReply"):
                raise NotFound("Google could not find the answer to this review any more.")
            self.call("PUT", self._location_path("reviews", review_id, "reply"), json_body={"comment": text})
            return None
        with contextlib.suppress(NotFound):  # no answer (any more): what was wanted
            self.call("DELETE", self._location_path("reviews", review_id, "reply"))
        return None
