"""API benchmark: the interactions list through ``/api/v1`` at 1,000,000 interactions, and webhook fan-out.

1. ``GET /api/v1/interactions`` (bearer token, scopes, rate limit, JSON schema, ETag) for a community manager
   with 10 workspaces: the first page and the 50th page (keyset cursor), median and p95 of the whole request
   in-process (Flask test client), next to the same page from ``list_page`` alone (the baseline: the ratio is
   what the API layer adds). Target (issue 16): median <= 50 ms.
2. Webhook fan-out: 1,000 events to 10 subscribers (10,000 signed deliveries) — rows and jobs written by
   ``emit``, then every delivery POSTed by the real ``deliver`` job code to a local receiver; prints events/s
   and deliveries/s, and a bare ``requests.post`` loop to the same receiver as the baseline.

Usage: .venv/bin/python bench/api.py [--rows 1000000] [--repeat 30] [--events 1000] [--subscribers 10]
Needs PostgreSQL (BENCH_DATABASE_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres) and Redis.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.inbox as inbox_bench  # noqa: E402  (the same 1M-row data set, in a database of its own)

inbox_bench.DB_NAME = "agency_bench_api"


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), inbox_bench.percentile(times, 95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=10)
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = inbox_bench.prepare(server, args.rows)
    from agency.cli import upgrade_database

    upgrade_database(url)  # a reused data set gets this branch's tables too
    os.environ.update(DATABASE_URL=url, REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
                      SECRET_KEY="bench", AGENCY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                      AGENCY_INSTANCE_DIR=str(ROOT / "instance" / "bench"))
    from sqlalchemy import delete, select

    from agency import db
    from agency.accounts.models import User
    from agency.accounts.queries import visible_workspace_ids
    from agency.api import tokens, webhooks
    from agency.api.models import ApiToken, WebhookDelivery, WebhookSubscription
    from agency.app import create_app
    from agency.inbox.queries import InboxFilter, list_page
    from agency.queue import get_queue

    app = create_app()
    app.config["API_RATE_LIMIT"] = 10_000_000
    failures = 0
    with app.app_context():
        with db.tenant(db.session(), 1):
            user = db.session.get(User, 1)
            db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
            _token, secret = tokens.create_token(user, name="bench", scopes=["interactions:read"], expires_in_days=1)
            workspace_ids = sorted(visible_workspace_ids(user))
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        cursor = None
        for _ in range(49):
            cursor = client.get("/api/v1/interactions", query_string={"status": "all", **(
                {"cursor": cursor} if cursor else {})}, headers=headers).json["next_cursor"]
        print(f"1) GET /api/v1/interactions?status=all — {args.rows:,} interactions, a community manager with "
              f"{len(workspace_ids)} workspaces, {args.repeat} runs each")
        flt = InboxFilter(workspace_ids=workspace_ids, status="all")
        for label, after in (("page 1", None), ("page 50", cursor)):
            query = {"status": "all", **({"cursor": after} if after else {})}
            api_median, api_p95 = _timed(lambda q=query: client.get("/api/v1/interactions", query_string=q,
                                                                   headers=headers), args.repeat)

            def raw(after=after):
                with db.tenant(db.session(), 1):
                    list_page(flt, 1, after=after)
                    db.session.expire_all()

            raw_median, _raw_p95 = _timed(raw, args.repeat)
            ok = api_median <= 50
            failures += not ok
            print(f"   {label:<8} API median {api_median:6.1f} ms  p95 {api_p95:6.1f} ms   list_page alone "
                  f"{raw_median:6.1f} ms   ratio {api_median / raw_median:4.2f}   {'ok' if ok else 'OVER TARGET'}")

        sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        target = f"127.0.0.1:{sink.server_address[1]}"
        app.config["WEBHOOK_ALLOWED_TARGETS"] = (target,)
        queue = get_queue("webhooks")
        queue.empty()
        with db.tenant(db.session(), 1):
            db.session.execute(delete(WebhookSubscription).where(WebhookSubscription.agency_id == 1))
            db.session.add_all([WebhookSubscription(agency_id=1, url=f"http://{target}/hook/{n}",
                                                    events=["interaction.updated"], secret=f"whsec_{n}")
                                for n in range(args.subscribers)])
            db.session.commit()
            started = time.perf_counter()
            for n in range(args.events):
                webhooks.emit(1, None, "interaction.updated", {"interaction": {"id": n, "text": "Frage " * 20}})
            db.session.commit()
            emit_seconds = time.perf_counter() - started
            ids = list(db.session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.agency_id == 1)))
        queue.empty()  # the deliveries run below, in this process, through the job's own code
        started = time.perf_counter()
        for delivery_id in ids:
            webhooks.deliver.run_inline(1, delivery_id)
        deliver_seconds = time.perf_counter() - started
        with db.tenant(db.session(), 1):
            delivered = db.session.scalar(select(db.func.count(WebhookDelivery.id)).where(
                WebhookDelivery.state == "delivered"))
        import requests

        body = b'{"id":"evt_x","type":"interaction.updated","data":{}}'
        started = time.perf_counter()
        with requests.Session() as http:
            for _ in range(min(len(ids), 2000)):
                http.post(f"http://{target}/hook/0", data=body,
                          headers={"Agency-Signature": webhooks.sign("whsec_x", body)}, timeout=5)
        bare_rate = min(len(ids), 2000) / (time.perf_counter() - started)
        rate = len(ids) / deliver_seconds
        print(f"2) webhook fan-out: {args.events:,} events x {args.subscribers} subscribers = {len(ids):,} deliveries "
              f"({delivered:,} delivered)")
        print(f"   emit (rows + queued jobs): {args.events / emit_seconds:8.0f} events/s")
        print(f"   delivery (deliver job: load, sign, guarded POST, record): {rate:8.0f} deliveries/s in one process;"
              f" bare requests.post loop {bare_rate:8.0f}/s, ratio {rate / bare_rate:4.2f}")
        sink.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
