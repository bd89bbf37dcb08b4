"""People: one profile per fan of a workspace, with the platform identities (author ids) that are theirs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from agency import db


class Person(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A fan as staff know them: a name, labels (VIP, press, troll ... and free ones), a note."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(300))
    #: fixed keys (``vip``, ``press``, ...) or free labels as staff typed them
    labels: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default=sql("'{}'"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: the list's figures, kept by ``services.refresh_stats`` at ingest, merge, split and the hourly catch-up
    interaction_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)


class PersonIdentity(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """One platform id of a person: the same author id on two channels of one platform is one identity."""

    __tablename__ = "person_identities"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "author_external_id",
                         name="uq_person_identities_workspace_platform_author"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    author_external_id: Mapped[str] = mapped_column(String(255))
    #: the name the author had on the platform when the identity was made
    author_name: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: the channel the author was first seen on
    channel_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("channels.id", ondelete="SET NULL"), nullable=True)
