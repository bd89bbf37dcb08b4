"""Writes for channels: connect, pause/resume, ask for a sync, record sync outcomes, rotate keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.accounts.notifications import notify, workspace_team
from agency.channels import access
from agency.channels.connectors import CONNECTORS
from agency.channels.connectors.base import (
    AuthExpired,
    ConnectorError,
    RateLimited,
    TransientError,
    VerifiedAccount,
)
from agency.channels.models import Channel, ChannelStatus, Platform
from agency.channels.signals import sync_requested
from agency.errors import ValidationError

MAX_BACKOFF = timedelta(hours=6)


def connect_channel(actor: User | None, workspace: Workspace, *, platform: str, account_id: str, token: str,
                    name: str = "", refresh_token: str | None = None, token_expires_at: datetime | None = None,
                    backfill_days: int = 60, sync_interval_seconds: int = 120, ip: str = "") -> Channel:
    """Connect an account to a workspace (or give an already connected one a new token).

    The platform is asked first whether the token grants access to exactly this account
    (``access.confirm_access``); nothing is written when it does not confirm.
    """
    if platform not in set(Platform):
        raise ValidationError(_("Unknown platform."), "platform")
    account_id = account_id.strip()
    if not CONNECTORS[platform].valid_account_id(account_id):
        raise ValidationError(_("This is not an account ID of this platform; it looks like %(example)s.",
                                example=CONNECTORS[platform].account_id_example), "account_id")
    token = token.strip()
    if not token or len(token) > 4096 or any(c.isspace() for c in token):
        raise ValidationError(_("Paste the access token without spaces."), "token")
    if not 1 <= backfill_days <= 365:
        raise ValidationError(_("History can be fetched for 1 to 365 days."), "backfill_days")
    if not 30 <= sync_interval_seconds <= 86400:
        raise ValidationError(_("The sync interval must be between 30 seconds and one day."), "sync_interval")
    existing = connected_channel(workspace.agency_id, platform, account_id)
    if existing is not None and existing.workspace_id != workspace.id:
        raise ValidationError(_("This account is already connected to the workspace %(name)s. Disconnect it there "
                                "first.", name=_workspace_name(existing.workspace_id)), "account_id")
    confirmed = _confirm(platform, account_id, token)
    now = db.utcnow()
    if existing is not None:
        existing.access_token = token
        existing.refresh_token = refresh_token
        existing.token_expires_at = token_expires_at
        existing.credentials_verified_at = now
        if name.strip():
            existing.name = name.strip()[:200]
        if existing.status in (ChannelStatus.NEEDS_REAUTH, ChannelStatus.ERROR):
            existing.status = ChannelStatus.ACTIVE
            existing.last_error = None
            existing.consecutive_failures = 0
        existing.next_sync_at = now
        db.session.flush()
        audit.record("channel.reconnected", agency_id=workspace.agency_id, actor=actor, obj=existing, ip=ip,
                     details={"platform": platform, "account_id": account_id})
        sync_requested.send(existing)
        return existing
    channel = Channel(
        agency_id=workspace.agency_id, workspace_id=workspace.id, platform=platform,
        external_account_id=account_id, name=(name.strip() or confirmed.name or account_id)[:200],
        access_token=token, refresh_token=refresh_token, token_expires_at=token_expires_at,
        credentials_verified_at=now, backfill_days=backfill_days, sync_interval_seconds=sync_interval_seconds,
        next_sync_at=now, status=ChannelStatus.ACTIVE,
    )
    try:
        with db.session.begin_nested():  # a concurrent connect of the same account wins; this one explains
            db.session.add(channel)
            db.session.flush()
    except IntegrityError:
        raise ValidationError(_("This account was connected meanwhile. Reload the page."), "account_id") from None
    audit.record("channel.connected", agency_id=workspace.agency_id, actor=actor, obj=channel, ip=ip,
                 details={"platform": platform, "account_id": account_id, "workspace": workspace.slug})
    sync_requested.send(channel)
    return channel


def connected_channel(agency_id: int, platform: str, account_id: str) -> Channel | None:
    """The agency's channel of this account, in whichever workspace it is connected."""
    return db.session.scalars(select(Channel).where(
        Channel.agency_id == agency_id, Channel.platform == platform,
        Channel.external_account_id == account_id)).first()


def _workspace_name(workspace_id: int) -> str:
    workspace = db.session.get(Workspace, workspace_id)
    return workspace.name if workspace is not None else "?"


