"""In-app notifications for staff: a bell with an unread count and a notifications page.

Any domain may notify users (a channel needing re-authorisation, an SLA warning).
A ``dedupe_key`` makes a notification happen once per key and user, also when the
job that raises it runs twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, lazyload, mapped_column

from agency import db
from agency.accounts.models import Membership, Role, User


class Notification(db.TenantMixin, db.Base):
    """One message for one user."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("uq_notifications_user_dedupe", "user_id", "dedupe_key", unique=True),
        Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(48))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)


def workspace_team(agency_id: int, workspace_id: int) -> list[User]:
    """Active staff who work in a workspace: its assigned staff plus owners and admins."""
    assigned = select(Membership.user_id).where(Membership.workspace_id == workspace_id)
    stmt = select(User).where(
        User.agency_id == agency_id, User.is_active_user.is_(True), User.role != Role.CLIENT,
        (User.id.in_(assigned)) | (User.role.in_((Role.OWNER, Role.ADMIN))),
    ).options(lazyload(User.memberships))  # a team list (assignee menus, recipients): their memberships stay unread
    return list(db.session.scalars(stmt))


def notify(users: Iterable[User], *, kind: str, title, body="", link: str = "",
           dedupe_key: str, workspace_id: int | None = None) -> int:
    """Create one notification per user unless that user already has ``dedupe_key``; return how many.

    ``title`` and ``body`` may be lazy strings (``lazy_gettext``): each is rendered in the
    recipient's language.
    """
    from flask_babel import force_locale

    rows = []
    for u in users:
        with force_locale(u.locale or u.agency.default_locale or "de"):
            rows.append({"agency_id": u.agency_id, "user_id": u.id, "workspace_id": workspace_id, "kind": kind,
                         "title": str(title)[:300], "body": str(body)[:5000], "link": link[:500],
                         "dedupe_key": dedupe_key[:200]})
    if not rows:
        return 0
    stmt = insert(Notification).values(rows).on_conflict_do_nothing(
        index_elements=["user_id", "dedupe_key"]).returning(Notification.id)
    return len(db.session.execute(stmt).all())


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def recent(user_id: int, limit: int = 100) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return db.session.execute(stmt.values(read_at=db.utcnow())).rowcount or 0
