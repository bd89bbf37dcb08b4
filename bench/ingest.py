"""Ingest benchmark: N interactions from the sandbox through the real sync pipeline.

Prints, in one run:
  * end-to-end: `agency sync` in a child process (HTTP to a sandbox process, parse, classify, upsert,
    a commit per page) — interactions/s and the child's peak memory;
  * the pipeline without HTTP: the same items, already fetched, through ingest_items with a commit
    per page — interactions/s;
  * the baseline: the same rows bulk-upserted by raw psycopg (executemany, ON CONFLICT) — rows/s;
  * the ratio pipeline/baseline.

Targets (issue 3): end-to-end >= 2,000/s on one worker; pipeline >= 25% of the raw upsert rate;
peak worker memory < 500 MB.

Usage: .venv/bin/python bench/ingest.py [--items 100000] [--platform youtube_channel]
Needs PostgreSQL and Redis (BENCH_DATABASE_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres;
BENCH_REDIS_URL, default redis://127.0.0.1:6379/13).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import free_port, fresh_database  # noqa: E402  (bench/ is on sys.path when run as a script)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--platform", default="youtube_channel",
                        choices=["youtube_channel", "google_business_profile", "instagram_business", "facebook_page"])
    parser.add_argument("--no-end-to-end", action="store_true", help="skip the `agency sync` child process")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the pipeline without HTTP and print its top functions")
    args = parser.parse_args()

    server = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    database_url = fresh_database(server, "agency_bench_ingest")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "SECRET_KEY": "bench-secret", "AGENCY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "AGENCY_INSTANCE_DIR": str(ROOT / "instance" / "bench")}
    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    env.update(META_GRAPH_BASE=f"{sandbox_url}/graph/v26.0", GOOGLE_API_BASE=f"{sandbox_url}/google",
               GOOGLE_ACCOUNTS_BASE=f"{sandbox_url}/google", GOOGLE_INFO_BASE=f"{sandbox_url}/google",
               YOUTUBE_API_BASE=f"{sandbox_url}/youtube/v3")
    os.environ.update(env)
    sandbox = subprocess.Popen([sys.executable, "-m", "agency.cli", "sandbox", "--port", str(port),
                                "--no-default-accounts"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        return run(args, env, sandbox_url, database_url)
    finally:
        sandbox.terminate()
        sandbox.wait(10)


def run(args, env, sandbox_url: str, database_url: str) -> int:
    from agency import db
    from agency.app import create_app
    from agency.cli import upgrade_database

    upgrade_database(database_url)
    for _ in range(100):
        try:
            requests.get(f"{sandbox_url}/_sandbox/accounts", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    account_id = {"google_business_profile": "accounts/9/locations/9",
                  "youtube_channel": "UCbench000000000000000001"}.get(args.platform, "900000001")
    created = requests.post(f"{sandbox_url}/_sandbox/bulk", json={
        "platform": args.platform, "account_id": account_id, "name": "Bench", "token": "bench-token",
        "items": args.items, "days": 30}, timeout=30)
    created.raise_for_status()

    app = create_app()
    with app.app_context(), db.system_scope("bench: the agency, workspace and channels"):
        from agency.accounts.services import create_agency, create_workspace
        from agency.channels.models import Channel
        from agency.channels.services import connect_channel

        agency, owner = create_agency("Bench Agentur", "bench@example.com", "Bench", "Lindgrün-Ahorn-Kompass-7")
        ws = create_workspace(owner, name="Bench Client")
        channel = connect_channel(owner, ws, platform=args.platform, account_id=account_id, token="bench-token",
                                  backfill_days=31)
        # The raw baseline and the no-HTTP pipeline write under their own channels; those never reach
        # the platform, so they are plain rows without confirmed credentials.
        pipeline_channel, raw_channel = (
            Channel(agency_id=agency.id, workspace_id=ws.id, platform=args.platform,
                    external_account_id=f"{account_id}-{suffix}", name=f"Bench {suffix}", access_token="unused",
                    backfill_days=31) for suffix in ("pipeline", "raw"))
        db.session.add_all([pipeline_channel, raw_channel])
        db.session.commit()
        ids = (agency.id, ws.id, channel.id, pipeline_channel.id, raw_channel.id)

    # 1. End to end in a child process: `agency sync` (what a worker runs), with its peak memory.
    if args.no_end_to_end:
        return run_without_http(args, app, ids, account_id, database_url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "agency.cli", "sync", str(ids[2])], env=env,
                            capture_output=True, text=True)
    e2e_seconds = time.perf_counter() - started
    peak_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    if result.returncode != 0:
        print(result.stderr[-3000:])
        return 1
    with app.app_context(), db.tenant(db.session(), ids[0]):
        stored = db.session.execute(text("SELECT count(*) FROM interactions WHERE channel_id = :c"),
                                    {"c": ids[2]}).scalar()
    print(f"items on the sandbox: {args.items:,} ({args.platform})")
    print(f"end-to-end sync: {stored:,} interactions in {e2e_seconds:.1f} s = {stored / e2e_seconds:,.0f} /s "
          f"(child output: {result.stdout.strip()})")
    print(f"sync worker peak memory (max RSS): {peak_mb:,.0f} MB")

    return run_without_http(args, app, ids, account_id, database_url, e2e_rate=stored / e2e_seconds,
                            peak_mb=peak_mb)


def run_without_http(args, app, ids, account_id: str, database_url: str, *, e2e_rate: float | None = None,
                     peak_mb: float | None = None) -> int:
    from agency import db
    from agency.channels.models import Channel

    # 2. Fetch once (HTTP + parse), then the pipeline without HTTP over the same pages.
    with app.app_context():
        from datetime import timedelta

        from agency.channels.access import connector_for_account
        from agency.inbox.ingest import ingest_items

        connector = connector_for_account(args.platform, account_id, "bench-token")
        started = time.perf_counter()
        pages = [page.items for page in connector.iter_pages(None, db.utcnow() - timedelta(days=31))]
        fetch_seconds = time.perf_counter() - started
        items = [i for page in pages for i in page]
        print(f"fetch only (HTTP + parse): {len(items):,} items in {fetch_seconds:.1f} s = "
              f"{len(items) / fetch_seconds:,.0f} /s")
        with db.tenant(db.session(), ids[0]):
            target = db.session.get(Channel, ids[3])
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            started = time.perf_counter()
            sync_cache: dict = {}  # as `agency sync` does: one per sync
            for page in pages:
                ingest_items(target, page, default_language="de", sync_cache=sync_cache)
                db.session.commit()
            pipeline_seconds = time.perf_counter() - started
            if profiler is not None:
                import pstats

                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pipeline_rate = len(items) / pipeline_seconds
        print(f"pipeline without HTTP (dedupe, classify, upsert, commit per page): {pipeline_rate:,.0f} /s")

    # 3. Baseline: the same rows, raw psycopg executemany upsert, a commit per page.
    import psycopg

    rows_by_page = [[(ids[0], ids[1], ids[4], args.platform, i.external_id, i.kind, i.author_name[:300],
                      i.author_external_id, i.text, i.rating, i.created_at, i.parent_external_id,
                      i.thread_external_id) for i in page] for page in pages]
    sql = ("INSERT INTO interactions (agency_id, workspace_id, channel_id, platform, external_id, kind, author_name, "
           "author_external_id, text, rating, platform_created_at, parent_external_id, thread_external_id) "
           "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
           "ON CONFLICT (channel_id, external_id) DO UPDATE SET text = excluded.text, rating = excluded.rating")
    with psycopg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(False)) as conn:
        started = time.perf_counter()
        for page_rows in rows_by_page:
            with conn.cursor() as cur:
                cur.executemany(sql, page_rows)
            conn.commit()
        raw_seconds = time.perf_counter() - started
    raw_rate = len(items) / raw_seconds
    print(f"baseline raw psycopg upsert: {raw_rate:,.0f} rows/s")
    print(f"ratio pipeline / raw upsert: {pipeline_rate / raw_rate:.0%}  (target >= 25%)")
    targets = [f"pipeline >= 25% of raw: {'met' if pipeline_rate / raw_rate >= 0.25 else 'NOT met'}"]
    if e2e_rate is not None:
        targets[:0] = [f"end-to-end >= 2,000/s: {'met' if e2e_rate >= 2000 else 'NOT met'}",
                       f"memory < 500 MB: {'met' if peak_mb < 500 else 'NOT met'}"]
    print("targets: " + "; ".join(targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
