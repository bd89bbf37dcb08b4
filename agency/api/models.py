"""Tables of the public API: personal access tokens, webhook subscriptions and their deliveries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from agency import db
from agency.crypto import EncryptedText


class ApiToken(db.TenantMixin, db.TimestampMixin, db.Base):
    """A personal access token: the secret is shown once; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # Tokens carry 256 random bits, so a plain SHA-256 is as strong as a slow hash and lets us look them up.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default=text("'{}'"))
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_used_ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WebhookEvent(enum.StrEnum):
    INTERACTION_CREATED = "interaction.created"
    INTERACTION_UPDATED = "interaction.updated"
    REPLY_SENT = "reply.sent"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    INCIDENT_OPENED = "incident.opened"
    # Declared for the reports and billing packages; they emit them once they land.
    REPORT_PUBLISHED = "report.published"
    INVOICE_PAID = "invoice.paid"


class WebhookSubscription(db.TenantMixin, db.TimestampMixin, db.Base):
    """A URL that hears the agency's events (``workspace_id`` None: of every workspace)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True, nullable=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    events: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default=text("'{}'"))
    secret: Mapped[str] = mapped_column(EncryptedText)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # retries ran out, or the target was refused


class WebhookDelivery(db.TenantMixin, db.TimestampMixin, db.Base):
    """One event for one subscription: what was sent, how often, with what answer."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.PENDING, server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    last_status: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
