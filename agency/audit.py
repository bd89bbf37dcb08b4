"""The audit log: who did what to which object, when and from where.

``record()`` adds an event to the current unit of work, so it commits (or rolls
back) together with the change it describes. ``record_always()`` is for the few
events that must stay although the request fails (a failed login answers 401 and
rolls back): the request's edge writes them in a transaction of their own.

Reading: each package describes its actions (a translated phrase) and its object
types (a translated noun and a bulk name lookup) from its ``init_app`` through
``describe()``; ``readable()`` turns a page of events into rows a person can read,
with one query per object type rather than one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import BigInteger, ForeignKey, Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from agency import db
from agency.queue import job

_MAX_DETAIL_TEXT = 500
MODEL_MODULES = ()  # the table is defined in this module
_DEFERRED_KEY = "audit_deferred_events"


def init_app(app: Flask) -> None:
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


# --- writing ------------------------------------------------------------------------------

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


def _unproxied(value: Any) -> Any:
    # flask_login's current_user is a werkzeug LocalProxy: its type name is not the object's.
    unwrap = getattr(value, "_get_current_object", None)
    return unwrap() if callable(unwrap) else value


def _event_fields(action: str, *, agency_id: int | None, actor=None, obj=None, object_type: str = "",
                  object_id: Any = "", ip: str = "", details: dict[str, Any] | None = None) -> dict[str, Any]:
    actor, obj = _unproxied(actor), _unproxied(obj)
    details = dict(details or {})
    if obj is not None:
        object_type = object_type or type(obj).__name__.lower()
        object_id = object_id or getattr(obj, "id", "")
        name = getattr(obj, "name", None)
        if isinstance(name, str) and name:
            # The name as it was, so that the entry still reads well once the object is renamed or gone.
            details.setdefault("name", name)
    return {
        "agency_id": agency_id,
        "actor_id": getattr(actor, "id", None),
        "actor_label": (getattr(actor, "email", "") or "")[:320],
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id or "")[:64],
        "ip": (ip or "")[:64],
        "details": _clean(details),
    }


def record(action: str, *, agency_id: int | None, actor=None, obj=None, object_type: str = "",
           object_id: Any = "", ip: str = "", details: dict[str, Any] | None = None) -> AuditEvent:
    """Add an audit event to the current transaction and return it."""
    event = AuditEvent(**_event_fields(action, agency_id=agency_id, actor=actor, obj=obj, object_type=object_type,
                                       object_id=object_id, ip=ip, details=details))
    db.session.add(event)
    db.session.flush()
    return event


def record_always(action: str, *, agency_id: int | None, actor=None, obj=None, object_type: str = "",
                  object_id: Any = "", ip: str = "", details: dict[str, Any] | None = None) -> None:
    """Record an event that stays although the request fails and rolls back (a failed login).

    The event is kept aside and written by the request's edge (``write_deferred``) in a short
    transaction of its own, after the request's own commit or rollback — never half of either.
    """
    if not has_request_context():
        raise RuntimeError("record_always() belongs to a request; jobs and commands use record()")
    fields = _event_fields(action, agency_id=agency_id, actor=actor, obj=obj, object_type=object_type,
                           object_id=object_id, ip=ip, details=details)
    g.setdefault(_DEFERRED_KEY, []).append(fields)


def write_deferred() -> int:
    """Write the events ``record_always`` kept aside in this request and commit them; return how many.

    Called by the request's edge once the request's own transaction has ended.
    """
    pending = g.pop(_DEFERRED_KEY, None) if has_request_context() else None
    if not pending:
        return 0
    session = db.session()
    for fields in pending:
        if fields["agency_id"] is not None:
            scope = db.tenant(session, fields["agency_id"])
        else:
            scope = db.system_scope("audit event without a tenant (a failed login for an unknown address)")
        with scope:
            session.add(AuditEvent(**fields))
            session.flush()
    session.commit()
    return len(pending)


# --- reading ------------------------------------------------------------------------------

#: (agency_id, object ids) -> {object id: display name}; ids are the strings stored in ``object_id``.
NameLookup = Callable[[int, Sequence[str]], Mapping[str, str]]


_BIGINT_MAX = 2**63 - 1


def names_from(model: Any, column: Any = None, *, agency_column: Any = None) -> NameLookup:
    """A ``NameLookup`` reading ``column`` (default ``model.name``) of the agency's ``model`` rows by id.

    ``agency_column`` is the column that holds the agency (default ``model.agency_id``).
    """
    shown = column if column is not None else model.name
    owner = agency_column if agency_column is not None else model.agency_id

    def lookup(agency_id: int, object_ids: Sequence[str]) -> dict[str, str]:
        keys = {int(i) for i in map(str, object_ids) if i.isascii() and i.isdigit() and int(i) <= _BIGINT_MAX}
        if not keys:
            return {}
        rows = db.session.execute(select(model.id, shown).where(owner == agency_id, model.id.in_(keys)))
        return {str(object_id): name for object_id, name in rows if name}

    return lookup


@dataclass(frozen=True)
class ObjectKind:
    """How the audit log names objects of one type."""

    label: Any  # a lazy translation, e.g. "Channel"
    names: NameLookup | None = None


@dataclass
class Vocabulary:
    """What the packages told the audit log about their actions and object types."""

    actions: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, ObjectKind] = field(default_factory=dict)


_VOCABULARY_KEY = "agency.audit"


def vocabulary(app: Flask | None = None) -> Vocabulary:
    """The app's audit vocabulary (created on first use)."""
    app = app or current_app
    found = app.extensions.get(_VOCABULARY_KEY)
    if found is None:
        found = app.extensions[_VOCABULARY_KEY] = Vocabulary()
    return found


