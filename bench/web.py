"""Web benchmark: the staff pages under load, served by gunicorn as in production.

Reuses bench/inbox.py's database (200 workspaces, 1,000,000 interactions; created on the first run), starts
gunicorn (2 workers x 4 threads, the production app) on loopback, logs in as a community manager with 10
workspaces and as an owner, and drives a bounded asyncio HTTP/1.1 load generator (keep-alive connections,
no third-party client) at 8 and 32 connections against anonymous /healthz (the baseline), logged-in /healthz,
the dashboard, /inbox/, a workspace inbox, a thread and /sla. Prints per route: req/s as a share of the
baseline, p50/p99 latency, errors, bytes per page; then, measured in-process on the same database, SQL
statements per request and the share of server time spent rendering templates.

Targets (issue 10): logged-in /healthz >= 70 % of the baseline; dashboard and thread >= 40 %; inbox and SLA
board >= 30 %; p99 <= 300 ms at 32 connections; no page over 30 KB of HTML per 50 rows.
The machine's load average is printed with every figure: on a busy machine the shares are what compares.

Usage: .venv/bin/python bench/web.py [--seconds 8] [--connections 8 32] [--role community_manager owner]
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import free_port  # noqa: E402

PASSWORD = "Bench-Passwort-2026"
CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def prepare_users(url: str) -> None:
    """The measured logins: CM 1 (10 workspaces of agency 1) and an owner of agency 1, with a real password."""
    from agency.accounts.passwords import hash_password

    engine = create_engine(url)
    with engine.begin() as conn:
        password_hash = hash_password(PASSWORD)
        conn.execute(text("UPDATE users SET password_hash = :h WHERE id = 1"), {"h": password_hash})
        conn.execute(text("""
            INSERT INTO users (agency_id, email, name, role, password_hash)
            SELECT 1, 'owner@bench.test', 'Bench Owner', 'owner', :h
            WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = 'owner@bench.test')"""), {"h": password_hash})
        conn.execute(text("UPDATE users SET password_hash = :h WHERE email = 'owner@bench.test'"),
                     {"h": password_hash})
    engine.dispose()


def login(base: str, email: str) -> str:
    """Log in through the real form; return the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = CSRF_RE.search(page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(base + "/login", data=data).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(base + "/inbox/", headers={"Cookie": cookie})
    with urllib.request.urlopen(check) as response:
        if response.status != 200 or "/login" in response.geturl():
            raise RuntimeError(f"login as {email} failed")
    return cookie


async def _request(reader, writer, host: str, path: str, cookie: str | None) -> tuple[int, int]:
    headers = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Language: de\r\n"
    if cookie:
        headers += f"Cookie: {cookie}\r\n"
    writer.write((headers + "\r\n").encode())
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status, length
    size = 0
    while True:
        chunk = int((await reader.readline()).strip(), 16)
        await reader.readexactly(chunk + 2)
        size += chunk
        if chunk == 0:
            return status, size


async def drive(host: str, port: int, path: str, cookie: str | None, connections: int,
                seconds: float) -> dict:
    """``connections`` keep-alive clients, each sending the next request when the last answered."""
    latencies: list[float] = []
    sizes: list[int] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    status, size = await _request(reader, writer, f"{host}:{port}", path, cookie)
                except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - started)
                sizes.append(size)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {"rps": len(latencies) / elapsed, "p50": statistics.median(ordered) * 1000,
            "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, "errors": errors,
            "bytes": int(statistics.median(sizes)) if sizes else 0, "n": len(latencies)}


