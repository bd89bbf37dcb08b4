"""Helpers the benchmark scripts share (run them as ``python bench/<name>.py``)."""

from __future__ import annotations

import socket

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def fresh_database(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``server_url``; return its URL."""
    from agency.db import sqlalchemy_url

    server = make_url(sqlalchemy_url(server_url))
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
