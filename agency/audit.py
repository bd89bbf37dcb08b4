"""The audit log: who did what to which object, when and from where.

``record()`` adds an event to the current unit of work, so it commits (or rolls
back) together with the change it describes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, delete, func
from sqlalchemy.orm import Mapped, mapped_column

from agency import db
from agency.queue import job

_MAX_DETAIL_TEXT = 500
MODEL_MODULES = ()  # the table is defined in this module


def init_app(app) -> None:
    """Wire the audit log's housekeeping into the scheduler."""
    from agency import wiring

    wiring.add_periodic(app, purge_audit_log, cron="17 3 * * *")


class AuditEvent(db.Base):
    """One audited action. ``agency_id`` is empty only for events without a tenant
    (a failed login for an unknown e-mail address)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_agency_time", "agency_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("agencies.id", ondelete="CASCADE"), nullable=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    actor_label: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value[:_MAX_DETAIL_TEXT]
    if isinstance(value, dict):
        return {str(k)[:64]: _clean(v) for k, v in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in list(value)[:50]]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value)[:_MAX_DETAIL_TEXT]


def record(action: str, *, agency_id: int | None, actor=None, obj=None, object_type: str = "",
           object_id: Any = "", ip: str = "", details: dict[str, Any] | None = None) -> AuditEvent:
    """Add an audit event to the current transaction and return it."""
    if obj is not None:
        object_type = object_type or type(obj).__name__.lower()
        object_id = object_id or getattr(obj, "id", "")
    event = AuditEvent(
        agency_id=agency_id,
        actor_id=getattr(actor, "id", None),
        actor_label=(getattr(actor, "email", "") or "")[:320],
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        ip=(ip or "")[:64],
        details=_clean(details or {}),
    )
    db.session.add(event)
    db.session.flush()
    return event


def purge_before(cutoff: datetime) -> int:
    """Delete audit events older than ``cutoff``; return how many."""
    result = db.session.execute(
        delete(AuditEvent).where(AuditEvent.created_at < cutoff).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@job("default", timeout=600)
def purge_audit_log(retention_days: int | None = None) -> int:
    """Housekeeping: drop audit events past the retention period (AGENCY_AUDIT_RETENTION_DAYS)."""
    from flask import current_app

    days = int(retention_days or current_app.config["AGENCY"].audit_retention_days)
    if days < 30:
        raise ValueError("audit retention must be at least 30 days")
    with db.system_scope("audit retention applies to every agency"):
        return purge_before(db.utcnow() - timedelta(days=days))
