"""Connectors: HTTP clients for the social platforms, returning plain dataclasses.

``get_connector(platform, base_url, account_id, token)`` is the entry point; see ``base`` for
the contract (items, cursors, replies, exceptions).
"""

from __future__ import annotations

from typing import Any

import requests

from agency.channels.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorError,
    MessagingWindowClosed,
    PlatformError,
    PlatformItem,
    RateLimited,
    ReplyTarget,
    SentReply,
    SyncPage,
    TransientError,
    messaging_window,
    shared_session,
)
from agency.channels.connectors.facebook_page import FacebookPageConnector
from agency.channels.connectors.google_business_profile import GoogleBusinessProfileConnector
from agency.channels.connectors.instagram_business import InstagramBusinessConnector
from agency.channels.connectors.meta_webhooks import parse_meta_webhook, verify_meta_signature
from agency.channels.connectors.youtube_channel import YouTubeChannelConnector

CONNECTORS: dict[str, type[Connector]] = {
    "facebook_page": FacebookPageConnector,
    "instagram_business": InstagramBusinessConnector,
    "google_business_profile": GoogleBusinessProfileConnector,
    "youtube_channel": YouTubeChannelConnector,
}


def get_connector(platform: str, base_url: str, account_id: str, token: str,
                  session: requests.Session | None = None, **options: Any) -> Connector:
    """A connector for one channel; ``options`` pass through (timeout, clock, overlap, page_size)."""
    try:
        cls = CONNECTORS[platform]
    except KeyError:
        raise PlatformError(f"Unknown platform {platform!r}.") from None
    return cls(base_url, account_id, token, session=session, **options)


__all__ = [
    "CONNECTORS",
    "AuthExpired",
    "Connector",
    "ConnectorError",
    "MessagingWindowClosed",
    "PlatformError",
    "PlatformItem",
    "RateLimited",
    "ReplyTarget",
    "SentReply",
    "SyncPage",
    "TransientError",
    "get_connector",
    "messaging_window",
    "parse_meta_webhook",
    "shared_session",
    "verify_meta_signature",
]
