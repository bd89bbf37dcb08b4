"""Billing at scale and speed, in a fresh database (PostgreSQL on localhost).

1. Draft invoices for 300 workspaces (hourly, retainer and fixed-fee clients; rates per agency, workspace,
   activity and person) from 1,000,000 approved time entries of one month — every entry of the month is billed
   — target <= 10 s. Baseline in the same process: one SQL aggregate over the same entries (the floor any
   drafting has to read).
2. One invoice as PDF/A-3b with its EN 16931 XML (build, XSD validation, WeasyPrint) — target <= 1 s. Baseline:
   WeasyPrint rendering a one-line HTML page.
3. Stripe webhook handling (signature check, dedupe, re-fetching the invoice from the local Stripe double over
   HTTP, forward-only update) — target >= 200 events/s. Baseline: GET /healthz through the same test client.
   Measured one at a time, then from several senders at once (Stripe delivers concurrently; production serves
   2 workers x 4 threads).

Run: ``.venv/bin/python bench/billing.py [--entries N] [--workspaces N]``
(``BENCH_DATABASE_SERVER``, default postgresql://postgres@127.0.0.1:5432/postgres; ``BENCH_REDIS_URL``,
default redis://127.0.0.1:6379/13).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database

SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DATABASE = "agency_bench_billing"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _app(url: str, **overrides):
    from cryptography.fernet import Fernet

    from agency.app import create_app
    from agency.config import Config

    config = Config(database_url=url, redis_url=REDIS, secret_key="bench-" + "x" * 40,
                    encryption_keys=(Fernet.generate_key().decode(),), instance_dir=Path("/tmp/agency-bench"),
                    testing=True, **overrides)
    return create_app(config)

# What the ``time_entries_month_usage`` trigger (migration 0012) adds per billable entry, for all of an agency's
# entries at once: the minutes unrounded and rounded up per entry to 5, 6, 10 and 15, summed per workspace and
# month, added to any row that is there already (as the trigger's upsert does).
MONTH_USAGE = """
INSERT INTO time_month_usage (agency_id, workspace_id, month, minutes, minutes_5, minutes_6, minutes_10, minutes_15)
SELECT agency_id, workspace_id, date_trunc('month', work_date)::date, sum(minutes),
       sum((ceil(minutes::numeric / 5) * 5)::bigint), sum((ceil(minutes::numeric / 6) * 6)::bigint),
       sum((ceil(minutes::numeric / 10) * 10)::bigint), sum((ceil(minutes::numeric / 15) * 15)::bigint)
