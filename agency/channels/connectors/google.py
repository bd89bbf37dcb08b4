"""HTTP plumbing the Google connectors (Business Profile, YouTube) share.

Google errors look like ``{"error": {"code", "message", "status", "errors": [{"reason"}]}}``
(cloud.google.com/apis/design/errors); 401 means the OAuth token is no longer valid.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from agency.channels.connectors.base import (
    AuthExpired,
    Connector,
    PlatformError,
    TransientError,
    retry_after_header,
    short,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"})


class NotFound(PlatformError):
    """The resource does not exist (any more)."""


def next_pacific_midnight(now: datetime) -> datetime:
    """YouTube's daily quota resets at midnight Pacific time."""
    local = now.astimezone(PACIFIC)
    tomorrow = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return tomorrow.astimezone(now.tzinfo)


class GoogleConnector(Connector):
    """Base for Google APIs reached with an OAuth bearer token."""

    label = "Google"

    @property
    def platform_label(self) -> str:
        """The name shown to people in error messages."""
        return self.label

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
             json_body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One API call on a path (built with ``join_path``); returns the JSON body or raises."""
        return self.call_url(method, f"{self.base_url}/{path.lstrip('/')}", params=params, json_body=json_body)

    def call_url(self, method: str, url: str, *, params: dict[str, Any] | None = None,
                 json_body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One call on a full URL of one of our configured Google bases."""
        response = self._send(method, url, params=params, json=json_body,
                              headers={"Authorization": f"Bearer {self._token}"})
        if response.status_code < 400:
            return self._json(response) if response.content else {}
        raise self._error(response)

    def listed(self, url: str, key: str, params: dict[str, Any] | None = None,
               max_pages: int = 50) -> Iterator[dict[str, Any]]:
        """Every row of a paged Google list (``nextPageToken``), at most ``max_pages`` pages."""
        token = None
        for _page in range(max_pages):
            body = self.call_url("GET", url, params={**(params or {}), "pageToken": token})
            yield from (row for row in body.get(key) or [] if isinstance(row, dict))
            token = body.get("nextPageToken")
            if not token:
                return

    def _error(self, response: requests.Response) -> Exception:
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        if not isinstance(error, dict):
            error = {"message": str(error)}
        message = short(str(error.get("message") or f"HTTP {response.status_code}"), 300)
        reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
        status = response.status_code
        now = self.clock()
        if status == 401 or error.get("status") == "UNAUTHENTICATED" or "authError" in reasons:
            return AuthExpired(f"{self.label} no longer accepts the access token: reconnect the channel.")
        if "quotaExceeded" in reasons or "dailyLimitExceeded" in reasons:
            return self._rate_limited(f"{self.label} daily quota is used up: {message}", next_pacific_midnight(now))
        if status == 429 or error.get("status") == "RESOURCE_EXHAUSTED" or reasons & RATE_REASONS:
            return self._rate_limited(f"{self.label} rate limit reached: {message}", retry_after_header(response, now))
        if status >= 500:
            return TransientError(f"{self.label} had a temporary problem: {message}")
        if status == 404:
            return NotFound(f"{self.label} could not find it: {message}")
        return PlatformError(f"{self.label} refused the request: {message}")
