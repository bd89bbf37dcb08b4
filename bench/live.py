"""Live inbox benchmark: 200 server-sent-event clients on one web process while 50 interactions a second are
ingested; the time from the commit to the event at each client (median, 99th percentile), the web
process's memory, and a raw Redis subscriber in this process as the baseline.

The web process is gunicorn as README recommends for the stream: ``-k gthread --workers 1 --threads 256``.
Ingest is simulated as the inbox does it: rows inserted, the ``interactions_received`` signal sent, one commit
for what is due every 50 ms (as a sync commits a page; the live events are published after each commit).

Usage: .venv/bin/python bench/live.py [--clients 200] [--rate 50] [--seconds 20]
Needs PostgreSQL and Redis (BENCH_DATABASE_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres;
BENCH_REDIS_URL, default redis://127.0.0.1:6379/14).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import free_port, fresh_database  # noqa: E402  (bench/ is on sys.path when run as a script)

SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "Bench-Password-2026"
SECRET = "bench-" + "x" * 40
KEY = Fernet.generate_key().decode()


def _app(url: str):
    from agency.app import create_app
    from agency.config import Config

    return create_app(Config(database_url=url, redis_url=REDIS, secret_key=SECRET, encryption_keys=(KEY,),
                             instance_dir=Path("/tmp/agency-bench"), testing=True))


def seed(app) -> dict:
    from agency import db
    from agency.accounts.models import Agency, Role, User, Workspace
    from agency.accounts.passwords import hash_password

    with app.app_context(), db.system_scope("bench: seed"):
        agency = Agency(name="Live Bench", slug="live-bench")
        db.session.add(agency)
        db.session.flush()
        owner = User(agency_id=agency.id, email="owner@live.bench", name="Bench Owner", role=Role.OWNER,
                     password_hash=hash_password(PASSWORD))
        workspace = Workspace(agency_id=agency.id, name="Live Client", slug="live-client")
        db.session.add_all([owner, workspace])
        db.session.commit()
        return {"agency": agency.id, "workspace": workspace.id, "email": owner.email}


def start_web(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "SECRET_KEY": SECRET,
           "AGENCY_ENCRYPTION_KEYS": KEY, "PYTHONPATH": str(ROOT)}
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "--workers", "1", "--threads", "256",
                            "--bind", f"127.0.0.1:{port}", "--timeout", "120", "agency.wsgi:app"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return web
        except requests.RequestException:
            time.sleep(0.3)
    web.kill()
    raise SystemExit("the web process did not start")


def login(base: str, email: str) -> dict:
    import re

    http = requests.Session()
    page = http.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    answer = http.post(f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                       allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"login failed: {answer.status_code}")
    return http.cookies.get_dict()


def client(base: str, cookies: dict, delays: list[float], connected: threading.Event, counter: list,
           stop: threading.Event) -> None:
    with requests.get(f"{base}/inbox/events", cookies=cookies, stream=True, timeout=(10, 60),
                      headers={"Accept": "text/event-stream"}) as response:
        buffer = b""
        for chunk in response.iter_content(chunk_size=None):
            now = time.time()
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                if block.startswith(b"retry:"):
                    counter.append(1)
                    if len(counter) > counter[0]:
                        connected.set()
                elif block.startswith(b"event: item"):
                    payload = json.loads(block.split(b"data: ", 1)[1])
                    delays.extend([now - payload["at"]] * len(payload["ids"]))
            if stop.is_set():
                return


def raw_subscriber(delays: list[float], ready: threading.Event, stop: threading.Event) -> None:
    from redis import Redis

    pubsub = Redis.from_url(REDIS).pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("agency:live:*")
    pubsub.get_message(timeout=1)
    ready.set()
    while not stop.is_set():
        message = pubsub.get_message(timeout=0.5)
        if message and message["type"] == "pmessage":
            payload = json.loads(message["data"])
            delays.extend([time.time() - payload["at"]] * len(payload["ids"]))


def ingest(app, ids: dict, rate: int, seconds: int) -> int:
    from agency import db
    from agency.inbox.models import Interaction
    from agency.inbox.signals import interactions_received

    sender = SimpleNamespace(agency_id=ids["agency"], workspace_id=ids["workspace"])
    done, started = 0, time.monotonic()
    with app.app_context():
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * rate)
            if due > done:  # what is due now, in one transaction (as a sync commits a page)
                with db.tenant(db.session(), ids["agency"]):
                    rows = [Interaction(agency_id=ids["agency"], workspace_id=ids["workspace"],
                                        platform="facebook_page", external_id=f"bench-{n}", kind="comment",
                                        author_name="Fan", text="Wann habt ihr offen?",
                                        platform_created_at=datetime.now(UTC)) for n in range(done, due)]
                    db.session.add_all(rows)
                    db.session.flush()
                    interactions_received.send(sender, interaction_ids=[row.id for row in rows])
                    db.session.commit()
                done = due
            time.sleep(0.05)
    return done


def rss_kib(pid: int) -> int:
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _quantiles(values: list[float]) -> str:
    if not values:
        return "no events"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms ({len(ordered):,} events)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    from agency.cli import upgrade_database

    url = fresh_database(SERVER, "agency_bench_live")
    upgrade_database(url)
    app = _app(url)
    ids = seed(app)
    port = free_port()
    web = start_web(url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies = login(base, ids["email"])
        idle_kib = rss_kib(web.pid)
        delays: list[float] = []
        raw: list[float] = []
        connected, stop, raw_ready = threading.Event(), threading.Event(), threading.Event()
        counter = [args.clients]  # first element: how many hellos make "all connected"
        threads = [threading.Thread(target=client, args=(base, cookies, delays, connected, counter, stop),
                                    daemon=True) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        threading.Thread(target=raw_subscriber, args=(raw, raw_ready, stop), daemon=True).start()
        if not connected.wait(60):
            raise SystemExit(f"only {len(counter) - 1} of {args.clients} clients connected")
        raw_ready.wait(5)
        connected_kib = rss_kib(web.pid)
        sent = ingest(app, ids, args.rate, args.seconds)
        time.sleep(2)
        busy_kib = rss_kib(web.pid)
        stop.set()
        load = os.getloadavg()
        print(f"{args.clients} SSE clients on one gunicorn process (gthread, 256 threads); {sent} interactions "
              f"in {args.seconds} s ({sent / args.seconds:.0f}/s), a commit every 50 ms")
        print(f"commit -> event at an SSE client: {_quantiles(delays)}")
        print(f"commit -> raw Redis subscriber in this process (baseline): {_quantiles(raw)}")
        if delays and raw:
            print(f"ratio of medians (SSE / raw Redis): {statistics.median(delays) / statistics.median(raw):.1f}")
        print(f"events expected at the clients: {sent * args.clients:,}, received: {len(delays):,}")
        print(f"web process memory (RSS, master + worker): idle {idle_kib / 1024:.0f} MiB, with {args.clients} "
              f"streams {connected_kib / 1024:.0f} MiB, after the ingest {busy_kib / 1024:.0f} MiB")
        print(f"load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        web.terminate()
        try:
            web.wait(20)
        except subprocess.TimeoutExpired:
            web.kill()


if __name__ == "__main__":
    main()
