"""Channel credentials at work: the connector for a channel, the platform's confirmation of a token,
and refreshing Google's short-lived access tokens.

A token proves nothing by itself: anyone can paste another agency's public page id next to a token
of their own. Only the platform can say whether a token grants access to an account, so a channel
is connected after ``confirm_access`` asked it, and the time of that answer is stored on the channel
(``credentials_verified_at``). Webhooks reach only channels with such an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app

from agency import db
from agency.channels.connectors import CONNECTORS, get_connector, oauth
from agency.channels.connectors.base import AuthExpired, Connector, PlatformError, VerifiedAccount
from agency.channels.models import Channel, Platform

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Platforms reached with Google OAuth tokens (which expire after an hour and can be refreshed).
GOOGLE_PLATFORMS = frozenset({Platform.GOOGLE_BUSINESS_PROFILE, Platform.YOUTUBE_CHANNEL})
#: Refresh this long before the stated expiry, so a token never runs out in the middle of a sync page.
REFRESH_AHEAD = timedelta(minutes=5)


def base_url_for(platform: str) -> str:
    """The configured API base of a platform (the sandbox in tests and the demo)."""
    config = current_app.config["AGENCY"]
    return {
        Platform.FACEBOOK_PAGE: config.meta_graph_base,
        Platform.INSTAGRAM_BUSINESS: config.meta_graph_base,
        Platform.GOOGLE_BUSINESS_PROFILE: config.google_api_base,
        Platform.YOUTUBE_CHANNEL: config.youtube_api_base,
    }[Platform(platform)]


def connector_for_account(platform: str, account_id: str, token: str, **options: Any) -> Connector:
    """A connector with the configured base URLs and timeout (``options`` pass through)."""
    config = current_app.config["AGENCY"]
    options.setdefault("timeout", config.platform_timeout)
    if platform == Platform.GOOGLE_BUSINESS_PROFILE:
        options.setdefault("accounts_base", config.google_accounts_base)
        options.setdefault("info_base", config.google_info_base)
    return get_connector(platform, base_url_for(platform), account_id, token, **options)


def connector_for(channel: Channel, **options: Any) -> Connector:
    """A connector for a channel with its current access token."""
    return connector_for_account(channel.platform, channel.external_account_id, channel.access_token, **options)


def confirm_access(platform: str, account_id: str, token: str) -> VerifiedAccount:
    """Ask the platform whether ``token`` grants access to exactly ``account_id``.

    Raises ``AccessNotGranted`` (a refusal), ``AuthExpired`` (a token the platform does not accept),
    ``TransientError``/``RateLimited`` (it could not answer now) or ``UnsafeIdentifier``.
    """
    if platform not in CONNECTORS:
        raise PlatformError(f"Unknown platform {platform!r}.")
    return connector_for_account(platform, account_id, token).verify_access()


def ensure_verified(channel: Channel) -> None:
    """Confirm a channel's credentials with the platform once (channels connected before this check).

    Raises like ``confirm_access``; a Google token is refreshed first when it has expired.
    """
    if channel.credentials_verified_at is not None:
        return
    with_fresh_token(channel, lambda connector: connector.verify_access())
    channel.credentials_verified_at = db.utcnow()
    db.session.flush()


# --- Google token refresh ------------------------------------------------------------------

def can_refresh(channel: Channel) -> bool:
    """Whether a new access token can be had without the person (a Google refresh token)."""
    return channel.platform in GOOGLE_PLATFORMS and bool(channel.refresh_token)


def refresh_if_expiring(channel: Channel, now: datetime) -> bool:
    """Refresh the access token when it expires within ``REFRESH_AHEAD``; True when refreshed."""
    if not can_refresh(channel) or channel.token_expires_at is None:
        return False
    if channel.token_expires_at - REFRESH_AHEAD > now:
        return False
    refresh_access_token(channel)
    return True


def refresh_access_token(channel: Channel) -> None:
    """Exchange the refresh token for a new access token and store it with its expiry (flushes).

    A refreshed token comes from the grant the platform already confirmed for this account, so it
    is not confirmed again. Raises ``AuthExpired`` when Google no longer honours the refresh token
    (revoked, or the person removed our access): then only reconnecting helps.
    """
    if not can_refresh(channel):
        raise AuthExpired("The access token expired and cannot be renewed: reconnect the channel.")
    config = current_app.config["AGENCY"]
    try:
        tokens = oauth.google_refresh_token(channel.refresh_token or "", config.google_client_id or "",
                                            config.google_client_secret or "", token_url=config.google_token_url)
    except PlatformError as err:  # invalid_grant: the grant is gone
        raise AuthExpired(f"Google no longer renews the access: reconnect the channel ({err}).") from err
    access = tokens.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthExpired("Google sent no new access token: reconnect the channel.")
    channel.access_token = access
    channel.token_expires_at = expiry_from(tokens.get("expires_in"), db.utcnow())
    if isinstance(tokens.get("refresh_token"), str) and tokens["refresh_token"]:
        channel.refresh_token = tokens["refresh_token"]  # Google may rotate it
    db.session.flush()
    log.info("channel %s: access token refreshed", channel.id)


def expiry_from(expires_in: object, now: datetime) -> datetime | None:
    """The expiry time for an OAuth ``expires_in`` (seconds); None when it is missing or unreadable."""
    try:
        seconds = int(expires_in)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return now + timedelta(seconds=max(seconds, 0))


def with_fresh_token(channel: Channel, action: Callable[[Connector], T]) -> T:
    """Run ``action`` with the channel's connector; after a 401, refresh once and run it again.

    Only for actions that are safe to repeat after a refusal (a 401 means the platform did nothing).
    """
    refresh_if_expiring(channel, db.utcnow())
    try:
        return action(connector_for(channel))
    except AuthExpired:
        if not can_refresh(channel):
            raise
    refresh_access_token(channel)
    return action(connector_for(channel))

