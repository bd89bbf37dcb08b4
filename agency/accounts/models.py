"""Agencies (tenants), users, workspaces (client companies) and memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency import db
from agency.crypto import EncryptedText


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    ACCOUNT_MANAGER = "account_manager"
    COMMUNITY_MANAGER = "community_manager"
    CLIENT = "client"


STAFF_ROLES = (Role.OWNER, Role.ADMIN, Role.ACCOUNT_MANAGER, Role.COMMUNITY_MANAGER)
LOCALES = ("de", "en")
ADDRESS_FORMS = ("sie", "du")


class Agency(db.TimestampMixin, db.Base):
    """A tenant: one agency with its staff, clients and settings."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    default_locale: Mapped[str] = mapped_column(String(5), default="de")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    primary_color: Mapped[str] = mapped_column(String(7), default="#2f5d8a")
    # A raster logo only (PNG/JPEG, checked by magic bytes): SVG could carry script.
    logo_data: Mapped[bytes | None] = mapped_column(nullable=True, deferred=True)
    logo_mimetype: Mapped[str | None] = mapped_column(String(32), nullable=True)
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        CheckConstraint("primary_color ~ '^#[0-9a-fA-F]{6}$'", name="primary_color_hex"),
        CheckConstraint("char_length(currency) = 3", name="currency_iso"),
    )


class User(db.TenantMixin, db.TimestampMixin, db.Base):
    """A person who logs in: agency staff or a client contact."""

    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
        CheckConstraint(
            "role in ('owner','admin','account_manager','community_manager','client')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    is_active_user: Mapped[bool] = mapped_column("is_active", Boolean, default=True, server_default=text("true"))
    #: the user asked for desktop notifications (the browser's permission is asked separately, on a click)
    desktop_notifications: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Bumped on deactivation and password change: sessions carrying an older value end.
    session_generation: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return bool(self.is_active_user)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The agency rides along so that loading the user of a session can run in its agency's scope at once.
        return f"{self.id}:{self.session_generation}:{self.agency_id}"

    @property
    def is_staff(self) -> bool:
        return self.role != Role.CLIENT

    @property
    def sees_all_workspaces(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def has_2fa(self) -> bool:
        return self.totp_enabled_at is not None


class Workspace(db.TenantMixin, db.TimestampMixin, db.Base):
    """A client company the agency works for."""

    __tablename__ = "workspaces"
    __table_args__ = (
        UniqueConstraint("agency_id", "slug", name="uq_workspaces_agency_slug"),
        CheckConstraint("address_form in ('sie','du')", name="address_form_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    locale: Mapped[str] = mapped_column(String(5), default="de")
    address_form: Mapped[str] = mapped_column(String(3), default="sie")
    country: Mapped[str] = mapped_column(String(2), default="DE")
    subdivision: Mapped[str | None] = mapped_column(String(8), nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(db.TenantMixin, db.TimestampMixin, db.Base):
    """Assigns a staff user to a workspace, or attaches a client user to theirs."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "workspace_id", name="uq_memberships_user_workspace"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship(back_populates="memberships")
    workspace: Mapped[Workspace] = relationship(back_populates="memberships", lazy="joined")


class RecoveryCode(db.TenantMixin, db.Base):
    """A one-time 2FA recovery code, stored as a SHA-256 digest (the codes are random)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
