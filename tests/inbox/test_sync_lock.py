"""The per-channel sync lock: one sync of a channel at a time, and a run never frees another run's lock."""

from __future__ import annotations

import threading

from redis import Redis
from sqlalchemy import func, select

from agency import db
from agency.inbox import jobs
from agency.inbox.ingest import IngestResult
from agency.queue import get_redis

KEY = "agency:sync-lock:{}"


def _other_worker() -> Redis:
    """A second client on the same server: another worker's view of Redis."""
    return Redis(connection_pool=get_redis().connection_pool)


def _takeover_after_first_command(monkeypatch, channel_id: int) -> dict:
    """Between the first and the second Redis command of the code under test, our lock expires and
    another worker takes it: the interleaving a GET-then-DEL release cannot survive."""
    client = get_redis()
    real = client.execute_command
    state = {"armed": False, "done": False}

    def interleaved(*args, **options):
        try:
            return real(*args, **options)
        finally:
            if state["armed"] and not state["done"]:
                state["done"] = True
                other = _other_worker()
                other.delete(KEY.format(channel_id))  # our TTL ran out …
                other.set(KEY.format(channel_id), "worker-b", nx=True, ex=120)  # … and worker B took the lock

    monkeypatch.setattr(client, "execute_command", interleaved)
    return state


def test_release_never_frees_a_lock_another_worker_holds(app, monkeypatch):
    lock = jobs._ChannelLock(4711)
    assert lock.acquire()
    assert not jobs._ChannelLock(4711).acquire()  # held: a second sync of the channel does not start
    state = _takeover_after_first_command(monkeypatch, 4711)
    state["armed"] = True
    lock.release()
    assert state["done"]
    assert _other_worker().get(KEY.format(4711)) == b"worker-b"


def test_renew_of_a_lost_lock_says_so_and_leaves_the_new_holder_alone(app, monkeypatch):
    lock = jobs._ChannelLock(4712)
    assert lock.acquire() and lock.renew()
    other = _other_worker()
    other.delete(KEY.format(4712))
    other.set(KEY.format(4712), "worker-b", ex=30)
    assert lock.renew() is False
    assert other.get(KEY.format(4712)) == b"worker-b" and other.ttl(KEY.format(4712)) <= 30
    lock.release()
    assert other.get(KEY.format(4712)) == b"worker-b"


def test_two_concurrent_syncs_of_one_channel_run_once(_app, _session_sandbox):
    """Two workers start a sync of the same channel at once: one syncs, the other skips."""
    from agency.accounts.models import Agency
    from agency.channels.models import Channel
    from agency.inbox.models import Interaction
    from tests.conftest import make_agency, make_channel, make_workspace, unique_account

    sandbox = _session_sandbox
    account = sandbox.add_account("facebook_page", unique_account(), name="Lock Page", history_days=2, per_day=40)
    original = _app.config["AGENCY"]
    _app.config["AGENCY"] = original.with_overrides(meta_graph_base=sandbox.graph_base)
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Lock Agentur")
        channel = make_channel(make_workspace(agency), "facebook_page", account["account_id"],
                               access_token=account["token"], backfill_days=3)
        db.session.commit()
        agency_id, channel_id = agency.id, channel.id
        db.session.remove()
    # The first request of the sync that gets the lock is slow, so the other one arrives while it is held.
    sandbox.fault("slow", account["account_id"], count=1, seconds=1.5)
    started, results = threading.Barrier(2), {}

    def worker(name: str) -> None:
        with _app.app_context():
            try:
                started.wait()
                with db.tenant(db.session(), agency_id):
                    results[name] = jobs.run_sync(db.session.get(Channel, channel_id))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        inserted = sorted(result.inserted for result in results.values())
        assert len(results) == 2 and inserted[0] == 0 and inserted[1] > 0
        assert IngestResult() in results.values()  # the skipped one did nothing at all
        with _app.app_context(), db.system_scope("test: read back"):
            stored = db.session.scalar(select(func.count(Interaction.id)).where(Interaction.channel_id == channel_id))
            synced = db.session.get(Channel, channel_id)
            assert stored == inserted[1] and synced.items_synced >= stored
            db.session.remove()
        assert get_redis().get(KEY.format(channel_id)) is None  # released at the end
    finally:
        _app.config["AGENCY"] = original
        sandbox.admin("DELETE", "faults")
        with _app.app_context(), db.system_scope("test: remove committed fixtures"):
            db.session.delete(db.session.get(Agency, agency_id))
            db.session.commit()
            db.session.remove()
