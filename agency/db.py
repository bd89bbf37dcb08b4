"""Engine, session, declarative base, the tenant backstop and the row-level-security scope.

One scoped session per thread (a request, a job). Services flush; the edges
(request teardown, job wrapper, CLI command) commit. The session's ``info`` holds
the current agency id; while it is set, every ORM SELECT is filtered to that
agency (``with_loader_criteria``) — the second line of tenant isolation behind
the explicit scoping in queries and ``get_scoped_or_404`` — and every transaction
tells PostgreSQL the same, whose row-level security is the third (agency/rls.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, create_engine, event, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    scoped_session,
    sessionmaker,
    with_loader_criteria,
)

from agency import rls

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base: typed columns, timezone-aware datetimes, JSONB dicts."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)


class TenantMixin:
    """A row owned by one agency; filtered by the backstop while a tenant is set."""

    @declared_attr
    def agency_id(cls) -> Mapped[int]:
        return mapped_column(
            BigInteger, ForeignKey("agencies.id", ondelete="CASCADE"), index=True, nullable=False
        )


class WorkspaceMixin(TenantMixin):
    """A row inside one workspace (and so one agency)."""

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:
        return mapped_column(
            BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True, nullable=False
        )


session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))
_engine: Engine | None = None


def sqlalchemy_url(url: str) -> str:
    """Normalise postgres:// and postgresql:// URLs to the psycopg 3 driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise RuntimeError("Agency runs on PostgreSQL only; DATABASE_URL must be a postgresql:// URL")
    return parsed.render_as_string(hide_password=False)


def init_engine(url: str, **kwargs: Any) -> Engine:
    """Create the process-wide engine and bind the scoped session to it."""
    global _engine
    if _engine is not None and str(_engine.url) == str(make_url(sqlalchemy_url(url))):
        return _engine
    if _engine is not None:
        _engine.dispose()
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
    options.update(kwargs)
    _engine = create_engine(sqlalchemy_url(url), **options)
    event.listen(_engine, "connect", _connect_as_app_role)
    session.remove()
    session.configure(bind=_engine)
    return _engine


def _connect_as_app_role(dbapi_connection, connection_record) -> None:
    """Every connection of the app works as ``agency_app`` (row-level security applies, even to a superuser login)."""
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {rls.APP_ROLE}")
            # JIT compiles a query for tens of milliseconds once the planner's cost passes jit_above_cost,
            # which RLS predicates and = ANY(array) estimates reach for OLTP queries that then run in a
            # few milliseconds: our queries are short, so JIT is off for the app's connections.
            cursor.execute("SET jit = off")
        dbapi_connection.commit()  # a session-level setting: it must outlive this first transaction
    except Exception as exc:
        dbapi_connection.rollback()
        raise RuntimeError(
            f"cannot SET ROLE {rls.APP_ROLE} ({type(exc).__name__}: {str(exc)[:200]}): run `agency db upgrade` "
            f"(it creates the role), and grant {rls.APP_ROLE} and {rls.SYSTEM_ROLE} to the database login if it "
            "is not the owner") from exc


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database engine not initialised; call create_app() first")
    return _engine


# --- tenant scoping -------------------------------------------------------------------
#
# Three lines of isolation (DESIGN.md §4): scoped lookups and explicit agencies in queries; the ORM
# backstop below; PostgreSQL row-level security (agency/rls.py). The session's ``info`` says which
# agency the unit of work belongs to (``agency_id``) or that it works across agencies for a named
# reason (``system_reasons``); every transaction starts by telling PostgreSQL the same.

log = logging.getLogger(__name__)


def _scope_of(db_session: Session) -> tuple[str, str]:
    info = db_session.info
    if info.get("system_reasons") or info.get("system_default"):
        return rls.SYSTEM_ROLE, ""
    agency_id = info.get("agency_id")
    return rls.APP_ROLE, "" if agency_id is None else str(int(agency_id))


