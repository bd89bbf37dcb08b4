"""The demo looks like a well-run agency: most items answered by staff within their SLA, a few at risk,
hardly any breached, and an open inbox of the last hours — from the sandbox's real traffic."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from agency import db, demo_history, wiring
from agency.demo import DEMO_CHANNELS, connect_demo_channels, ensure_sandbox_accounts, seed_demo
from agency.inbox.models import Interaction, Reply

HISTORY_DAYS = 12
BERLIN = ZoneInfo("Europe/Berlin")
#: A Wednesday, 11:00 in Berlin: a working day, mid-morning (no public holiday in any demo Land).
NOW = datetime(2026, 3, 11, 11, 0, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def demo_agency(app, monkeypatch):
    """The demo agency with its sandbox channels, synced at NOW like the demo's worker does."""
    from agency.channels.models import Channel
    from agency.inbox.jobs import run_sync
    from agency.sandbox.testing import running_sandbox

    monkeypatch.setattr(db, "utcnow", lambda: NOW)  # the app's clock, as the sandbox's
    original = app.config["AGENCY"]
    with running_sandbox(now=lambda: NOW, default_accounts=False) as sandbox:
        app.config["AGENCY"] = original.with_overrides(
            meta_graph_base=sandbox.graph_base, google_api_base=sandbox.google_base,
            google_accounts_base=sandbox.google_base, google_info_base=sandbox.google_base,
            youtube_api_base=sandbox.youtube_base)
        try:
            seed_demo()
            ensure_sandbox_accounts(sandbox.url, history_days=HISTORY_DAYS)
            assert connect_demo_channels(backfill_days=HISTORY_DAYS) == len(DEMO_CHANNELS)
            db.session.commit()
            agency_id = demo_history.demo_agency_id()
            with db.tenant(db.session(), agency_id):
                for channel in db.session.scalars(select(Channel).where(Channel.agency_id == agency_id)):
                    run_sync(channel)
                    assert channel.last_error is None, channel.last_error
        finally:
            app.config["AGENCY"] = original
    return agency_id


def _shape(agency_id: int, now: datetime) -> Counter:
    """(status, SLA state as of now) of the customer items that existed at ``now``."""
    rows = db.session.execute(
        select(Interaction.status, Interaction.sla_state, Interaction.sla_due_at)
        .where(Interaction.agency_id == agency_id, Interaction.is_own.is_(False),
               Interaction.is_deleted.is_(False), Interaction.platform_created_at <= now,
               Interaction.status != "spam"))
    shape: Counter = Counter()
    for status, state, due in rows:
        if status in ("new", "open", "waiting") and due is not None and due <= now:
            state = "breached"
        shape[(status, state)] += 1
    return shape


def test_demo_history_looks_well_run(demo_agency):
    agency_id = demo_agency
    now = NOW
    with db.tenant(db.session(), agency_id):
        result = demo_history.tend(agency_id, now=now)
    assert result.answered > 100 and result.closed > 10

    shape = _shape(agency_id, now)
    total = sum(shape.values())
    handled = shape[("closed", "met")] + shape[("closed", "missed")]
    open_items = {key: n for key, n in shape.items() if key[0] == "new"}
    breached = shape[("new", "breached")]
    assert total > 300, shape
    assert handled / total > 0.9, shape  # most items answered or closed by staff
    assert shape[("closed", "met")] / handled > 0.95, shape  # inside the SLA
    assert breached / total < 0.02 and breached <= 5, shape  # few breached
    assert sum(open_items.values()) >= 1, shape  # an open inbox …
    assert shape[("new", "on_track")] >= shape[("new", "at_risk")] + breached, shape  # … mostly on track

    oldest_open = db.session.scalar(select(func.min(Interaction.platform_created_at)).where(
        Interaction.agency_id == agency_id, Interaction.status == "new", Interaction.is_own.is_(False),
        Interaction.platform_created_at <= now))
    # Of the last working days, nothing older: the slowest plan is a low-priority review (two business days)
    # answered at 1.6 times its target, 3.2 business days, and a weekend may lie between (12 days of history).
    assert now - oldest_open < timedelta(days=5)

    # Staff answered in the history, in business hours, before the due time as a rule.
    replies = db.session.execute(
        select(Reply.sent_at, func.coalesce(Interaction.first_response_due_at, Interaction.next_response_due_at),
               Interaction.platform_created_at)
        .join(Interaction, Interaction.id == Reply.interaction_id).where(Reply.agency_id == agency_id)).all()
    assert len(replies) == result.answered
    assert all(sent <= now and sent >= created for sent, _due, created in replies)
    in_time = sum(1 for sent, due, _created in replies if due is not None and sent <= due)
    assert in_time / len(replies) > 0.95
    hours = Counter(sent.astimezone(BERLIN).hour for sent, _due, _created in replies)
    assert set(hours) <= set(range(9, 17)), hours  # the calendar's business hours, Mon–Fri 9–17


