"""Channels: one connected social account (a Facebook Page, an Instagram business
account, a Google Business Profile location, a YouTube channel) of one workspace."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from agency import db
from agency.crypto import EncryptedText


class Platform(enum.StrEnum):
    FACEBOOK_PAGE = "facebook_page"
    INSTAGRAM_BUSINESS = "instagram_business"
    GOOGLE_BUSINESS_PROFILE = "google_business_profile"
    YOUTUBE_CHANNEL = "youtube_channel"


class ChannelStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    NEEDS_REAUTH = "needs_reauth"
    ERROR = "error"


class Channel(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A connected account and the state of its synchronisation."""

    __tablename__ = "channels"
    __table_args__ = (
        # Within one agency an account belongs to one workspace: two workspaces answering the same
        # comments would be a mess, and it is the rule that keeps webhook routing unambiguous.
        UniqueConstraint("agency_id", "platform", "external_account_id", name="uq_channels_agency_account"),
        CheckConstraint(
            "platform in ('facebook_page','instagram_business','google_business_profile','youtube_channel')",
            name="platform_known"),
        CheckConstraint("status in ('active','paused','needs_reauth','error')", name="status_known"),
        CheckConstraint("sync_interval_seconds between 30 and 86400", name="sync_interval_range"),
        # The dispatcher's query: which channels are due.
        Index("ix_channels_due", "next_sync_at", postgresql_where=text("status in ('active','error')")),
        Index("ix_channels_platform_account", "platform", "external_account_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_account_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    # The access token (and refresh token where there is one), encrypted at rest.
    access_token: Mapped[str] = mapped_column(EncryptedText)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    # When the access token stops working (OAuth tokens that expire); refreshed ahead of it.
    token_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # When the platform last confirmed that the token grants access to exactly this account.
    # NULL: never confirmed; such a channel receives no webhooks and syncs only after confirming.
    credentials_verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=ChannelStatus.ACTIVE, server_default="active")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_synced_at: Mapped[datetime | None] = mapped_column(nullable=True)
    next_sync_at: Mapped[datetime | None] = mapped_column(nullable=True)
    backoff_until: Mapped[datetime | None] = mapped_column(nullable=True)
    sync_interval_seconds: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    sync_cursor: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    backfill_days: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    backfill_progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    backfill_done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    items_synced: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    @property
    def credentials_verified(self) -> bool:
        return self.credentials_verified_at is not None

    @property
    def is_backfilling(self) -> bool:
        return self.backfill_done_at is None and self.status != ChannelStatus.PAUSED

