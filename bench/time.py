"""Time tracking at scale: 1,000,000 entries (200 staff, 300 workspaces, 5 years) in a fresh database.

Prints the median server time of a person's week grid (the whole GET /time request, target <= 50 ms), the
agency's monthly hours report workspace x activity (<= 300 ms), the retainer status of all 300 workspaces for
the dashboard (<= 100 ms; with past months closed, as month close leaves them, and without any close; this month
and last month, a whole month of entries), and an XLSX export of 100,000 entries as the application serves it, in
a fresh process, with that process's memory before and its peak during the export (target < 200 MB). Each number
is printed with the load average: the machine may be shared, so compare numbers of one run.

Run: ``.venv/bin/python bench/time.py [--entries N] [--repeat N]``
(``BENCH_DATABASE_SERVER``, default postgresql://postgres@127.0.0.1:5432/postgres; ``BENCH_REDIS_URL``,
default redis://127.0.0.1:6379/13).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database

SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PASSWORD = "Bench-Password-2026"


def _app(url: str):
    from cryptography.fernet import Fernet

    from agency.app import create_app
    from agency.config import Config

    config = Config(database_url=url, redis_url=REDIS, secret_key="bench-" + "x" * 40,
                    encryption_keys=(Fernet.generate_key().decode(),), instance_dir=Path("/tmp/agency-bench"),
                    testing=True)
    return create_app(config)


def seed(url: str, entries: int, staff: int, workspaces: int, years: int) -> dict:
    """Agency, people, workspaces with retainers, and ``entries`` time entries by COPY."""
    import psycopg

    from agency import db
    from agency.accounts.models import Agency, User, Workspace
    from agency.accounts.passwords import hash_password
    from agency.timetracking.models import Rollover, WorkspaceTimeSettings
    from agency.timetracking.settings import activities

    app = _app(url)
    with app.app_context(), db.system_scope("bench: seed"):
        agency = Agency(name="Bench Agentur", slug="bench")
        db.session.add(agency)
        db.session.flush()
        password = hash_password(PASSWORD)
        users = [User(agency_id=agency.id, email=f"staff{i}@bench.test", name=f"Staff {i:03d}",
                      role="owner" if i == 0 else "community_manager", password_hash=password) for i in range(staff)]
        spaces = [Workspace(agency_id=agency.id, name=f"Client {i:03d}", slug=f"client-{i}") for i in range(workspaces)]
        db.session.add_all(users + spaces)
        db.session.flush()
        acts = [a.id for a in activities(agency.id)]
        today = date.today()
        start = today - timedelta(days=365 * years)
        for ws in spaces:
            db.session.add(WorkspaceTimeSettings(agency_id=agency.id, workspace_id=ws.id, budget_minutes=40 * 60,
                                                 rollover=Rollover.BOTH, rounding_minutes=15, thresholds=[80, 100],
                                                 budget_starts_on=(today - timedelta(days=365)).replace(day=1)))
        db.session.commit()
        ids = {"agency": agency.id, "users": [u.id for u in users], "workspaces": [w.id for w in spaces],
               "activities": acts, "start": start, "today": today, "owner_email": users[0].email,
               "entries": entries}
    rng = random.Random(7)
    days = (ids["today"] - start).days
    raw = db.sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw) as conn, conn.cursor() as cur:
        with cur.copy("COPY time_entries (agency_id, workspace_id, user_id, activity_id, work_date, minutes, "
                      "note, billable, source, state) FROM STDIN") as copy:
            per_user = {u: rng.sample(ids["workspaces"], 6) for u in ids["users"]}
            for n in range(entries):
                user = ids["users"][n % staff]
                day = start + timedelta(days=rng.randrange(days))
                copy.write_row((ids["agency"], rng.choice(per_user[user]), user, rng.choice(ids["activities"]), day,
                                rng.choice((15, 30, 45, 60, 90, 120)), "", rng.random() < 0.9,
                                rng.choice(("timer", "manual", "inbox")),
                                "approved" if day < ids["today"].replace(day=1) else "open"))
        conn.commit()
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # steady state: visibility map set, statistics current
    return ids


def close_past_months(url: str, ids: dict) -> None:
    """Close the last 12 months of every workspace as month close leaves them: frozen figures per month,
    computed with the same rollover rule (``budgets.roll``) from one usage query."""
    from collections import defaultdict

    from sqlalchemy import text

    from agency import db
    from agency.timetracking.budgets import months_between, roll

    app = _app(url)
    first = (ids["today"] - timedelta(days=365)).replace(day=1)
    months = months_between(first, ids["today"].replace(day=1) - timedelta(days=1))
    with app.app_context(), db.tenant(db.session(), ids["agency"]):
        used: dict = defaultdict(lambda: defaultdict(int))
        for ws, month, minutes in db.session.execute(text(
                "SELECT workspace_id, date_trunc('month', work_date)::date, "
                "sum(ceil(minutes::numeric / 15)::int * 15) FROM time_entries "
                "WHERE billable AND work_date >= :first AND work_date < :until GROUP BY 1, 2"),
                {"first": first, "until": ids["today"].replace(day=1)}):
            used[ws][month] = int(minutes)
        rows = []
        for ws in ids["workspaces"]:
            chain = roll("both", 2400, [used[ws][m] for m in months])
            for month, (carry_in, carry_out) in zip(months, chain, strict=True):
                rows.append({"agency_id": ids["agency"], "workspace_id": ws, "month": month, "budget": 2400,
                             "carry_in": carry_in, "used": used[ws][month], "carry_out": carry_out})
        db.session.execute(text(
            "INSERT INTO time_month_closes (agency_id, workspace_id, month, closed_at, budget_minutes, carry_in, "
            "used_minutes, carry_out) VALUES (:agency_id, :workspace_id, :month, now(), :budget, :carry_in, :used, "
            ":carry_out)"), rows)
        db.session.commit()


def existing(url: str) -> dict:
    """The ids of a database seeded by an earlier run (``--reuse``)."""
    from sqlalchemy import text

    from agency import db

    app = _app(url)
    with app.app_context(), db.system_scope("bench: read back"):
        agency = db.session.execute(text("SELECT id FROM agencies WHERE slug = 'bench'")).scalar()
        users = list(db.session.scalars(text("SELECT id FROM users WHERE agency_id = :a ORDER BY id"), {"a": agency}))
        spaces = list(db.session.scalars(text("SELECT id FROM workspaces WHERE agency_id = :a ORDER BY id"),
                                         {"a": agency}))
        count = db.session.execute(text("SELECT count(*) FROM time_entries")).scalar()
        db.session.execute(text("DELETE FROM time_month_closes"))
        db.session.commit()
    return {"agency": agency, "users": users, "workspaces": spaces, "today": date.today(),
            "owner_email": "staff0@bench.test", "entries": count}


def load() -> str:
    """The machine's load average (1, 5, 15 minutes): the bench shares its cores, so every number says how busy
    they were; compare numbers of one run, not of runs at different times."""
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def timed(fn, repeat: int) -> float:
    fn()  # warm caches and plans
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(url: str, ids: dict, repeat: int, label: str) -> None:
    from agency import db
    from agency.accounts.models import Workspace
    from agency.timetracking.budgets import budget_statuses
    from agency.timetracking.queries import ReportFilter, hours_report

    app = _app(url)
    month = ids["today"].replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    with app.app_context(), db.tenant(db.session(), ids["agency"]):
        spaces = list(db.session.query(Workspace).filter(Workspace.agency_id == ids["agency"]))
        flt = ReportFilter(agency_id=ids["agency"], first=month - timedelta(days=31),
                           last=month - timedelta(days=1), workspace_ids=ids["workspaces"])
        flt.first = flt.last.replace(day=1)
        report = timed(lambda: hours_report(flt, "workspace", "activity"), repeat)
        print(f"  [{label}] monthly report workspace x activity: median {report:.1f} ms (target <= 300; {load()})")
        status = timed(lambda: budget_statuses(spaces, month), repeat)
        print(f"  [{label}] budget status of {len(spaces)} workspaces: median {status:.1f} ms (target <= 100; "
              f"{load()})")
        # This month holds as many days of entries as today's date; last month is a whole month's worth (what the
        # dashboard reads on the last day of a month: the most rows of the month asked for).
        full = timed(lambda: budget_statuses(spaces, previous), repeat)
        print(f"  [{label}] budget status of {len(spaces)} workspaces for last month (a whole month of entries): "
              f"median {full:.1f} ms (target <= 100; {load()})")


def assign(url: str) -> None:
    """Each person works for the clients they have time on (memberships), as in a real agency."""
    from sqlalchemy import text

    from agency import db

    app = _app(url)
    with app.app_context(), db.system_scope("bench: memberships"):
        db.session.execute(text("INSERT INTO memberships (agency_id, user_id, workspace_id) "
                                "SELECT DISTINCT agency_id, user_id, workspace_id FROM time_entries "
                                "ON CONFLICT DO NOTHING"))
        db.session.commit()


def measure_week(url: str, ids: dict, repeat: int) -> None:
    """GET /time of a community manager (six clients, ~5,000 entries over five years)."""
    assign(url)
    app = _app(url)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"email": "staff1@bench.test", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    weeks = [ids["today"] - timedelta(days=7 * k) for k in range(1, 30)]
    index = {"n": 0}

    def one():
        week = weeks[index["n"] % len(weeks)]
        index["n"] += 1
        response = client.get(f"/time?week={week.isoformat()}")
        assert response.status_code == 200

    from sqlalchemy import event

    from agency import db

    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.get_engine()
    one()
    event.listen(engine, "before_cursor_execute", count)
    one()
    event.remove(engine, "before_cursor_execute", count)
    print(f"  week grid GET /time (a person with ~{ids['entries'] // len(ids['users'])} entries): "
          f"median {timed(one, repeat):.1f} ms (target <= 50; {len(statements)} SQL statements; {load()})")


# The export as production runs it, in a process of its own: a logged-in person's GET /time/reports.xlsx through
# the whole application (filters, the XLSX written from a server-side cursor into a temporary file, the response
# streamed in chunks), read chunk by chunk as a browser would.
#
# Memory is read from /proc/self/status, not from getrusage: a child inherits the ru_maxrss of the process it was
# forked from (the bench, holding the seeding's data), so that figure said nothing about the export. VmRSS is
# the process before the request; VmHWM, its high-water mark, is reset just before the request (``5`` into
# /proc/self/clear_refs), so the peak printed is the peak while exporting.
EXPORT_CHILD = """
import sys, time
sys.path.insert(0, {root!r})

