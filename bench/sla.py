"""Benchmark BusinessCalendar.add() on realistic SLA arrivals and check it against a naive stepper;
then time the recomputation of a workspace's open interactions.

Run: ``.venv/bin/python bench/sla.py [--arrivals N] [--naive N] [--seed S] [--year Y]
[--part calendar|recompute|all] [--interactions N]``

For each calendar (Berlin, DE-BY public holidays; an office-hours and a
split-shift variant) it generates seeded arrivals over one year — mostly in
the working day, some evenings, nights, weekends and holidays — with SLA
targets from 15 minutes to 3 business days, times ``add()`` over all of them,
and replays a subset through an independent minute-stepping implementation.
Any disagreement is printed and the exit status is 1.

The recompute part creates a workspace with N (100,000) open interactions in a fresh
database (``BENCH_DATABASE_SERVER``, default postgresql://postgres@127.0.0.1:5432/postgres;
``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/13), changes the policy and times the
``recompute_sla`` job that follows (target: <= 5 s), then a second run with nothing to change (target: <= 1 s).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays as holidays_lib

# Run as a script from the repository root without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agency.sla.calendar import BusinessCalendar

TZ_NAME = "Europe/Berlin"
COUNTRY, SUBDIVISION = "DE", "BY"
MINUTE = timedelta(minutes=1)

CALENDARS: dict[str, dict[int, list[tuple[str, str]]]] = {
    "office Mon–Fri 09:00–17:00": {day: [("09:00", "17:00")] for day in range(5)},
    "split shifts Mon–Fri 08:00–12:00+13:00–18:00, Sat 10:00–14:00": {
        **{day: [("08:00", "12:00"), ("13:00", "18:00")] for day in range(5)},
        5: [("10:00", "14:00")],
    },
}


# --------------------------------------------------------------------------- naive reference


@dataclass
class NaiveCalendar:
    """Minute-stepping reference written without any code from the library.

    Open at instant t iff its local wall time lies in an interval starting on
    the local date (not a holiday), or in the overnight tail of an interval
    that started the day before (not a holiday). Valid for calendars whose
    boundaries avoid the 02:00–03:00 DST hour, which the benchmark's do.
    """

    tz: ZoneInfo
    weekly: dict[int, list[tuple[int, int]]]
    closed: set[date]

    @classmethod
    def build(cls, tz: str, weekly: dict[int, list[tuple[str, str]]], closed: Iterable[date]) -> NaiveCalendar:
        def minutes(text: str) -> int:
            hours, mins = text.split(":")
            return int(hours) * 60 + int(mins)

        parsed: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
        for day, intervals in weekly.items():
            for start_text, end_text in intervals:
                start, end = minutes(start_text), minutes(end_text)
                parsed[day].append((start, end if end > start else end + 1440))
        return cls(ZoneInfo(tz), parsed, set(closed))

    def is_open(self, t: datetime) -> bool:
        local = t.astimezone(self.tz)
        today = local.date()
        minute = local.hour * 60 + local.minute
        if today not in self.closed:
            for start, end in self.weekly[today.weekday()]:
                if start <= minute < end:
                    return True
        yesterday = today - timedelta(days=1)
        if yesterday not in self.closed:
            for _start, end in self.weekly[yesterday.weekday()]:
                if end > 1440 and minute < end - 1440:
                    return True
        return False

    def add(self, start: datetime, delta: timedelta) -> datetime:
        """Walk minute by minute; start and delta must be whole minutes."""
        t = start.astimezone(UTC)
        remaining = delta // MINUTE
        limit = t + timedelta(days=366)
        if remaining == 0:
            while not self.is_open(t):
                t += MINUTE
                if t > limit:
                    raise RuntimeError("naive: calendar does not open within a year")
            return t
        while remaining > 0:
            if self.is_open(t):
                remaining -= 1
            t += MINUTE
            if t > limit:
                raise RuntimeError("naive: delta does not run out within a year")
        return t


# --------------------------------------------------------------------------- workload


def public_holidays(years: Sequence[int]) -> set[date]:
    return set(holidays_lib.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=list(years)).keys())


def arrivals(count: int, year: int, rng: random.Random, closed: set[date]) -> list[tuple[datetime, timedelta]]:
    """Seeded (arrival, target) pairs, arrivals on whole minutes (the naive stepper's grain)."""
    tz = ZoneInfo(TZ_NAME)
    days = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
    weekdays = [d for d in days if d.weekday() < 5 and d not in closed]
    off_days = [d for d in days if d.weekday() >= 5 or d in closed]
    # Typical SLA targets, plus arbitrary minute values in the same range.
    targets = [15, 30, 60, 120, 240, 480, 960, 1440]
    out: list[tuple[datetime, timedelta]] = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.70:  # the working day, peaking late morning and afternoon
            day = rng.choice(weekdays)
            minute = int(min(max(rng.gauss(13.5 * 60, 150), 7 * 60), 20 * 60 - 1))
        elif kind < 0.85:  # evenings and nights on working days
            day = rng.choice(weekdays)
            minute = rng.choice([rng.randrange(0, 7 * 60), rng.randrange(20 * 60, 24 * 60)])
        else:  # weekends and public holidays
            day = rng.choice(off_days)
            minute = rng.randrange(0, 24 * 60)
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
        target = rng.choice(targets) if rng.random() < 0.6 else rng.randrange(15, 24 * 60 + 1)
        out.append((local, timedelta(minutes=target)))
    return out


# --------------------------------------------------------------------------- run


def bench_one(name: str, weekly: dict[int, list[tuple[str, str]]], args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    closed = public_holidays([args.year - 1, args.year, args.year + 1, args.year + 2])
    work = arrivals(args.arrivals, args.year, rng, closed)

    calendar = BusinessCalendar(TZ_NAME, weekly, country=COUNTRY, subdivision=SUBDIVISION)
    add = calendar.add
    began = time.perf_counter()
    results = [add(start, delta) for start, delta in work]
    fast_seconds = time.perf_counter() - began
    fast_rate = len(work) / fast_seconds

    subset = rng.sample(range(len(work)), min(args.naive, len(work)))
    naive = NaiveCalendar.build(TZ_NAME, weekly, closed)
    began = time.perf_counter()
    expected = [naive.add(*work[i]) for i in subset]
    naive_rate = len(subset) / (time.perf_counter() - began)

    mismatches = [(i, want) for i, want in zip(subset, expected, strict=True) if results[i] != want]
    print(f"calendar: {name} ({TZ_NAME}, {COUNTRY}-{SUBDIVISION} holidays, {args.year})")
    print(f"  add(): {fast_rate:,.0f} ops/s ({len(work):,} arrivals in {fast_seconds:.3f} s)")
    print(f"  naive: {naive_rate:,.0f} ops/s ({len(subset):,} arrivals, minute stepping)")
    print(f"  ratio: {fast_rate / naive_rate:,.0f}x")
    print(f"  agree: {len(subset) - len(mismatches)}/{len(subset)}")
    for i, want in mismatches[:20]:
        start, delta = work[i]
        got = results[i].isoformat()
        print(f"  MISMATCH start={start.isoformat()} delta={delta} add()={got} naive={want.isoformat()}")
    return not mismatches


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrivals", type=int, default=100_000, help="arrivals timed through add()")
    parser.add_argument("--naive", type=int, default=2_000, help="subset replayed through the minute stepper")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--calendar", choices=["all", *range(len(CALENDARS))], default="all", type=_calendar_arg)
    parser.add_argument("--part", choices=["calendar", "recompute", "all"], default="all")
    parser.add_argument("--interactions", type=int, default=100_000, help="open interactions recomputed")
    args = parser.parse_args(argv)

    ok = True
    if args.part in ("calendar", "all"):
        chosen = list(CALENDARS.items())
        if args.calendar != "all":
            chosen = [chosen[args.calendar]]
        for name, weekly in chosen:
            ok = bench_one(name, weekly, args) and ok
    if args.part in ("recompute", "all"):
        ok = bench_recompute(args) and ok
    return 0 if ok else 1


# --------------------------------------------------------------------------- recompute


def _open_interactions(count: int, rng: random.Random, now: datetime) -> Iterable[tuple]:
    """Open customer items of the last week: comments, replies under them, DMs in threads, reviews."""
    kinds = ["comment"] * 5 + ["reply"] * 2 + ["direct_message"] * 2 + ["review"]
    priorities = ["normal"] * 7 + ["high", "low", "urgent"]
    for n in range(count):
        kind = rng.choice(kinds)
        created = now - timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
        parent = f"c-{rng.randrange(max(1, n))}" if kind == "reply" else None
        thread = f"t-{rng.randrange(count // 4 + 1)}" if kind == "direct_message" else None
        external_id = f"c-{n}" if kind == "comment" else f"{kind[0]}-{n}"
        yield (external_id, kind, parent, thread, created, rng.choice(["new", "open", "waiting"]),
               rng.choice(priorities))


def bench_recompute(args: argparse.Namespace) -> bool:
    import os

    import psycopg
    from cryptography.fernet import Fernet
    from sqlalchemy.engine import make_url

    server = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
    from common import fresh_database

    database_url = fresh_database(server, "agency_bench_sla")
    os.environ.update(DATABASE_URL=database_url,
                      REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
                      SECRET_KEY="bench-secret", AGENCY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                      AGENCY_INSTANCE_DIR=str(Path(__file__).resolve().parents[1] / "instance" / "bench"))
    from agency import db
    from agency.app import create_app
    from agency.cli import upgrade_database
    from agency.queue import get_queue
    from agency.sla.jobs import recompute_sla
    from agency.sla.policy import Target, builtin_targets
    from agency.sla.settings import save_policy

    upgrade_database(database_url)
    app = create_app()
    with app.app_context(), db.system_scope("bench: the agency and workspace"):
        from agency.accounts.services import create_agency, create_workspace

        agency, owner = create_agency("Bench Agentur", "bench-sla@example.com", "Bench", "Lindgrün-Ahorn-Kompass-7")
        ws = create_workspace(owner, name="Bench Client", subdivision="BY")
        db.session.commit()
        agency_id, ws_id, owner_id = agency.id, ws.id, owner.id

    rng = random.Random(args.seed)
    rows = _open_interactions(args.interactions, rng, datetime.now(UTC))
    plain = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    began = time.perf_counter()
    with psycopg.connect(plain) as conn, conn.cursor() as cur, cur.copy(
            "COPY interactions (agency_id, workspace_id, platform, external_id, kind, parent_external_id, "
            "thread_external_id, platform_created_at, status, priority, author_name, text) FROM STDIN") as copy:
        for external_id, kind, parent, thread, created, status, priority in rows:
            copy.write_row((agency_id, ws_id, "facebook_page", external_id, kind, parent, thread, created, status,
                            priority, "Bench Fan", "Wann öffnet ihr morgen?"))
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE interactions")
    print(f"recompute: {args.interactions:,} open interactions loaded in {time.perf_counter() - began:.1f} s")

    with app.app_context(), db.tenant(db.session(), agency_id):
        from agency.accounts.models import User

        owner = db.session.get(User, owner_id)
        # A policy change: every target of the built-in defaults halves; resolution targets are added.
        targets = {cell: Target(max(15, t.minutes // 2), t.business_hours) for cell, t in builtin_targets().items()}
        targets.update({("resolution", k, p): Target(2880, True) for _m, k, p in list(targets)})
        save_policy(owner, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                    warn_percent=None, targets=targets)
        db.session.commit()
        get_queue("sla").empty()  # the job is run here, inline, as a worker would

    timings = []
    for _run in range(2):
        with app.app_context():
            began = time.perf_counter()
            changed = recompute_sla.run_inline(agency_id, ws_id)
            timings.append((time.perf_counter() - began, changed))
    (first, changed), (second, unchanged) = timings
    print(f"  recompute_sla after a policy change: {changed:,} rows changed in {first:.2f} s "
          f"= {args.interactions / first:,.0f} interactions/s (target <= 5 s: {'met' if first <= 5 else 'NOT met'})")
    print(f"  second run, nothing to change: {unchanged:,} rows changed in {second:.2f} s "
          f"(target <= 1 s: {'met' if second <= 1 else 'NOT met'}); load average {os.getloadavg()[0]:.2f}")
    return first <= 5 and second <= 1


def _calendar_arg(value: str) -> str | int:
    return value if value == "all" else int(value)


if __name__ == "__main__":
    sys.exit(main())
