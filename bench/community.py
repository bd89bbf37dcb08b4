"""Community benchmark: the reply checker's speed, and the shitstorm detector's false-alarm rate.

Prints, in one run:
  * the checker on a 2,000-character reply (German and English): median and 95th percentile per call,
    next to a trivial baseline in the same process (lower-case, split, look for "du", measure the
    length) — target < 5 ms per call;
  * false alarms per workspace-week over eight normal weeks of sandbox traffic (after the two weeks
    of warm-up): accounts of different sizes, each with the daily wave of comments after the
    client's post, synced over HTTP through the real connector, classified, then the detector
    replayed every 15 minutes over the eight weeks. An episode (consecutive windows above "none")
    counts once. Also the same for the synthetic model weeks of the tests (three seeds).

Usage: .venv/bin/python bench/community.py [--workspaces 4] [--skip-sandbox]
Needs PostgreSQL and Redis for the sandbox part (BENCH_DATABASE_SERVER, default
postgresql://postgres@127.0.0.1:5432/postgres; BENCH_REDIS_URL, default redis://127.0.0.1:6379/12).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import fresh_database  # noqa: E402  (bench/ is on sys.path when run as a script)

GERMAN_REPLY = (
    "Hallo Anna, vielen Dank für deine ausführliche Nachricht und entschuldige bitte die Verspätung! Wir haben "
    "uns Ihre Bestellung sofort angesehen: Das Paket ist am Dienstag in unserer Backstube losgegangen und liegt "
    "laut Sendungsverfolgung seit gestern in der Packstation in der Lindenstraße. Schreib uns gern, falls der "
    "Abholcode nicht angekommen ist – dann schicken wir ihn dir noch einmal per SMS. Zum Problem mit dem "
    "Roggenbrot: Unsere Bäckermeisterin Petra hat nachgesehen, das Brot enthält keine Nüsse, wird aber in einer "
    "Backstube gebacken, in der auch Nüsse verarbeitet werden. Wenn du eine starke Allergie hast, empfehlen wir "
    "dir deshalb unser Dinkelbrot aus der glutenfreien Linie, das in einem eigenen Raum entsteht. Sie können es "
    "auch vorbestellen, dann legen wir es Ihnen am Samstag ab 7 Uhr zurück. 🥨 Und weil du so lange warten "
    "musstest: Beim nächsten Einkauf bekommst du ein Stück Kuchen von uns, sag einfach an der Theke Bescheid. "
    "Wir freuen uns auf deinen Besuch und wünschen dir ein sonniges Wochenende! Falls noch etwas offen ist, "
    "melde dich jederzeit hier oder per Direktnachricht, wir sind täglich von 8 bis 20 Uhr für dich da. "
    "Übrigens: Unsere Sonnenschein-Kruste ist ab Montag wieder im Sortiment, leider nur in der Filiale am "
    "Markt. Viele Grüße aus der Backstube, das ganze Team ☀️ "
)
ENGLISH_REPLY = (
    "Hey Anna, thanks so much for your detailed message and sorry for the wait! We looked into your order right "
    "away: the parcel left our warehouse on Tuesday and, according to the tracking, it has been waiting at the "
    "parcel locker on Linden Street since yesterday. Drop us a line if the pickup code never reached you and "
    "we'll send it again by text. About the rye bread: our head baker Petra checked, the bread contains no nuts, "
    "but it is baked in a bakery where nuts are processed. If you have a severe allergy we would kindly suggest "
    "our spelt bread from the gluten-free line, which is made in a separate room. You can also pre-order it and "
    "we will put it aside for you on Saturday from 7 am. 🥨 And because you had to wait so long: next time you "
    "come by, the cake is on us, just mention it at the counter. We look forward to your visit and wish you a "
    "sunny weekend! If anything is still open, reach out any time here or by direct message, we are here for "
    "you every day from 8 am to 8 pm. By the way, the Sunshine Crust is back on Monday, unfortunately only at "
    "the market store. Cheers from the bakery, the whole team ☀️ "
)


def _timings(fn, runs: int) -> list[float]:
    fn()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        values.append((time.perf_counter() - started) * 1000)
    return values


def checker_speed(runs: int) -> None:
    from agency.community.tone import check_reply

    banned = {"Problem": "Anliegen", "leider": "gern", "Beschwerde": "Rückmeldung", "unfortunately": "happily",
              "kindly": "please", "Kunde*": "Fan"}
    for name, text, options in (
        ("German reply, Sie workspace", GERMAN_REPLY, {"address_form": "sie", "language": "de"}),
        ("English reply, formal workspace", ENGLISH_REPLY, {"address_form": "formal", "language": "en"}),
    ):
        text = (text * 3)[:2000]
        findings = check_reply(text, banned=banned, signature="^Lena", max_length=8000, emoji_policy="sparingly",
                               expected_language=options["language"], brands=["Sonnenschein-Kruste"], **options)

        def run(text=text, options=options):
            check_reply(text, banned=banned, signature="^Lena", max_length=8000, emoji_policy="sparingly",
                        expected_language=options["language"], brands=["Sonnenschein-Kruste"], **options)

        def baseline(text=text):
            words = text.lower().split()
            return len(text) <= 8000 and "du" in words

        checker = sorted(_timings(run, runs))
        trivial = sorted(_timings(baseline, runs))
        median, p95 = statistics.median(checker), checker[int(0.95 * len(checker))]
        base = statistics.median(trivial)
        print(f"checker, {name}, {len(text):,} characters, {len(findings)} findings: median {median:.2f} ms, "
              f"p95 {p95:.2f} ms (target < 5 ms: {'met' if median < 5 else 'NOT met'}); trivial baseline "
              f"{base:.3f} ms; checker / baseline = {median / base:,.0f}×")


def _episodes(results) -> tuple[int, int]:
    """(alarm episodes, warning episodes): runs of consecutive windows above "none" count once."""
    alarms = warnings = 0
    previous = "none"
    for assessment in results:
        level = assessment.level
        if level != "none" and previous == "none":
            if level == "alarm":
                alarms += 1
            else:
                warnings += 1
        elif level == "alarm" and previous == "warning":
            alarms += 1
            warnings -= 1
        previous = level
    return alarms, warnings


def synthetic_rate() -> None:
    sys.path.insert(0, str(ROOT))
    from agency.community import detection
    from tests.community.synthetic import normal_weeks

    alarms = warnings = weeks = 0
    started = time.perf_counter()
    for seed in (7, 11, 23):
        traffic = normal_weeks(10, seed=seed, per_hour=20, wave_size=400)
        results = detection.replay(traffic.series(), traffic.start + 2 * detection.WEEK, traffic.end)
        a, w = _episodes(results)
        alarms, warnings, weeks = alarms + a, warnings + w, weeks + 8
    print(f"synthetic model weeks: {weeks} workspace-weeks, {alarms} alarms, {warnings} warnings = "
          f"{alarms / weeks:.3f} alarms and {warnings / weeks:.3f} warnings per workspace-week "
          f"({time.perf_counter() - started:.1f} s)")


def sandbox_rate(workspaces: int) -> int:
    server = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    database_url = fresh_database(server, "agency_bench_community")
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="bench-secret",
                      AGENCY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                      AGENCY_INSTANCE_DIR=str(ROOT / "instance" / "bench"))
    from agency.sandbox.testing import running_sandbox

    with running_sandbox(default_accounts=False) as sandbox:
        os.environ.update(META_GRAPH_BASE=sandbox.graph_base)
        return _sandbox_weeks(sandbox, database_url, workspaces)


def _sandbox_weeks(sandbox, database_url: str, workspaces: int) -> int:
    from datetime import UTC, datetime, timedelta

    from agency import db
    from agency.app import create_app
    from agency.cli import upgrade_database
    from agency.community import detection
    from agency.community.services import settings as community_settings
    from agency.community.services import storms

    upgrade_database(database_url)
    app = create_app()
    days = 70
    sizes = [(12, 15), (30, 40), (60, 90), (120, 200), (20, 30), (45, 60)][:workspaces]
    today = time.time() // 86400 * 86400
    with app.app_context():
        from agency.accounts.services import create_agency, create_workspace
        from agency.channels.services import connect_channel
        from agency.inbox.jobs import run_sync

        with db.system_scope("bench: create the agency"):
            agency, owner = create_agency("Bench Agentur", "bench@example.com", "Bench", "Lindgrün-Ahorn-Kompass-7")
            db.session.commit()
            agency_id = agency.id
        started = time.perf_counter()
        rows = []
        with db.tenant(db.session(), agency_id):
            for number, (per_day, wave) in enumerate(sizes):
                account_id = f"bench-storm-{number}"
                created = sandbox.add_account("facebook_page", account_id, name=f"Bench {number}",
                                              history_days=days, per_day=per_day)
                rng = random.Random(number)
                for day in range(days, 0, -1):
                    size = max(1, round(wave * rng.gammavariate(4, 1 / 4)))
                    sandbox.admin("POST", "storm", account_id=account_id, count=size, minutes=360, mood="mixed",
                                  wave=True, start=today - day * 86400 + 120, seed=f"bench-{number}-{day}")
                ws = create_workspace(owner, name=f"Bench Kunde {number}")
                channel = connect_channel(owner, ws, platform="facebook_page", account_id=account_id,
                                          token=created["token"], backfill_days=days + 1)
                db.session.commit()
                run_sync(channel)
                db.session.commit()
                rows.append((ws.id, per_day, wave))
        print(f"sandbox: {len(rows)} workspaces, {days} days each, synced in {time.perf_counter() - started:.0f} s")
        alarms = warnings = 0
        now = datetime.now(UTC)
        end = detection.bucket_of(now.timestamp())
        until = datetime.fromtimestamp(end * detection.BUCKET_SECONDS, tz=UTC)
        with db.tenant(db.session(), agency_id):
            for workspace_id, per_day, wave in rows:
                series = storms.load_series(workspace_id, list(community_settings.DEFAULT_CRISIS_KEYWORDS),
                                            until - timedelta(days=days + 1), until)
                results = detection.replay(series, end - 8 * detection.WEEK, end)
                a, w = _episodes(results)
                items = series.window("total", end, length=8 * detection.WEEK)
                print(f"  workspace with {per_day}/day and waves of ~{wave}: {items:,} items in 8 weeks, "
                      f"{len(results):,} windows judged, {a} alarms, {w} warnings")
                alarms, warnings = alarms + a, warnings + w
        weeks = 8 * len(rows)
        print(f"sandbox weeks: {weeks} workspace-weeks, {alarms} alarms, {warnings} warnings = "
              f"{alarms / weeks:.3f} false alarms and {warnings / weeks:.3f} warnings per workspace-week")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", type=int, default=4, help="sandbox accounts to replay (at most 6)")
    parser.add_argument("--runs", type=int, default=2000, help="checker calls per text")
    parser.add_argument("--skip-sandbox", action="store_true")
    args = parser.parse_args()
    checker_speed(args.runs)
    synthetic_rate()
    if not args.skip_sandbox:
        return sandbox_rate(max(1, min(6, args.workspaces)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
