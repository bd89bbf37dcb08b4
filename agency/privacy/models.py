"""Tables of the DSGVO tools: the record of data-subject requests and retention settings per workspace."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from agency import db


class RequestKind(enum.StrEnum):
    EXPORT = "export"
    ERASURE = "erasure"


class PrivacyRequest(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A data-subject request as the agency must keep it: received, done, what was done.

    It names the person only by a pseudonym: after an erasure nothing here may identify them.
    """

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(80))  # the pseudonym of the person
    received_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[dict[str, Any]] = mapped_column(default=dict)
    handled_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class RetentionAction(enum.StrEnum):
    ANONYMISE = "anonymise"
    DELETE = "delete"


class RetentionSetting(db.WorkspaceMixin, db.Base):
    """Interactions older than ``months`` are anonymised or deleted by the nightly job."""

    __tablename__ = "privacy_retention"
    __table_args__ = (UniqueConstraint("workspace_id", name="uq_privacy_retention_workspace_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    months: Mapped[int] = mapped_column(Integer, default=24, server_default=text("24"))
    action: Mapped[str] = mapped_column(String(10), default=RetentionAction.ANONYMISE,
                                        server_default=RetentionAction.ANONYMISE.value)
    last_run_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_run_count: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ErasureKind(enum.StrEnum):
    ITEM = "item"  # one platform item: HMAC of the channel and the item's platform id
    AUTHOR = "author"  # a person: HMAC of the workspace, the platform and their platform id (or their name)


class ErasedIdentity(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A platform identity erased from the workspace, which later syncs and webhooks must not store again.

    Only keyed hashes are kept (``privacy.services.erasure_digest``), never the platform's clear ids: the
    table can tell "this comment or author was erased" but not who they were.
    """

    __tablename__ = "privacy_erasures"
    __table_args__ = (UniqueConstraint("workspace_id", "digest", name="uq_privacy_erasures_workspace_id_digest"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    digest: Mapped[str] = mapped_column(String(64))