def in_process_profile(url: str, routes: dict[str, str], email: str) -> dict[str, tuple[int, float]]:
    """SQL statements per request and the share of server time spent rendering, via the app in this process."""
    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    from agency import db
    from agency.app import create_app

    app = create_app()
    result = {}
    # No app context around the client: each request gets its own, as under gunicorn (g is per request).
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    statements: list[str] = []
    rendering = {"depth": 0, "started": 0.0, "total": 0.0}

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def render_started(sender, template, context, **extra):
        if rendering["depth"] == 0:
            rendering["started"] = time.perf_counter()
        rendering["depth"] += 1

    def render_finished(sender, template, context, **extra):
        rendering["depth"] -= 1
        if rendering["depth"] == 0:
            rendering["total"] += time.perf_counter() - rendering["started"]

    event.listen(db.get_engine(), "before_cursor_execute", count)
    before_render_template.connect(render_started, app)
    template_rendered.connect(render_finished, app)
    for name, path in routes.items():
        client.get(path)  # warm: templates compiled, first-visit writes done
        statements.clear()
        rendering["total"] = 0.0
        runs, started = 5, time.perf_counter()
        for _ in range(runs):
            client.get(path)
        total = time.perf_counter() - started
        result[name] = (len(statements) // runs, rendering["total"] / total if total else 0.0)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--role", nargs="+", default=["community_manager", "owner"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--profile-only", action="store_true", help="only the in-process statements and rendering")
    args = parser.parse_args()

    import inbox as inbox_bench

    server = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = inbox_bench.prepare(server, args.rows)
    from agency.cli import upgrade_database

    upgrade_database(url)
    prepare_users(url)
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
               SECRET_KEY="bench-web", AGENCY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
               AGENCY_INSTANCE_DIR=str(ROOT / "instance" / "bench"), PYTHONPATH=str(ROOT))
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "AGENCY_ENCRYPTION_KEYS",
                                           "AGENCY_INSTANCE_DIR")})
    engine = create_engine(url)
    with engine.connect() as conn:
        slug = conn.execute(text("SELECT slug FROM workspaces WHERE id = 1")).scalar()
        thread_id = conn.execute(text(
            "SELECT id FROM interactions WHERE workspace_id = 1 AND status IN ('new','open','waiting') "
            "ORDER BY platform_created_at DESC LIMIT 1")).scalar()
    engine.dispose()
    port = free_port()
    host = "127.0.0.1"
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"{host}:{port}",
         "--log-level", "warning", "agency.wsgi:app"], env=env, cwd=str(ROOT))
    base = f"http://{host}:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        routes = {"/healthz logged in": "/healthz", "dashboard /": "/", "/inbox/": "/inbox/",
                  "workspace inbox": f"/w/{slug}/inbox/", "thread": f"/w/{slug}/inbox/{thread_id}", "/sla": "/sla"}
        emails = {"community_manager": "cm1@bench.test", "owner": "owner@bench.test"}
        print(f"gunicorn 2 workers x 4 threads on {base}; {args.seconds:.0f} s per route and concurrency; "
              f"{load()}")
        failures = 0
        for role in [] if args.profile_only else args.role:
            cookie = login(base, emails[role])
            for connections in args.connections:
                for path in ("/healthz", *routes.values()):  # warm every worker's caches
                    asyncio.run(drive(host, port, path, cookie, min(connections, 8), 0.5))
                baseline = asyncio.run(drive(host, port, "/healthz", None, connections, args.seconds))
                print(f"\n{role}, {connections} connections — anonymous /healthz {baseline['rps']:.0f} req/s, "
                      f"p99 {baseline['p99']:.0f} ms ({load()})")
                print(f"  {'route':<22} {'req/s':>7} {'share':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
                      f"{'bytes':>7}")
                for name, path in routes.items():
                    figures = asyncio.run(drive(host, port, path, cookie, connections, args.seconds))
                    share = figures["rps"] / baseline["rps"] * 100 if baseline["rps"] else 0.0
                    target = 70 if name.startswith("/healthz") else 40 if name in ("dashboard /", "thread") else 30
                    ok = share >= target and figures["errors"] == 0 and (connections < 32 or figures["p99"] <= 300)
                    failures += not ok
                    print(f"  {name:<22} {figures['rps']:7.1f} {share:5.1f}% {figures['p50']:7.1f} "
                          f"{figures['p99']:7.1f} {figures['errors']:6d} {figures['bytes']:7d}  "
                          f"{'ok' if ok else 'UNDER TARGET'} (>= {target} %)  {load()}")
        print("\nIn-process, same database (5 requests each):")
        for role in args.role:
            profile = in_process_profile(url, routes, emails[role])
            for name, (count, share) in profile.items():
                print(f"  {role:<18} {name:<22} {count:3d} SQL statements/request   rendering {share * 100:4.0f} % "
                      "of server time")
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