def test_tending_is_stable_and_leaves_peoples_work_alone(demo_agency):
    agency_id = demo_agency
    now = NOW
    with db.tenant(db.session(), agency_id):
        first = demo_history.tend(agency_id, now=now - timedelta(days=1))
        # A person takes one of the items still open then.
        taken = db.session.scalars(select(Interaction).where(
            Interaction.agency_id == agency_id, Interaction.status == "new", Interaction.is_own.is_(False),
            Interaction.platform_created_at <= now - timedelta(days=1))).first()
        assert taken is not None
        from agency.accounts.models import User

        person = db.session.scalars(select(User).where(User.agency_id == agency_id, User.role == "owner")).one()
        taken.assignee_id = person.id
        db.session.flush()
        later = demo_history.tend(agency_id, now=now)
        again = demo_history.tend(agency_id, now=now)
    assert first.answered and later.answered
    assert again.answered == 0 and again.closed == 0  # nothing is answered twice
    db.session.refresh(taken)
    assert taken.status == "new" and taken.first_responded_at is None
    assert not db.session.scalars(select(Reply).where(Reply.interaction_id == taken.id)).all()


def test_fates_are_drawn_from_the_id_and_mostly_in_time():
    from agency.sla.policy import workspace_default_calendar

    clock = workspace_default_calendar("Europe/Berlin", "DE", "BY")
    created = datetime(2026, 3, 10, 10, 0, tzinfo=BERLIN)
    fates = [demo_history.fate(i, created, target_minutes=120, clock=clock, positive_remark=False) for i in range(2000)]
    assert fates == [demo_history.fate(i, created, target_minutes=120, clock=clock, positive_remark=False)
                     for i in range(2000)]
    late = sum(f.late for f in fates) / len(fates)
    assert 0.005 < late < 0.05
    due = clock.add(created, timedelta(minutes=120))
    assert sum(f.at <= due for f in fates) / len(fates) > 0.95


def test_reply_texts_follow_language_address_form_and_mood():
    text = demo_history.reply_text
    assert "dir" in text(0, language="de", address_form="du", kind="comment", sentiment="positive", rating=None,
                         is_question=False)
    assert "deine" in text(0, language="de", address_form="du", kind="direct_message", sentiment="neutral",
                           rating=None, is_question=False)
    assert "Ihr" in text(1, language="de", address_form="sie", kind="review", sentiment="negative", rating=1,
                         is_question=False)
    assert "sorry" in text(2, language="en", address_form="sie", kind="comment", sentiment="negative", rating=None,
                           is_question=False)


def test_the_demo_staff_are_scheduled_only_in_the_demo(monkeypatch):
    from agency.config import Config

    monkeypatch.setenv("AGENCY_DEMO_STAFF", "1")
    assert Config.from_env().demo_staff
    monkeypatch.delenv("AGENCY_DEMO_STAFF")
    assert not Config.from_env().demo_staff
    app = Flask("demo-test")
    demo_history.init_app(app)
    assert [p.job for p in wiring.of(app).periodic] == [demo_history.tend_demo_inbox]
