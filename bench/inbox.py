"""Inbox benchmark: 1,000,000 interactions across 200 workspaces in 5 agencies.

Measures the server time of the inbox list (the real query code: agency.inbox.queries.list_page)
for a community manager assigned to 10 workspaces: the first page and the 50th page (keyset
pagination), without a filter, with a filter (unassigned + negative), and with a text search.
Prints median and p95 per case and the EXPLAIN ANALYZE of the main query.

Targets (issue 10): median <= 20 ms, p95 <= 50 ms for every case, also for the first call on a fresh
connection; sidebar and dashboard counts the same.

Usage: .venv/bin/python bench/inbox.py [--rows 1000000] [--repeat 30] [--plans]
Needs PostgreSQL (BENCH_DATABASE_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres) and Redis.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_NAME = "agency_bench_inbox"

WORDS_DE = ["Brötchen", "Lieferung", "Rechnung", "Öffnungszeiten", "Filiale", "Kuchen", "Service", "Bestellung",
            "Preis", "Qualität", "Kaffee", "Fahrrad", "Reparatur", "Termin", "Software", "Lizenz"]
WORDS_EN = ["delivery", "invoice", "opening", "store", "cake", "service", "order", "price", "quality", "coffee",
            "bike", "repair", "appointment", "software", "license", "shipping"]


def prepare(server_url: str, rows: int) -> str:
    from agency.cli import upgrade_database
    from agency.db import sqlalchemy_url

    server = make_url(sqlalchemy_url(server_url))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}).first()
    url = server.set(database=DB_NAME).render_as_string(hide_password=False)
    if exists:
        engine = create_engine(url)
        with engine.connect() as conn:
            have = conn.execute(text("SELECT count(*) FROM interactions")).scalar()
        engine.dispose()
        if have == rows:
            upgrade_database(url)  # the schema of this checkout (a reused database may predate a migration)
            print(f"reusing {DB_NAME} with {have:,} interactions")
            return url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)'))
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    upgrade_database(url)
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO agencies (name, slug, default_locale, timezone, currency, primary_color)
            SELECT 'Bench Agency ' || a, 'bench-' || a, 'de', 'Europe/Berlin', 'EUR', '#2f5d8a'
            FROM generate_series(1, 5) AS a"""))
        conn.execute(text("""
            INSERT INTO workspaces (agency_id, name, slug, timezone, locale, address_form, country)
            SELECT ((w - 1) % 5) + 1, 'Client ' || w, 'client-' || w, 'Europe/Berlin', 'de', 'sie', 'DE'
            FROM generate_series(1, 200) AS w"""))
        conn.execute(text("""
            INSERT INTO users (agency_id, email, name, role, password_hash)
            SELECT ((u - 1) % 5) + 1, 'cm' || u || '@bench.test', 'CM ' || u, 'community_manager', 'x'
            FROM generate_series(1, 50) AS u"""))
        # The measured user: CM 1 of agency 1, assigned to 10 of its 40 workspaces.
        conn.execute(text("""
            INSERT INTO memberships (agency_id, user_id, workspace_id)
            SELECT 1, 1, w FROM generate_series(1, 200) AS w WHERE (w - 1) % 5 = 0 ORDER BY w LIMIT 10"""))
        de = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS_DE) + "]"
        en = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS_EN) + "]"
        # 1M rows over ~90 days; 10% open, language mix, sentiment mix, a quarter assigned.
        conn.execute(text(f"""
            INSERT INTO interactions (agency_id, workspace_id, platform, external_id, kind, author_name,
                author_external_id, text, platform_created_at, status, priority, language, sentiment_score,
                sentiment_label, assignee_id, awaiting_since)
            SELECT ((ws - 1) % 5) + 1, ws, 'facebook_page', 'bench-' || n,
                   (ARRAY['comment','comment','comment','reply','direct_message','review','mention'])[1 + n % 7],
                   'Fan ' || (n % 50000), 'fan-' || (n % 50000),
                   CASE WHEN (n / 7) % 5 < 3
                        THEN 'Frage zu ' || ({de})[1 + n % 16] || ' und ' || ({de})[1 + (n / 16) % 16]
                             || ' Nummer ' || n
                        ELSE 'Question about ' || ({en})[1 + n % 16] || ' and ' || ({en})[1 + (n / 16) % 16]
                             || ' no ' || n
                   END,
                   now() - make_interval(secs => (n * 7.77)::int),
                   CASE WHEN n % 10 = 0 THEN 'new' WHEN n % 10 = 1 THEN 'open' ELSE 'closed' END,
                   'normal',
                   CASE WHEN (n / 7) % 5 < 3 THEN 'de' ELSE 'en' END,
                   ((n % 21) - 10) / 10.0,
                   CASE WHEN n % 21 < 7 THEN 'negative' WHEN n % 21 < 14 THEN 'neutral' ELSE 'positive' END,
                   CASE WHEN n % 4 = 0 THEN 1 + (n % 50) END,
                   CASE WHEN n % 10 < 2 THEN now() - make_interval(secs => (n * 7.77)::int) END
            FROM (SELECT n, 1 + (n::bigint * 7919) % 200 AS ws FROM generate_series(1, :rows) AS n) AS s"""),
            {"rows": rows})
    # VACUUM as autovacuum would soon after a bulk load: it sets the visibility map, without which the
    # counts' index-only scans read every heap page.
    vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    vacuum.dispose()
    engine.dispose()
    print(f"generated {rows:,} interactions in {time.perf_counter() - started:.0f} s")
    return url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN ANALYZE of every case")
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = prepare(server, args.rows)
    os.environ.update(DATABASE_URL=url, REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
                      SECRET_KEY="bench", AGENCY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                      AGENCY_INSTANCE_DIR=str(ROOT / "instance" / "bench"))
    from agency import db
    from agency.accounts.models import User
    from agency.accounts.queries import visible_workspace_ids
    from agency.app import create_app
    from agency.dashboard.queries import workspace_numbers
    from agency.inbox.queries import InboxFilter, filter_counts, list_page
    from agency.sla.queries import board

    app = create_app()
    with app.app_context():
        with db.system_scope("bench: the measured user"):
            user = db.session.get(User, 1)
            workspace_ids = sorted(visible_workspace_ids(user))
        cases = {
            "open, no filter": InboxFilter(workspace_ids=workspace_ids),
            "open, unassigned + negative": InboxFilter(workspace_ids=workspace_ids, assignee="unassigned",
                                                        sentiment="negative"),
            "open, text search 'Lieferung'": InboxFilter(workspace_ids=workspace_ids, q="Lieferung"),
            "all statuses, no filter": InboxFilter(workspace_ids=workspace_ids, status="all"),
            "all statuses, text search 'shipping'": InboxFilter(workspace_ids=workspace_ids, status="all",
                                                                q="shipping"),
        }
        print(f"user: community manager with {len(workspace_ids)} workspaces; {args.repeat} runs per case, server "
              "time of list_page (query + ORM), then filter_counts; every 10th run on a fresh connection")
        failures = 0
        engine = db.get_engine()
        plans: dict[str, list[str]] = {}

        def fresh_connection() -> None:
            # A new connection of the pool: its first statements are planned afresh (no prepared statements yet).
            db.session.remove()
            engine.dispose()
            db.set_tenant(db.session(), user.agency_id)
            db.session.execute(text("SELECT 1"))  # the connection itself is not what we measure

        def timed(call) -> tuple[list[float], list[float]]:
            times, firsts = [], []
            for run in range(args.repeat):
                if run % 10 == 0:
                    fresh_connection()
                started = time.perf_counter()
                call()
                elapsed = (time.perf_counter() - started) * 1000
                times.append(elapsed)
                if run % 10 == 0:
                    firsts.append(elapsed)
                db.session.expire_all()
            return times, firsts

        def explain(call) -> list[str]:
            """EXPLAIN ANALYZE of the statement ``call`` really runs (captured on its way to the driver)."""
            seen: list[tuple[str, object]] = []

            def capture(conn, cursor, statement, parameters, context, executemany):
                if "interactions" in statement and not statement.lstrip().startswith("EXPLAIN"):
                    seen.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", capture)
            try:
                call()
            finally:
                event.remove(engine, "before_cursor_execute", capture)
            statement, parameters = seen[-1]
            return [row[0] for row in db.session.connection().exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).all()]

        fresh_connection()
        for name, flt in cases.items():
            # Walk to page 50 once to get its cursor (keyset pagination).
            cursor, page_number = None, 1
            while page_number < 50:
                page = list_page(flt, user.id, after=cursor)
                if not page.next_cursor:
                    break
                cursor, page_number = page.next_cursor, page_number + 1
            pages = [("page 1", None)] + ([(f"page {page_number}", cursor)] if page_number > 1 else [])
            for label, after in pages:
                times, firsts = timed(lambda flt=flt, after=after: list_page(flt, user.id, after=after))
                median, p95 = statistics.median(times), percentile(times, 95)
                ok = median <= 20 and p95 <= 50 and max(firsts) <= 50
                failures += not ok
                print(f"  {name:<40} {label:<8} median {median:6.1f} ms   p95 {p95:6.1f} ms   "
                      f"first on a fresh connection {max(firsts):6.1f} ms   {'ok' if ok else 'OVER TARGET'}")
                if label == "page 1":
                    plans[name] = explain(lambda flt=flt: list_page(flt, user.id))
        times, firsts = timed(lambda: filter_counts(cases["open, no filter"], user.id))
        median, p95 = statistics.median(times), percentile(times, 95)
        ok = median <= 20 and p95 <= 50
        failures += not ok
        print(f"  {'sidebar counts':<40} {'':<8} median {median:6.1f} ms   p95 {p95:6.1f} ms   "
              f"first on a fresh connection {max(firsts):6.1f} ms   {'ok' if ok else 'OVER TARGET'}")
        plans["sidebar counts"] = explain(lambda: filter_counts(cases["open, no filter"], user.id))
        times, firsts = timed(lambda: workspace_numbers(user, workspace_ids))
        median, p95 = statistics.median(times), percentile(times, 95)
        ok = median <= 20 and p95 <= 50
        failures += not ok
        print(f"  {'dashboard counts':<40} {'':<8} median {median:6.1f} ms   p95 {p95:6.1f} ms   "
              f"first on a fresh connection {max(firsts):6.1f} ms   {'ok' if ok else 'OVER TARGET'}")
        times, firsts = timed(lambda: board(workspace_ids))
        print(f"  {'SLA board':<40} {'':<8} median {statistics.median(times):6.1f} ms   "
              f"p95 {percentile(times, 95):6.1f} ms   first on a fresh connection {max(firsts):6.1f} ms")
        if args.plans:
            for name, plan in plans.items():
                print(f"\nEXPLAIN ANALYZE (the statement the app runs) — {name}:")
                print("\n".join("  " + line for line in plan))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
