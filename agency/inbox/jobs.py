"""Sync jobs: fetch a channel's new items page by page and store them.

``sync_channel`` holds a Redis lock per channel (never two syncs of one channel at
once) and commits each page's rows together with the cursor that follows the page,
so a worker killed at any point resumes from the last committed page: nothing is
lost, and re-fetched items are deduplicated by the upsert.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from datetime import timedelta

from redis.exceptions import LockError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from agency import db
from agency.channels import access
from agency.channels import services as channel_services
from agency.channels.connectors.base import (
    AccessNotGranted,
    AuthExpired,
    Connector,
    ConnectorError,
    RateLimited,
    SyncPage,
    TransientError,
)
from agency.channels.models import Channel, ChannelStatus
from agency.channels.queries import due_channels
from agency.inbox.ingest import IngestResult, ingest_items
from agency.queue import enqueue_after_commit, get_redis, job

log = logging.getLogger(__name__)

SYNC_TIMEOUT = 1800
# A first backfill leaves only this much recent history open in the inbox; older items arrive closed.
OPEN_HISTORY = timedelta(days=3)
LOCK_TTL = 120  # renewed after each page; a killed worker's lock expires by itself


class _ChannelLock:
    """The lock one sync run holds on its channel: redis-py's ``Lock``.

    Taking it is ``SET NX PX`` with a random token; extending and releasing are Lua scripts that
    act only while the key still holds our token. A hand-written GET-then-DEL could delete the
    lock another worker took after ours expired, letting a third sync start beside it.
    """

    def __init__(self, channel_id: int):
        self._lock = get_redis().lock(f"agency:sync-lock:{channel_id}", timeout=LOCK_TTL, blocking=False,
                                      thread_local=False)

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False))

    def renew(self) -> bool:
        """Give the lock a full TTL again; False when it is no longer ours (it expired)."""
        try:
            return bool(self._lock.extend(LOCK_TTL, replace_ttl=True))
        except LockError:
            return False

    def release(self) -> None:
        try:
            self._lock.release()
        except LockError:  # expired meanwhile: whoever holds it now keeps it
            log.warning("sync lock %s had expired before its release", self._lock.name)


class _Prefetch:
    """Fetch the next page in a thread while the current one is stored (at most ``depth`` ahead).

    Only stored pages move the committed cursor, so a page fetched ahead and lost in a crash
    is simply fetched again.
    """

    _DONE = object()

    def __init__(self, pages: Iterator[SyncPage], depth: int = 2):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pages,), daemon=True, name="sync-prefetch")
        self._thread.start()

    def _run(self, pages: Iterator[SyncPage]) -> None:
        try:
            for page in pages:
                while not self._stop.is_set():
                    try:
                        self._queue.put(page, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            self._queue.put(self._DONE)
        except BaseException as exc:  # handed to the consumer, which records it on the channel
            self._queue.put(exc)

    def __iter__(self) -> Iterator[SyncPage]:
        while True:
            item = self._queue.get()
            if item is self._DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _refresh_planner_statistics() -> None:
    """ANALYZE interactions during a large first backfill.

    The table can grow by 100,000 rows in a minute, faster than autovacuum re-analyzes it; with
    statistics that still say "a few rows", the planner picks scans whose cost then grows with every
    page (measured: 690 instead of 1,750 items/s). ANALYZE samples, takes milliseconds, and runs
    inside the transaction. It needs the table's owner, so the app calls the owner's
    ``analyze_interactions()`` (SECURITY DEFINER, created by the migrations).
    """
    try:
        with db.session.begin_nested():
            db.session.execute(text("SELECT analyze_interactions()"))
    except DBAPIError:
        log.info("could not ANALYZE interactions; continuing with the current statistics")


def _analyze_after(page_number: int) -> bool:
    return page_number in (5, 25) or (page_number > 0 and page_number % 50 == 0)


def run_sync(channel: Channel, *, max_pages: int | None = None) -> IngestResult:
    """Sync one channel now, committing after every page; returns what was stored.

    Connector errors are recorded on the channel (never raised): rate limits back off
    until the stated time, expired tokens mark the channel for reconnection (after one
    refresh of a Google token), timeouts and server errors retry with exponential backoff,
    a token the platform does not confirm for the account stops the channel, anything
    else marks it failed.
    """
    total = IngestResult()
    lock = _ChannelLock(channel.id)
    if not lock.acquire():
        log.info("channel %s is already syncing; skipped", channel.id)
        return total
    try:
        access.refresh_if_expiring(channel, db.utcnow())
        access.ensure_verified(channel)
        db.session.commit()  # a new token and the platform's confirmation outlive a failing page
        try:
            _sync_pages(channel, access.connector_for(channel), lock, total, max_pages)
        except AuthExpired:
            if not access.can_refresh(channel):
                raise
            # A 401 before the stated expiry (revoked early, clock skew): one refresh, then resume
            # from the last committed page.
            db.session.rollback()
            access.refresh_access_token(channel)
            db.session.commit()
            _sync_pages(channel, access.connector_for(channel), lock, total, max_pages)
    except AccessNotGranted as err:
        db.session.rollback()
        channel_services.record_needs_reauth(
            channel, db.utcnow(), f"The platform did not confirm that the token gives access to this account: {err}",
            link=_channels_link(channel))
    except RateLimited as err:
        db.session.rollback()
        channel_services.record_rate_limited(channel, db.utcnow(), err.retry_after, str(err))
    except AuthExpired as err:
        db.session.rollback()
        channel_services.record_needs_reauth(channel, db.utcnow(), str(err), link=_channels_link(channel))
    except TransientError as err:
        db.session.rollback()
        channel_services.record_transient_failure(channel, db.utcnow(), str(err))
    except ConnectorError as err:
        db.session.rollback()
        channel_services.record_failure(channel, db.utcnow(), str(err))
    except Exception as err:  # a bug must not become a crash loop: record it and back off
        db.session.rollback()
        log.exception("sync of channel %s failed", channel.id)
        channel_services.record_failure(channel, db.utcnow(), f"Internal error ({type(err).__name__})")
    finally:
        db.session.commit()
        lock.release()
    return total


def _sync_pages(channel: Channel, connector: Connector, lock: _ChannelLock, total: IngestResult,
                max_pages: int | None) -> None:
    """Store pages from the committed cursor on; records success at the end of a pass."""
    now = db.utcnow()
    since = now - timedelta(days=channel.backfill_days)
    workspace_language = _workspace_language(channel)
    pages = 0
    sync_cache: dict = {}  # what signal handlers look up once per sync (the SLA policies)
    prefetch = _Prefetch(connector.iter_pages(channel.sync_cursor, since))
    try:
        for page in prefetch:
            history_before = now - OPEN_HISTORY if channel.backfill_done_at is None else None
            total += ingest_items(channel, page.items, default_language=workspace_language,
                                  history_before=history_before, observed_at=page.fetched_at,
                                  sync_cache=sync_cache)
            channel.sync_cursor = page.cursor
            channel.items_synced += len(page.items)
            if channel.backfill_done_at is None and page.progress is not None:
                channel.backfill_progress = max(0.0, min(1.0, float(page.progress)))
            db.session.commit()  # rows and the cursor after them, in one transaction
            if not lock.renew():
                # Our lock expired and another worker may be syncing now: stop after the committed page.
                log.warning("channel %s: sync lock lost; stopping after the stored page", channel.id)
                return
            pages += 1
            if channel.backfill_done_at is None and _analyze_after(pages):
                _refresh_planner_statistics()
            if max_pages is not None and pages >= max_pages and not page.done:
                return
        channel_services.record_success(channel, db.utcnow())
    finally:
        prefetch.close()


def _workspace_language(channel: Channel) -> str:
    from agency.accounts.models import Workspace

    ws = db.session.get(Workspace, channel.workspace_id)
    return ws.locale if ws is not None else "de"


def _channels_link(channel: Channel) -> str:
    from agency.accounts.models import Workspace

    ws = db.session.get(Workspace, channel.workspace_id)
    return f"/w/{ws.slug}/channels/" if ws is not None else ""


@job("sync", timeout=SYNC_TIMEOUT)
def sync_channel(agency_id: int, channel_id: int) -> dict:
    """Sync one channel of one agency (see ``run_sync``)."""
    with db.tenant(db.session(), agency_id):
        channel = db.get_in_agency(Channel, channel_id, agency_id)
        if channel is None or channel.status in (ChannelStatus.PAUSED, ChannelStatus.NEEDS_REAUTH):
            return {"skipped": True}
        result = run_sync(channel)
        return {"inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged,
                "skipped": result.skipped, "status": channel.status}


def enqueue_sync(agency_id: int, channel_id: int) -> None:
    # One waiting job per channel: the id makes a second request a no-op while one is queued.
    enqueue_after_commit(sync_channel, agency_id, channel_id, job_id=f"sync-{channel_id}")


@job("sync", timeout=60)
def dispatch_due_syncs() -> int:
    """Periodic: queue a sync for every channel whose interval has passed."""
    due = due_channels(db.utcnow())
    for agency_id, channel_id in due:
        enqueue_sync(agency_id, channel_id)
    return len(due)