def describe(app: Flask, *, actions: Mapping[str, Any] | None = None,
             objects: Mapping[str, ObjectKind] | None = None) -> None:
    """Teach the audit log a package's actions (code -> lazy phrase) and object types (type -> ObjectKind)."""
    found = vocabulary(app)
    found.actions.update(actions or {})
    found.objects.update(objects or {})


def action_label(action: str) -> str:
    """The translated phrase of an action (its code when no package describes it)."""
    phrase = vocabulary().actions.get(action)
    return str(phrase) if phrase is not None else action


def object_kind_label(object_type: str) -> str:
    kind = vocabulary().objects.get(object_type)
    return str(kind.label) if kind is not None else object_type


@dataclass(frozen=True)
class ReadableEvent:
    """An audit event as a person reads it."""

    event: AuditEvent
    actor: str
    action: str
    object_kind: str
    object_name: str
    object_gone: bool = False


def _lookup(agency_id: int, wanted: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """Current names of the wanted objects, one lookup per object type."""
    objects = vocabulary().objects
    found: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        kind = objects.get(object_type)
        if kind is None or kind.names is None or not ids:
            continue
        for object_id, name in kind.names(agency_id, sorted(ids)).items():
            found[(object_type, str(object_id))] = name
    return found


def _stored_name(event: AuditEvent) -> str:
    details = event.details or {}
    for key in ("name", "email", "slug"):
        value = details.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def _actor_name(event: AuditEvent, names: Mapping[tuple[str, str], str]) -> str:
    if event.actor_id is not None:
        current = names.get(("user", str(event.actor_id)))
        if current:
            return current
    if event.actor_label:
        return event.actor_label
    tried = (event.details or {}).get("email")
    if event.actor_id is None and isinstance(tried, str) and tried:
        return tried  # a failed login: the address someone tried
    return _("System")


def readable(events: Sequence[AuditEvent], agency_id: int) -> list[ReadableEvent]:
    """Rows for the audit log page: names resolved in bulk, deleted objects named from the stored details."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.actor_id is not None:
            wanted["user"].add(str(event.actor_id))
        if event.object_type and event.object_id:
            wanted[event.object_type].add(event.object_id)
    names = _lookup(agency_id, wanted)
    objects = vocabulary().objects
    rows = []
    for event in events:
        object_type = event.object_type
        name, gone = "", False
        if object_type and event.object_id:
            name = names.get((object_type, event.object_id), "")
            kind = objects.get(object_type)
            if not name and kind is not None and kind.names is not None:
                gone = True
        if not name:
            name = _stored_name(event) or (f"#{event.object_id}" if event.object_id else "")
        rows.append(ReadableEvent(event=event, actor=_actor_name(event, names), action=action_label(event.action),
                                  object_kind=object_kind_label(object_type) if object_type else "",
                                  object_name=name, object_gone=gone))
    return rows


# --- housekeeping -------------------------------------------------------------------------

def purge_before(cutoff: datetime) -> int:
    """Delete audit events older than ``cutoff``; return how many."""
    result = db.session.execute(
        delete(AuditEvent).where(AuditEvent.created_at < cutoff).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@job("default", timeout=600)
def purge_audit_log(retention_days: int | None = None) -> int:
    """Housekeeping: drop audit events past the retention period (AGENCY_AUDIT_RETENTION_DAYS)."""
    days = int(retention_days or current_app.config["AGENCY"].audit_retention_days)
    if days < 30:
        raise ValueError("audit retention must be at least 30 days")
    with db.system_scope("audit retention applies to every agency"):
        return purge_before(db.utcnow() - timedelta(days=days))