FROM time_entries WHERE billable AND agency_id = %(agency)s GROUP BY 1, 2, 3
ON CONFLICT (workspace_id, month) DO UPDATE SET
  minutes = time_month_usage.minutes + EXCLUDED.minutes,
  minutes_5 = time_month_usage.minutes_5 + EXCLUDED.minutes_5,
  minutes_6 = time_month_usage.minutes_6 + EXCLUDED.minutes_6,
  minutes_10 = time_month_usage.minutes_10 + EXCLUDED.minutes_10,
  minutes_15 = time_month_usage.minutes_15 + EXCLUDED.minutes_15"""


def owner_of(raw: str, agency: int) -> int:
    import psycopg

    with psycopg.connect(raw) as conn:
        return conn.execute("SELECT min(id) FROM users WHERE agency_id = %s AND role = 'owner'",
                            (agency,)).fetchone()[0]


def reusable(url: str, entries: int, staff: int, workspaces: int, month: date) -> dict | None:
    """The ids of an earlier run's seed when the bench database is at the newest migration and holds exactly
    this size of seed for this month; its invoices and Stripe events are removed (the entries billable again)."""
    import psycopg
    from alembic.script import ScriptDirectory

    from agency.cli import alembic_config
    from agency.timetracking.budgets import month_end

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    raw = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(raw)
    except psycopg.OperationalError:
        return None
    with conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
        if not cur.fetchone()[0]:
            return None
        cur.execute("SELECT version_num FROM alembic_version")
        if [r[0] for r in cur.fetchall()] != [head]:
            return None
        cur.execute("SELECT id FROM agencies WHERE slug = 'bench-billing'")
        agency = cur.fetchone()
        if agency is None:
            return None
        agency = agency[0]
        cur.execute("SELECT count(*), min(work_date), max(work_date) FROM time_entries WHERE agency_id = %s",
                    (agency,))
        count, first, last = cur.fetchone()
        cur.execute("SELECT array_agg(id ORDER BY id) FROM users WHERE agency_id = %s", (agency,))
        users = cur.fetchone()[0] or []
        cur.execute("SELECT array_agg(id ORDER BY id) FROM workspaces WHERE agency_id = %s", (agency,))
        spaces = cur.fetchone()[0] or []
        if (count, len(users), len(spaces)) != (entries, staff, workspaces) or first < month \
                or last > month_end(month):
            return None
        cur.execute("SELECT array_agg(id ORDER BY id) FROM time_activities WHERE agency_id = %s", (agency,))
        acts = cur.fetchone()[0] or []
        cur.execute("UPDATE time_entries SET state = 'approved', invoice_id = NULL "
                    "WHERE agency_id = %s AND invoice_id IS NOT NULL", (agency,))
        cur.execute("DELETE FROM billing_invoices WHERE agency_id = %s", (agency,))
        cur.execute("DELETE FROM billing_stripe_events")
        # The Stripe double starts empty on every run: customers it made last time are unknown to it.
        cur.execute("UPDATE billing_workspace_settings SET stripe_customer_id = NULL WHERE agency_id = %s", (agency,))
        cur.execute("UPDATE billing_agency_details SET last_number = 0 WHERE agency_id = %s", (agency,))
        conn.commit()
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"agency": agency, "owner": owner_of(raw, agency), "users": users, "workspaces": spaces, "activities": acts}


def seed(app, url: str, entries: int, staff: int, workspaces: int, month: date) -> dict:
    import psycopg

    from agency import db
    from agency.accounts.models import Agency, User, Workspace
    from agency.billing import rates
    from agency.billing.settings import save_agency_details, save_workspace_billing
    from agency.timetracking.budgets import month_end
    from agency.timetracking.models import Rollover, WorkspaceTimeSettings
    from agency.timetracking.settings import activities

    with app.app_context(), db.system_scope("bench: seed"):
        agency = Agency(name="Bench Agentur", slug="bench-billing")
        db.session.add(agency)
        db.session.flush()
        users = [User(agency_id=agency.id, email=f"staff{i}@bench.test", name=f"Staff {i:03d}",
                      role="owner" if i == 0 else "community_manager") for i in range(staff)]
        spaces = [Workspace(agency_id=agency.id, name=f"Client {i:03d}", slug=f"client-{i}")
                  for i in range(workspaces)]
        db.session.add_all(users + spaces)
        db.session.flush()
        acts = [a.id for a in activities(agency.id)]
        save_agency_details(users[0], agency.id, legal_name="Bench GmbH", street="Weg 1", postcode="20095",
                            city="Hamburg", tax_number="12/345/67890", vat_id="DE123456789",
                            iban="DE02200505501015871393")
        rates.set_rate(agency.id, cents_per_hour=9500, valid_from=date(2020, 1, 1))
        rates.set_rate(agency.id, cents_per_hour=9900, valid_from=month + timedelta(days=14))
        rng = random.Random(11)
        for index, ws in enumerate(spaces):
            model = ("hourly", "retainer", "fixed")[index % 3]
            db.session.add(WorkspaceTimeSettings(agency_id=agency.id, workspace_id=ws.id, rounding_minutes=15,
                                                 budget_minutes=4000 * 60 if model == "retainer" else None,
                                                 rollover=Rollover.UNUSED, thresholds=[80, 100]))
            save_workspace_billing(users[0], ws, model=model, fee_cents=250000, overage_cents_per_hour=11000,
                                   vat_rate=(1900, 700)[index % 2], grouping=("activity", "staff")[index % 2],
                                   client_name=ws.name)
            if index % 5 == 0:
                rates.set_rate(agency.id, cents_per_hour=12000, valid_from=date(2020, 1, 1), workspace_id=ws.id)
            if index % 7 == 0:
                rates.set_rate(agency.id, cents_per_hour=13500, valid_from=date(2020, 1, 1), workspace_id=ws.id,
                               user_id=rng.choice(users).id)
        rates.set_rate(agency.id, cents_per_hour=8000, valid_from=date(2020, 1, 1), activity_id=acts[-1])
        db.session.commit()
        ids = {"agency": agency.id, "owner": users[0].id, "users": [u.id for u in users],
               "workspaces": [w.id for w in spaces], "activities": acts}
    days = (month_end(month) - month).days + 1
    raw = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw) as conn, conn.cursor() as cur:
        # The month-usage trigger fires per row (an upsert each): a million of them took longer than the whole
        # bench. Off for the COPY, in the same transaction, then the usage is added in one statement below.
        cur.execute("ALTER TABLE time_entries DISABLE TRIGGER time_entries_month_usage")
        with cur.copy("COPY time_entries (agency_id, workspace_id, user_id, activity_id, work_date, minutes, note, "
                      "billable, source, state) FROM STDIN") as copy:
            per_user = {u: rng.sample(ids["workspaces"], 8) for u in ids["users"]}
            for n in range(entries):
                user = ids["users"][n % staff]
                copy.write_row((ids["agency"], rng.choice(per_user[user]), user, rng.choice(acts),
                                month + timedelta(days=rng.randrange(days)), rng.choice((5, 10, 15, 20, 30, 45)),
                                "", True, "manual", "approved"))
        cur.execute("ALTER TABLE time_entries ENABLE TRIGGER time_entries_month_usage")
        cur.execute(MONTH_USAGE, {"agency": ids["agency"]})
        conn.commit()
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return ids


def bench_drafting(app, ids: dict, month: date) -> None:
    from sqlalchemy import text

    from agency import db
    from agency.accounts.models import User
    from agency.billing import drafting
    from agency.timetracking.budgets import month_end

    with app.app_context(), db.tenant(db.session(), ids["agency"]):
        started = time.perf_counter()
        rows = db.session.execute(text(
            "SELECT workspace_id, activity_id, user_id, sum(minutes) FROM time_entries WHERE agency_id = :a AND "
            "work_date BETWEEN :f AND :l AND state = 'approved' AND billable AND invoice_id IS NULL "
            "GROUP BY 1, 2, 3"), {"a": ids["agency"], "f": month, "l": month_end(month)}).all()
        baseline = time.perf_counter() - started
        db.session.rollback()
        owner = db.session.get(User, ids["owner"])
        started = time.perf_counter()
        drafted = drafting.draft_all(owner, ids["agency"], month)
        db.session.commit()
        seconds = time.perf_counter() - started
        lines = sum(len(i.lines) for i in drafted)
        billed = sum(len(line.entry_ids or []) for i in drafted for line in i.lines)
    print(f"draft all: {len(drafted)} invoices, {lines} lines, {billed:,} entries billed in {seconds:.2f} s "
          f"(target <= 10 s); SQL aggregate baseline {baseline:.2f} s ({len(rows):,} groups); "
          f"ratio {seconds / baseline:.1f}x; load average {load()}")


def bench_pdf(app, ids: dict, repeat: int) -> int:
    from sqlalchemy import select
    from weasyprint import HTML

    from agency import db
    from agency.accounts.models import User
    from agency.billing import finalising
    from agency.billing.models import Invoice
    from agency.billing.pdf import invoice_pdf

    with app.app_context(), app.test_request_context(), db.tenant(db.session(), ids["agency"]):
        invoice = db.session.scalar(select(Invoice).where(Invoice.agency_id == ids["agency"], Invoice.state == "draft")
                                    .order_by(Invoice.id).limit(1))
        finalising.finalise(db.session.get(User, ids["owner"]), invoice)
        db.session.commit()
        invoice_pdf(invoice)  # warm fonts and templates
        samples, baseline = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            size = len(invoice_pdf(invoice))
            samples.append(time.perf_counter() - started)
            started = time.perf_counter()
            HTML(string="<p>Rechnung</p>").write_pdf()
            baseline.append(time.perf_counter() - started)
        median, base = statistics.median(samples), statistics.median(baseline)
        print(f"invoice PDF/A-3b with factur-x.xml ({len(invoice.lines)} lines, {size // 1024} KiB): median "
              f"{median * 1000:.0f} ms (target <= 1000 ms); one-line WeasyPrint baseline {base * 1000:.0f} ms; "
              f"ratio {median / base:.1f}x; load average {load()}")
        return invoice.id


def bench_webhooks(url: str, ids: dict, invoice_id: int, events: int, threads: int = 4) -> None:
    from agency import db
    from agency.billing import stripe_gateway
    from agency.billing.models import Invoice, SendState
    from agency.stripe_double import StripeDouble, serve

    double = StripeDouble(webhook_secret="whsec_bench")
    double.hold_events = True
    server = serve(double)
    app = _app(url, stripe_api_key="sk_test_bench", stripe_webhook_secret="whsec_bench",
               stripe_api_base=f"http://127.0.0.1:{server.server_port}")
    with app.app_context():
        with db.tenant(db.session(), ids["agency"]):
            db.session.get(Invoice, invoice_id).send_state = SendState.SENDING
            db.session.commit()
        sent = stripe_gateway.send(invoice_id, ids["agency"])
        stripe_id, state = sent.stripe_invoice_id, sent.send_state
        db.session.remove()
    assert stripe_id and state == SendState.SENT, (stripe_id, state)
    client = app.test_client()
    event_types = ["invoice.finalized", "invoice.payment_failed", "invoice.paid"]
    payloads = []
    for n in range(events):
        payload = json.dumps({"id": f"evt_bench_{n}", "object": "event", "type": event_types[n % 3],
                              "data": {"object": {"id": stripe_id, "object": "invoice"}}}).encode()
        payloads.append(payload)
    payloads += payloads[: events // 10]  # redeliveries
    client.get("/healthz")
    # Baseline and events in alternating slices of 50, so that both see the same load on a shared machine.
    baseline = seconds = 0.0
    codes = []
    for start in range(0, len(payloads), 50):
        chunk = payloads[start:start + 50]
        started = time.perf_counter()
        for _ in chunk:
            client.get("/healthz")
        baseline += time.perf_counter() - started
        started = time.perf_counter()
        # Signed as each is sent, as Stripe does: a signature older than the 300 s tolerance is refused.
        codes += [client.post("/webhooks/stripe", data=p, headers={"Stripe-Signature": double.sign(p)}).status_code
                  for p in chunk]
        seconds += time.perf_counter() - started
    assert set(codes) == {200}, set(codes)
    rate = len(payloads) / seconds
    print(f"webhooks, one at a time: {len(payloads)} events ({events // 10} redelivered) at {rate:.0f} events/s "
          f"(target >= 200/s); /healthz baseline {len(payloads) / baseline:.0f} requests/s; "
          f"ratio {seconds / baseline:.1f}x; load average {load()}")
    if threads > 1:
        concurrent_rate, concurrent_baseline = _concurrently(app, double, events, threads, event_types, stripe_id)
        print(f"webhooks, {threads} senders at once (as Stripe delivers, to 2 workers x 4 threads in production): "
              f"{concurrent_rate:.0f} events/s (target >= 200/s); /healthz the same way {concurrent_baseline:.0f} "
              f"requests/s; ratio {concurrent_baseline / concurrent_rate:.1f}x; load average {load()}")
    server.shutdown()


def _concurrently(app, double, events: int, threads: int, event_types: list[str], stripe_id: str):
    """Events (new ids, a tenth redelivered) and /healthz from ``threads`` threads at once, each with its own
    client; returns (events/s, requests/s)."""
    import threading

    payloads = [json.dumps({"id": f"evt_bench_c{n}", "object": "event", "type": event_types[n % 3],
                            "data": {"object": {"id": stripe_id, "object": "invoice"}}}).encode()
                for n in range(events)]
    payloads += payloads[: events // 10]
    failures: list[int] = []

    def run(work) -> float:
        slices = [payloads[i::threads] for i in range(threads)]
        ready = threading.Barrier(threads + 1)

        def sender(part):
            client = app.test_client()
            ready.wait()
            for payload in part:
                code = work(client, payload)
                if code != 200:
                    failures.append(code)

        workers = [threading.Thread(target=sender, args=(part,)) for part in slices]
        for worker in workers:
            worker.start()
        ready.wait()
        started = time.perf_counter()
        for worker in workers:
            worker.join()
        return time.perf_counter() - started

    baseline = run(lambda client, _p: client.get("/healthz").status_code)
    seconds = run(lambda client, p: client.post("/webhooks/stripe", data=p,
                                                headers={"Stripe-Signature": double.sign(p)}).status_code)
    assert not failures, sorted(set(failures))
    return len(payloads) / seconds, len(payloads) / baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--workspaces", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--webhook-threads", type=int, default=4, help="senders at once in the second webhook run")
    parser.add_argument("--fresh", action="store_true", help="seed a new database even when one fits")
    parser.add_argument("--profile", action="store_true", help="print each part's cProfile top functions")
    args = parser.parse_args()
    from sqlalchemy.engine import make_url

    from agency.cli import upgrade_database
    from agency.db import sqlalchemy_url

    month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    url = sqlalchemy_url(SERVER)
    url = make_url(url).set(database=DATABASE).render_as_string(hide_password=False)
    started = time.perf_counter()
    ids = None if args.fresh else reusable(url, args.entries, args.staff, args.workspaces, month)
    if ids is not None:
        app = _app(url)
        print(f"reused {DATABASE}: {args.entries:,} approved entries of {month:%Y-%m}, {args.staff} staff, "
              f"{args.workspaces} workspaces; billing reset in {time.perf_counter() - started:.0f} s")
    else:
        url = sqlalchemy_url(fresh_database(SERVER, DATABASE))
        upgrade_database(url)
        app = _app(url)
        ids = seed(app, url, args.entries, args.staff, args.workspaces, month)
        print(f"seeded {args.entries:,} approved entries of {month:%Y-%m}, {args.staff} staff, {args.workspaces} "
              f"workspaces in {time.perf_counter() - started:.0f} s")
    print(f"load average {load()}")
    profiled(args.profile, bench_drafting, app, ids, month)
    invoice_id = profiled(args.profile, bench_pdf, app, ids, args.repeat)
    profiled(args.profile, bench_webhooks, url, ids, invoice_id, args.events, args.webhook_threads)


def profiled(on: bool, fn, *args):
    """``fn(*args)``, under cProfile when ``on`` (the top functions by cumulative and own time printed after it)."""
    if not on:
        return fn(*args)
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(fn, *args)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profile).sort_stats("tottime").print_stats(20)
    return result


if __name__ == "__main__":
    main()
