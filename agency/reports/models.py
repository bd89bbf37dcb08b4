"""Monthly reports, the files they are stored in, and share links for people without a login."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from agency import db


class ReportStatus(enum.StrEnum):
    GENERATING = "generating"
    DRAFT = "draft"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"


class StoredFile(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A file written to the storage (``agency.reports.storage``), with its checksum.

    The key is random (a file name cannot be guessed) and written once: storage never overwrites a key, so
    a published report's PDF stays exactly the bytes whose SHA-256 is recorded here.
    """

    __tablename__ = "stored_files"
    __table_args__ = (CheckConstraint("size >= 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))


class Report(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """One workspace's report of one month: generating → draft → publishing → published (or failed, then
    regenerated; a publication that fails returns the report to draft with ``error`` saying why).

    ``figures`` is the snapshot of the metrics the document was rendered from; a published report keeps
    its figures and its PDF (``file_id``) for good.
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("workspace_id", "month", name="uq_reports_workspace_month"),
        CheckConstraint("status in ('generating','draft','publishing','published','failed')", name="status_known"),
        CheckConstraint("progress between 0 and 100", name="progress_range"),
        CheckConstraint("extract(day from month) = 1", name="month_first_day"),
        CheckConstraint("status <> 'published' OR (file_id IS NOT NULL AND checksum IS NOT NULL)",
                        name="published_has_file"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=ReportStatus.GENERATING, server_default="generating")
    progress: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql("'{}'::jsonb"))
    commentary: Mapped[str] = mapped_column(Text, default="", server_default="")
    next_steps: Mapped[str] = mapped_column(Text, default="", server_default="")
    generated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    file_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("stored_files.id"),
                                                nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    published_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                        nullable=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED

    @property
    def month_key(self) -> str:
        return self.month.strftime("%Y-%m")


class ShareLink(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A link to one published report for people without a login (the client's management), until it expires.

    Only the SHA-256 of the token is stored: the link is shown once, and a database dump opens nothing.
    """

    __tablename__ = "report_share_links"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="", server_default="")
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                      nullable=True)
    opened_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
