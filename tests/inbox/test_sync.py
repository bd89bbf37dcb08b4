"""Sync jobs against the sandbox over HTTP: idempotency, interruption, faults, backfill progress."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.accounts.notifications import Notification
from agency.channels.models import Channel, ChannelStatus
from agency.channels.services import connect_channel
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction
from tests.conftest import unique_account, unique_youtube_channel


def _connect(platform_sandbox, world, platform="facebook_page", per_day=12, history_days=10, workspace=None):
    account_id = unique_account()
    if platform == "google_business_profile":
        account_id = f"accounts/{unique_account()}/locations/{unique_account()}"
    elif platform == "youtube_channel":
        account_id = unique_youtube_channel()
    created = platform_sandbox.add_account(platform, account_id, name="Bäckerei Test", history_days=history_days,
                                           per_day=per_day)
    channel = connect_channel(world.owner_a, workspace or world.ws_a, platform=platform, account_id=account_id,
                              token=created["token"], name="Bäckerei Test", backfill_days=history_days + 2)
    db.session.commit()  # as in production: the channel exists before a sync runs (and may roll back)
    return channel, created


def _count(channel_id: int) -> int:
    return db.session.scalar(select(func.count(Interaction.id)).where(Interaction.channel_id == channel_id))


def _ids(channel_id: int) -> set[str]:
    return set(db.session.scalars(select(Interaction.external_id).where(Interaction.channel_id == channel_id)))


def test_first_sync_stores_every_kind_and_second_sync_changes_nothing(platform, world):
    channel, _ = _connect(platform, world)
    first = run_sync(channel)
    assert first.inserted > 20
    assert channel.status == ChannelStatus.ACTIVE and channel.last_synced_at is not None
    assert channel.backfill_done_at is not None and channel.backfill_progress == 1.0
    kinds = set(db.session.scalars(select(Interaction.kind).where(Interaction.channel_id == channel.id)))
    assert {"comment", "direct_message"} <= kinds
    rows = db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id)).all()
    assert all(r.agency_id == world.agency_a.id and r.workspace_id == world.ws_a.id for r in rows)
    assert all(r.language in ("de", "en", "other") and r.sentiment_label for r in rows)
    replies = [r for r in rows if r.parent_external_id]
    stored = _ids(channel.id)
    # A reply's parent is found in the same channel by its external id (comments and their replies).
    assert replies and any(r.parent_external_id in stored for r in replies)

    before = _ids(channel.id)
    second = run_sync(channel)
    assert second.inserted == 0
    assert _ids(channel.id) == before and _count(channel.id) == len(before)


def test_interrupted_sync_resumes_without_loss_or_duplicates(platform, world, monkeypatch):
    reference, created = _connect(platform, world, per_day=30)
    run_sync(reference)
    expected = set(_ids(reference.id))
    # The same account in another agency (one agency connects an account once), synced with a crash
    # after the first page.
    channel = connect_channel(world.owner_b, world.ws_b, platform="facebook_page",
                              account_id=reference.external_account_id, token=created["token"],
                              backfill_days=reference.backfill_days)
    db.session.commit()
    import agency.inbox.jobs as jobs

    real_ingest = jobs.ingest_items
    calls = {"n": 0}

    def crash_on_second_page(channel_arg, items, **kwargs):
        calls["n"] += bool(items)
        if calls["n"] == 2 and items:
            raise RuntimeError("worker killed")
        return real_ingest(channel_arg, items, **kwargs)

    monkeypatch.setattr(jobs, "ingest_items", crash_on_second_page)
    run_sync(channel)
    assert channel.status == ChannelStatus.ERROR and "Internal error" in channel.last_error
    partial = _ids(channel.id)
    assert 0 < len(partial) < len(expected)  # the first page was committed with its cursor
    monkeypatch.setattr(jobs, "ingest_items", real_ingest)
    run_sync(channel)
    assert channel.status == ChannelStatus.ACTIVE
    assert _ids(channel.id) == expected
    assert _count(channel.id) == len(expected)


def test_new_fan_comment_arrives_on_next_sync(platform, world):
    channel, _ = _connect(platform, world)
    run_sync(channel)
    posted = platform.fan(channel.external_account_id, "comment", text="Habt ihr am Sonntag offen? 🥐",
                          author="Fan Fritz")
    result = run_sync(channel)
    assert result.inserted >= 1
    stored = db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id,
                                                          Interaction.external_id == posted["id"])).one()
    assert stored.text == "Habt ihr am Sonntag offen? 🥐" and stored.is_question and stored.language == "de"


def test_expired_token_marks_channel_and_notifies_team_once(platform, world):
    channel, _ = _connect(platform, world)
    platform.fault("expired_token", channel.external_account_id, count=5)
    run_sync(channel)
    assert channel.status == ChannelStatus.NEEDS_REAUTH and channel.next_sync_at is None
    notes = db.session.scalars(select(Notification).where(Notification.kind == "channel.needs_reauth")).all()
    recipients = {n.user_id for n in notes}
    assert world.owner_a.id in recipients and world.cm_a.id in recipients
    assert world.cm_unassigned.id not in recipients and world.owner_b.id not in recipients
    run_sync(channel)  # a second failing run notifies nobody again
    assert len(db.session.scalars(select(Notification).where(Notification.kind == "channel.needs_reauth")).all()) \
        == len(notes)


def test_rate_limit_backs_off_until_stated_time_without_failing(platform, world):
    channel, _ = _connect(platform, world)
    platform.fault("rate_limit", channel.external_account_id, count=3, seconds=600)
    result = run_sync(channel)
    assert result.inserted == 0
    assert channel.status == ChannelStatus.ACTIVE
    assert channel.backoff_until is not None
    wait = (channel.backoff_until - db.utcnow()).total_seconds()
    assert 60 < wait <= 3600
    from agency.channels.queries import due_channels

    assert (channel.agency_id, channel.id) not in due_channels(db.utcnow())


def test_server_errors_retry_with_growing_backoff(platform, world):
    channel, _ = _connect(platform, world)
    platform.fault("server_error", channel.external_account_id, count=50)
    run_sync(channel)
    first_wait = channel.backoff_until - channel.last_error_at
    run_sync(channel)
    second_wait = channel.backoff_until - channel.last_error_at
    assert channel.status == ChannelStatus.ACTIVE and channel.consecutive_failures == 2
    assert second_wait > first_wait
    platform.admin("DELETE", "faults")
    channel.backoff_until = None
    run_sync(channel)
    assert channel.consecutive_failures == 0 and channel.last_error is None and _count(channel.id) > 0


def test_every_platform_syncs(platform, world):
    for name in ("instagram_business", "google_business_profile", "youtube_channel"):
        channel, _ = _connect(platform, world, platform=name)
        result = run_sync(channel)
        assert result.inserted > 0, name
        assert channel.status == ChannelStatus.ACTIVE, (name, channel.last_error)
    reviews = db.session.scalars(select(Interaction).where(Interaction.kind == "review")).all()
    assert reviews and all(1 <= r.rating <= 5 for r in reviews)


def test_dispatcher_queues_due_channels_once(platform, world):
    from agency.inbox.jobs import dispatch_due_syncs
    from agency.queue import get_queue

    queue = get_queue("sync")
    queue.empty()
    channel, _ = _connect(platform, world)
    db.session.commit()
    queue.empty()  # the connect itself queued one; start from empty
    assert dispatch_due_syncs.__wrapped__() >= 1
    db.session.commit()
    ids = [j.id for j in queue.jobs]
    assert f"sync-{channel.id}" in ids
    dispatch_due_syncs.__wrapped__()
    db.session.commit()
    assert [j.id for j in queue.jobs].count(f"sync-{channel.id}") == 1  # not twice while waiting


def test_sync_lock_prevents_concurrent_runs(platform, world):
    from agency.inbox.jobs import _ChannelLock

    channel, _ = _connect(platform, world)
    lock = _ChannelLock(channel.id)
    assert lock.acquire()
    try:
        result = run_sync(channel)
        assert result.inserted == 0 and _count(channel.id) == 0
    finally:
        lock.release()
    assert run_sync(channel).inserted > 0


def test_paused_channel_is_not_synced(platform, world):
    from agency.inbox.jobs import sync_channel

    channel, _ = _connect(platform, world)
    channel.status = ChannelStatus.PAUSED
    db.session.commit()
    assert sync_channel.__wrapped__(channel.agency_id, channel.id) == {"skipped": True}
    assert db.session.get(Channel, channel.id).status == ChannelStatus.PAUSED


def test_first_backfill_keeps_only_recent_history_open(platform, world):
    from datetime import timedelta

    from agency.inbox.jobs import OPEN_HISTORY

    channel, _ = _connect(platform, world, per_day=20, history_days=10)
    run_sync(channel)
    cutoff = db.utcnow() - OPEN_HISTORY - timedelta(minutes=5)
    rows = db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id,
                                                        Interaction.is_spam.is_(False),
                                                        Interaction.is_own.is_(False))).all()
    old = [r for r in rows if r.platform_created_at < cutoff]
    recent = [r for r in rows if r.platform_created_at > db.utcnow() - OPEN_HISTORY + timedelta(minutes=5)]
    assert old and all(r.status == "closed" and not r.is_opportunity for r in old)
    assert recent and all(r.status == "new" for r in recent)
    # After the backfill, everything new arrives open, whatever its age.
    posted = platform.fan(channel.external_account_id, "comment", text="Neu nach dem Backfill")
    run_sync(channel)
    fresh = db.session.scalars(select(Interaction).where(Interaction.external_id == posted["id"])).one()
    assert fresh.status == "new"