def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024

from bench.time import _app, PASSWORD
app = _app({url!r})
client = app.test_client()
page = client.get("/login").get_data(as_text=True)
token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
assert client.post("/login", data={{"email": {email!r}, "password": PASSWORD, "csrf_token": token}}).status_code == 302
url = "/time/reports.xlsx?from={first}&to={last}"
assert client.get("/time/reports?from={first}&to={last}").status_code == 200  # the app warm, as in production
before, _ = status()
with open("/proc/self/clear_refs", "w") as reset:
    reset.write("5")
started = time.perf_counter()
response = client.get(url, buffered=False)
assert response.status_code == 200, response.status_code
size = 0
for chunk in response.response:
    size += len(chunk)
response.close()
took = time.perf_counter() - started
_, peak = status()
print(f"{{took:.2f}} {{size}} {{before}} {{peak}}")
"""


def measure_export(url: str, ids: dict, rows: int) -> None:
    # A period holding about ``rows`` entries, from the newest backwards.
    from sqlalchemy import func, select

    from agency import db
    from agency.timetracking.models import TimeEntry

    app = _app(url)
    with app.app_context(), db.tenant(db.session(), ids["agency"]):
        first = db.session.scalar(select(TimeEntry.work_date).where(TimeEntry.agency_id == ids["agency"])
                                  .order_by(TimeEntry.work_date.desc()).offset(rows).limit(1))
        count = db.session.scalar(select(func.count(TimeEntry.id)).where(
            TimeEntry.agency_id == ids["agency"], TimeEntry.work_date >= first, TimeEntry.work_date <= ids["today"],
            TimeEntry.ended_at.is_not(None) | TimeEntry.started_at.is_(None)))
    code = EXPORT_CHILD.format(root=str(Path(__file__).resolve().parent.parent), url=url, email=ids["owner_email"],
                               first=first.isoformat(), last=ids["today"].isoformat())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    took, size, before, peak = out[-4:]
    print(f"  XLSX export of {count:,} entries (GET /time/reports.xlsx in a fresh process): {float(took):.1f} s, "
          f"{int(size) / 1e6:.1f} MB file; that process: {before} MB before the request, peak {peak} MB while "
          f"exporting (+{int(peak) - int(before)} MB; target < 200 MB; {load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--workspaces", type=int, default=300)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="Measure the database of an earlier run again.")
    args = parser.parse_args()
    from agency.cli import upgrade_database

    if args.reuse:
        from sqlalchemy.engine import make_url

        from agency.db import sqlalchemy_url

        url = make_url(sqlalchemy_url(SERVER)).set(database="agency_bench_time").render_as_string(hide_password=False)
        upgrade_database(url)
        ids = existing(url)
        print(f"reusing {ids['entries']:,} entries")
    else:
        url = fresh_database(SERVER, "agency_bench_time")
        upgrade_database(url)
        started = time.perf_counter()
        ids = seed(url, args.entries, args.staff, args.workspaces, args.years)
        print(f"seeded {args.entries:,} entries, {args.staff} staff, {args.workspaces} workspaces, {args.years} "
              f"years in {time.perf_counter() - started:.0f} s")
    measure_week(url, ids, args.repeat)
    measure(url, ids, args.repeat, "no month closed")
    started = time.perf_counter()
    close_past_months(url, ids)
    print(f"closed 12 past months of {len(ids['workspaces'])} workspaces in {time.perf_counter() - started:.0f} s")
    measure(url, ids, args.repeat, "past months closed")
    measure_export(url, ids, args.export_rows)


if __name__ == "__main__":
    main()
