"""Engine, session, declarative base and the tenant backstop.

One scoped session per thread (a request, a job). Services flush; the edges
(request teardown, job wrapper, CLI command) commit. The session's ``info`` holds
the current agency id; while it is set, every ORM SELECT is filtered to that
agency (``with_loader_criteria``) — the second line of tenant isolation behind
the explicit scoping in queries and ``get_scoped_or_404``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, create_engine, event, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine, make_url
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
    session.remove()
    session.configure(bind=_engine)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database engine not initialised; call create_app() first")
    return _engine


# --- tenant scoping -------------------------------------------------------------------

def set_tenant(db_session: Session, agency_id: int | None) -> None:
    """Scope every later ORM SELECT of this session to ``agency_id`` (None lifts it)."""
    if agency_id is None:
        db_session.info.pop("agency_id", None)
    else:
        db_session.info["agency_id"] = int(agency_id)


@contextmanager
def tenant(db_session: Session, agency_id: int | None) -> Iterator[Session]:
    previous = db_session.info.get("agency_id")
    set_tenant(db_session, agency_id)
    try:
        yield db_session
    finally:
        set_tenant(db_session, previous)


@contextmanager
def system_scope(reason: str, db_session: Session | None = None) -> Iterator[Session]:
    """Work across agencies (login by e-mail, webhook routing, the SLA scan), named by ``reason``.

    The only way past tenant isolation: the ORM backstop is lifted inside. Code that can name its
    agency uses ``tenant()`` instead; cross-agency jobs list the agencies here, then work agency by agency.
    """
    target = db_session or session()
    previous = target.info.get("agency_id")
    reasons = target.info.setdefault("system_reasons", [])
    reasons.append(reason)
    set_tenant(target, None)
    try:
        yield target
    finally:
        reasons.pop()
        set_tenant(target, previous)


@event.listens_for(Session, "do_orm_execute")
def _tenant_backstop(state: ORMExecuteState) -> None:
    agency_id = state.session.info.get("agency_id")
    if agency_id is None or state.execution_options.get("all_tenants", False):
        return
    if state.is_select and not state.is_column_load and not state.is_relationship_load:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantMixin, lambda cls: cls.agency_id == agency_id, include_aliases=True
            )
        )


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