def _apply_scope(db_session: Session, connection: Connection | None = None) -> None:
    """Set the transaction's role and agency to what the session says (SET LOCAL semantics)."""
    if connection is None:
        if not db_session.in_transaction():
            return  # the next transaction applies it when it begins
        connection = db_session.connection()
    role, agency = _scope_of(db_session)
    # A request switches scope a few times before its first real query (the user is loaded across agencies,
    # then the request works for its agency); a switch to what this transaction already has is skipped.
    applied = (connection, role, agency)
    if db_session.info.get(_APPLIED_SCOPE) == applied:
        return
    connection.exec_driver_sql(
        "SELECT set_config('role', %s, true), set_config('" + rls.AGENCY_SETTING + "', %s, true)", (role, agency))
    db_session.info[_APPLIED_SCOPE] = applied


#: Session info key: the (connection, role, agency) last set in the current transaction.
_APPLIED_SCOPE = "_applied_scope"


@event.listens_for(Session, "after_begin")
def _scope_new_transaction(db_session: Session, transaction, connection: Connection) -> None:
    db_session.info.pop(_APPLIED_SCOPE, None)
    _apply_scope(db_session, connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_applied_scope(db_session: Session, transaction) -> None:
    # SET LOCAL values end with the transaction, and a rolled-back savepoint takes back what was set inside it.
    db_session.info.pop(_APPLIED_SCOPE, None)


def set_tenant(db_session: Session, agency_id: int | None) -> None:
    """Scope this session to ``agency_id``: later ORM SELECTs and row-level security (None: no agency)."""
    db_session.info.pop("system_default", None)
    if agency_id is None:
        db_session.info.pop("agency_id", None)
    else:
        db_session.info["agency_id"] = int(agency_id)
    _apply_scope(db_session)


@contextmanager
def tenant(db_session: Session, agency_id: int | None) -> Iterator[Session]:
    """Work for one agency inside the block, then return to exactly the previous scope."""
    previous = {key: db_session.info[key] for key in ("agency_id", "system_default") if key in db_session.info}
    set_tenant(db_session, agency_id)
    try:
        yield db_session
    finally:
        db_session.info.pop("agency_id", None)
        db_session.info.update(previous)
        if db_session.is_active:
            _apply_scope(db_session)


@contextmanager
def system_scope(reason: str, db_session: Session | None = None) -> Iterator[Session]:
    """Work across agencies (login by e-mail, webhook routing, the SLA scan), named by ``reason``.

    The only way past tenant isolation: inside, the ORM backstop is lifted and the transaction runs as
    ``agency_system`` (every row). Each use is logged with its reason. Code that can name its agency
    uses ``tenant()`` instead; cross-agency jobs list the agencies here, then work agency by agency.
    """
    target = db_session or session()
    previous = target.info.get("agency_id")
    reasons = target.info.setdefault("system_reasons", [])
    reasons.append(reason)
    target.info.pop("agency_id", None)
    log.debug("system scope: %s", reason)
    _apply_scope(target)
    try:
        yield target
    finally:
        reasons.pop()
        if previous is not None:
            target.info["agency_id"] = previous
        if target.is_active:
            _apply_scope(target)


def reset_scope(db_session: Session) -> None:
    """Forget every scope: no agency, no cross-agency reason (the start of a job or command)."""
    for key in ("agency_id", "system_reasons", "system_default"):
        db_session.info.pop(key, None)


@event.listens_for(Session, "do_orm_execute")
def _tenant_backstop(state: ORMExecuteState) -> None:
    agency_id = state.session.info.get("agency_id")
    if agency_id is None:
        return
    if state.is_select and not state.is_column_load and not state.is_relationship_load:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantMixin, lambda cls: cls.agency_id == agency_id, include_aliases=True
            )
        )


def advisory_lock(namespace: str, object_id: int) -> None:
    """Serialise writers of one thing until the transaction ends (``pg_advisory_xact_lock``).

    For create-if-missing writes that two requests may run at once (a double click): the second waits
    for the first's commit and then finds its row instead of colliding on a unique key.
    """
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:namespace, :object_id))"),
                    {"namespace": namespace, "object_id": int(object_id)})


T = TypeVar("T", bound=Base)


def get_in_agency(model: type[T], object_id: Any, agency_id: int) -> T | None:
    """Load one row by primary key, only if it belongs to ``agency_id``."""
    try:
        key = int(object_id)
    except (TypeError, ValueError):
        return None
    if not issubclass(model, TenantMixin):
        raise TypeError(f"{model.__name__} is not tenant-owned")
    obj = session.get(model, key)
    if obj is None or obj.agency_id != agency_id:
        return None
    return obj