def _confirm(platform: str, account_id: str, token: str) -> VerifiedAccount:
    """The platform's confirmation of the token, or a ValidationError saying why there is none."""
    try:
        return access.confirm_access(platform, account_id, token)
    except AuthExpired:
        raise ValidationError(_("The platform does not accept this access token."), "token") from None
    except (TransientError, RateLimited):
        raise ValidationError(_("The platform could not be asked to confirm the token right now. Please try again "
                                "in a minute."), "token") from None
    except ConnectorError:  # AccessNotGranted, and any other refusal: no confirmation, no channel
        raise ValidationError(_("The platform did not confirm that this token gives access to %(account)s. Use a "
                                "token of exactly this account.", account=account_id), "token") from None


def set_paused(actor: User, channel: Channel, paused: bool, *, ip: str = "") -> Channel:
    if paused:
        channel.status = ChannelStatus.PAUSED
    elif channel.status == ChannelStatus.PAUSED:
        channel.status = ChannelStatus.ACTIVE
        channel.next_sync_at = db.utcnow()
    db.session.flush()
    audit.record("channel.paused" if paused else "channel.resumed", agency_id=channel.agency_id, actor=actor,
                 obj=channel, ip=ip)
    if not paused:
        sync_requested.send(channel)
    return channel


def request_sync(actor: User, channel: Channel) -> bool:
    """Ask for a sync now; False when the channel cannot sync (paused or waiting for a new token)."""
    if channel.status in (ChannelStatus.PAUSED, ChannelStatus.NEEDS_REAUTH):
        return False
    channel.next_sync_at = db.utcnow()
    channel.backoff_until = None
    db.session.flush()
    sync_requested.send(channel)
    return True


def disconnect(actor: User, channel: Channel, *, ip: str = "") -> None:
    """Remove a channel; its interactions stay (they belong to the client's history)."""
    audit.record("channel.disconnected", agency_id=channel.agency_id, actor=actor, obj=channel, ip=ip,
                 details={"platform": channel.platform, "account_id": channel.external_account_id})
    db.session.delete(channel)
    db.session.flush()


# --- outcomes of a sync (called by the sync job) -----------------------------------------

def record_success(channel: Channel, now: datetime) -> None:
    channel.status = ChannelStatus.ACTIVE if channel.status != ChannelStatus.PAUSED else channel.status
    channel.last_synced_at = now
    channel.last_error = None
    channel.consecutive_failures = 0
    channel.backoff_until = None
    channel.next_sync_at = now + timedelta(seconds=channel.sync_interval_seconds)
    if channel.backfill_done_at is None:
        channel.backfill_done_at = now
        channel.backfill_progress = 1.0


def record_rate_limited(channel: Channel, now: datetime, retry_after: datetime, message: str) -> None:
    """The platform asked us to wait: wait until the time it stated, without calling it an error."""
    retry_after = max(retry_after, now + timedelta(seconds=30))
    channel.backoff_until = retry_after
    channel.next_sync_at = retry_after
    channel.last_error = message[:1000]
    channel.last_error_at = now


def record_transient_failure(channel: Channel, now: datetime, message: str) -> None:
    """Timeouts and 5xx: retry with exponential backoff (30 s, 1 min, 2 min, … at most 6 h)."""
    channel.consecutive_failures += 1
    delay = min(timedelta(seconds=30 * 2 ** (channel.consecutive_failures - 1)), MAX_BACKOFF)
    channel.backoff_until = now + delay
    channel.next_sync_at = now + delay
    channel.last_error = message[:1000]
    channel.last_error_at = now


def record_needs_reauth(channel: Channel, now: datetime, message: str, link: str = "") -> None:
    """The token is no longer valid: stop syncing and tell the workspace team once."""
    first_time = channel.status != ChannelStatus.NEEDS_REAUTH
    channel.status = ChannelStatus.NEEDS_REAUTH
    channel.last_error = message[:1000]
    channel.last_error_at = now
    channel.next_sync_at = None
    if first_time:
        team = workspace_team(channel.agency_id, channel.workspace_id)
        notify(team, kind="channel.needs_reauth", workspace_id=channel.workspace_id, link=link,
               title=_l("%(name)s needs to be reconnected", name=channel.name),
               body=_l("The platform no longer accepts our access. Reconnect the channel so that new comments "
                      "and messages arrive again."),
               dedupe_key=f"channel-reauth:{channel.id}:{now.date().isoformat()}")
        audit.record("channel.needs_reauth", agency_id=channel.agency_id, actor=None, obj=channel,
                     details={"error": message[:300]})


def record_failure(channel: Channel, now: datetime, message: str) -> None:
    """Anything unexpected: mark the channel as failing and try again much later (no crash loop)."""
    channel.consecutive_failures += 1
    channel.status = ChannelStatus.ERROR
    delay = min(timedelta(minutes=15 * 2 ** (channel.consecutive_failures - 1)), MAX_BACKOFF)
    channel.next_sync_at = now + delay
    channel.backoff_until = now + delay
    channel.last_error = message[:1000]
    channel.last_error_at = now
