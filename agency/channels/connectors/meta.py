"""The Graph API plumbing Facebook Pages and Instagram share: auth, errors, usage headers, paging.

References: developers.facebook.com/docs/graph-api/guides/error-handling (error object and codes),
/docs/graph-api/overview/rate-limiting (X-App-Usage, X-Business-Use-Case-Usage with
``estimated_time_to_regain_access`` in minutes), /docs/graph-api/results (cursor paging).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import requests

from agency.channels.connectors.base import (
    AccessNotGranted,
    AlreadyDone,
    AuthExpired,
    Connector,
    MessagingWindowClosed,
    PlatformError,
    RateLimited,
    TransientError,
    parse_time,
    short,
)

log = logging.getLogger(__name__)

#: Graph codes that mean "slow down": app (4), user (17), page (32), custom (613), and the
#: business-use-case family 80000-80014 (80001 = Pages).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
#: 1 = unknown error, 2 = service temporarily unavailable: Meta says retry these.
TRANSIENT_CODES = frozenset({1, 2})
#: (#10) with this subcode: "This message is sent outside of allowed window."
OUTSIDE_WINDOW_SUBCODE = 2018278
USAGE_THRESHOLD = 90
#: (#10900) "Activity already replied to": a comment takes one private reply only (Messenger Platform,
#: private replies).
ALREADY_REPLIED_CODE = 10900


class GraphNotFound(PlatformError):
    """The object does not exist any more (code 100, subcode 33) or answers 404."""


def usage_percent_and_wait(headers: requests.structures.CaseInsensitiveDict) -> tuple[int, int | None]:
    """Highest usage percentage in the usage headers and the longest stated wait (minutes)."""
    highest = 0
    wait: int | None = None
    app = headers.get("X-App-Usage")
    if app:
        try:
            values = json.loads(app)
            highest = max([highest, *(int(v) for v in values.values() if isinstance(v, int | float))])
        except (ValueError, TypeError, AttributeError):
            log.warning("unreadable X-App-Usage header")
    buc = headers.get("X-Business-Use-Case-Usage")
    if buc:
        try:
            for entries in json.loads(buc).values():
                for entry in entries:
                    for key in ("call_count", "total_cputime", "total_time"):
                        highest = max(highest, int(entry.get(key, 0)))
                    minutes = entry.get("estimated_time_to_regain_access")
                    if minutes:
                        wait = max(wait or 0, int(minutes))
        except (ValueError, TypeError, AttributeError):
            log.warning("unreadable X-Business-Use-Case-Usage header")
    return highest, wait


class GraphConnector(Connector):
    """Base for Graph-API connectors."""

    label = "Facebook"

    @property
    def platform_label(self) -> str:
        """The name shown to people in error messages."""
        return self.label

    def _url(self, path: str) -> str:
        # Paths are relative and built with ``join_path``; an absolute URL is never followed, so
        # an id from a platform cannot send the channel's token to another host.
        return f"{self.base_url}/{path.lstrip('/')}"

    def _headers(self) -> dict[str, str]:
        # The bearer header keeps the token out of URLs (and so out of access logs).
        return {"Authorization": f"Bearer {self._token}"}

    def graph(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One Graph call; returns the JSON body or raises the mapped exception."""
        url = self._url(path)
        response = self._send(method, url, params=params, data=data, json=json_body, headers=self._headers())
        body = self._json(response) if response.content else {}
        usage, wait_minutes = usage_percent_and_wait(response.headers)
        if isinstance(body, dict) and "error" in body:
            raise self._error(response, body["error"], usage, wait_minutes)
        if response.status_code >= 500:
            raise TransientError(f"{self.label} had a server error ({response.status_code}).")
        if response.status_code >= 400:
            raise PlatformError(f"{self.label} refused the request (HTTP {response.status_code}).")
        if usage >= USAGE_THRESHOLD and method == "GET":
            # The call succeeded but the budget is nearly spent: keep this answer, stop the pass
            # at the next call so the caller saves the cursor and comes back later.
            self._pending_limit = self._rate_limited(
                f"{self.label} usage is at {usage}% of the limit.",
                self.clock() + timedelta(minutes=wait_minutes) if wait_minutes else None,
            )
        return body if isinstance(body, dict) else {"data": body}

    _pending_limit: RateLimited | None = None

    def _error(
        self, response: requests.Response, error: dict[str, Any], usage: int, wait_minutes: int | None
    ) -> Exception:
        code = int(error.get("code") or 0)
        subcode = int(error.get("error_subcode") or 0)
        message = short(str(error.get("message") or "unknown error"), 300)
        trace = error.get("fbtrace_id")
        log.info("graph error code=%s subcode=%s trace=%s: %s", code, subcode, trace, message)
        if code == 190 or response.status_code == 401:
            return AuthExpired(f"{self.label} no longer accepts the access token: reconnect the channel.")
        if code in RATE_LIMIT_CODES or response.status_code == 429 or usage >= 100:
            retry = self.clock() + timedelta(minutes=wait_minutes) if wait_minutes else None
            return self._rate_limited(f"{self.label} rate limit reached: {message}", retry)
        if code == ALREADY_REPLIED_CODE:
            return AlreadyDone(f"{self.label} refused: {message}")
        if code == 10 and subcode == OUTSIDE_WINDOW_SUBCODE:
            return MessagingWindowClosed(f"{self.label} refused the message: {message}")
        if code in TRANSIENT_CODES or response.status_code >= 500 or error.get("is_transient"):
            return TransientError(f"{self.label} had a temporary problem: {message}")
        if (code == 100 and subcode == 33) or response.status_code == 404:
            return GraphNotFound(f"{self.label} could not find the object: {message}")
        return PlatformError(f"{self.label} refused the request: {message}")

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET ``path`` with query ``params``; raises a pending usage limit first."""
        if self._pending_limit is not None:
            pending, self._pending_limit = self._pending_limit, None
            raise pending
        return self.graph("GET", path, params={k: v for k, v in params.items() if v is not None})

    def read_for_verification(self, path: str, **params: Any) -> dict[str, Any]:
        """GET for ``verify_access``: "not found" and permission errors mean the token lacks access."""
        try:
            return self.get(path, **params)
        except PlatformError as err:
            # Graph answers code 100/33 ("does not exist, cannot be loaded due to missing
            # permissions") or a permission code (10, 200-299) for objects the token cannot see.
            raise AccessNotGranted(f"{self.label} did not confirm access to {self.account_id}: {err}") from err

    def get_or_none(self, path: str, **params: Any) -> dict[str, Any] | None:
        """Like ``get`` but None when the object is gone."""
        try:
            return self.get(path, **params)
        except GraphNotFound:
            return None

    def pages(self, path: str, after: str | None = None, **params: Any) -> Iterator[tuple[list[dict], str | None]]:
        """Walk an edge page by page: yields (rows, after-cursor of that page or None when last)."""
        while True:
            body = self.get(path, after=after, **params)
            rows = body.get("data") or []
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            yield rows, after
            if not after:
                return

    def find_own(
        self, rows: list[dict], own_id: str, text: str, not_before: datetime, text_key: str
    ) -> dict | None:
        """The first row authored by ``own_id`` with exactly ``text`` at/after ``not_before``."""
        for row in rows:
            author = (row.get("from") or {}).get("id")
            created = parse_time(row.get("created_time") or row.get("timestamp"))
            if author == own_id and row.get(text_key) == text and created and created >= not_before:
                return row
        return None

    def newest_first(
        self, path: str, window: datetime, after: str | None, time_key: str, **params: Any
    ) -> Iterator[tuple[list[dict], str | None]]:
        """Walk a newest-first edge, stopping at rows older than ``window``.

        Yields (rows at/after the window, after-cursor to resume, or None when finished).
        """
        for rows, next_after in self.pages(path, after=after, **params):
            fresh = [row for row in rows if (parse_time(row.get(time_key)) or window) >= window]
            reached_end = len(fresh) < len(rows)
            yield fresh, None if reached_end else next_after
            if reached_end:
                return
