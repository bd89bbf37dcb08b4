"""Reads for channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from agency import db
from agency.channels.models import Channel, ChannelStatus


def channels_of_workspace(workspace_id: int) -> list[Channel]:
    return list(db.session.scalars(select(Channel).where(Channel.workspace_id == workspace_id).order_by(Channel.name)))


def due_channels(now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(agency_id, channel_id) of channels whose next sync is due, across all agencies."""
    stmt = (select(Channel.agency_id, Channel.id)
            .where(Channel.status.in_((ChannelStatus.ACTIVE, ChannelStatus.ERROR)),
                   Channel.next_sync_at <= now,
                   or_(Channel.backoff_until.is_(None), Channel.backoff_until <= now))
            .order_by(Channel.next_sync_at).limit(limit))
    with db.system_scope("the sync dispatcher lists due channels of every agency"):
        return [(a, c) for a, c in db.session.execute(stmt).all()]


def channels_for_account(platforms: tuple[str, ...], account_id: str) -> list[Channel]:
    """Where a webhook about a platform account goes: active channels whose credentials the platform
    confirmed for this account, in every agency that connected it (webhook routing).

    An account id alone proves nothing (public page ids are easy to find); a channel whose token was
    never confirmed, or that is paused or waiting for a new token, gets nothing.
    """
    stmt = select(Channel).where(Channel.platform.in_(platforms), Channel.external_account_id == account_id,
                                 Channel.status == ChannelStatus.ACTIVE,
                                 Channel.credentials_verified_at.is_not(None))
    with db.system_scope("webhook routing: the channels of a platform account in every agency"):
        return list(db.session.scalars(stmt))


def channels_of_accounts(agency_id: int, account_ids: list[str]) -> list[Channel]:
    """The agency's channels of any of these platform account ids (the OAuth picker marks them)."""
    if not account_ids:
        return []
    return list(db.session.scalars(select(Channel).where(Channel.agency_id == agency_id,
                                                         Channel.external_account_id.in_(account_ids))))


def interaction_counts(workspace_id: int) -> dict[int, int]:
    """Interactions per channel, provided by the inbox when it is installed (see ``agency.wiring``)."""
    from agency import wiring

    provider = wiring.provided("channel_item_counts")
    return provider(workspace_id) if provider else {}
