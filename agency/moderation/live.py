"""The live inbox: new and changed items reach open inbox pages without a reload.

What happened is published to Redis (``PUBLISH agency:live:<agency id>``) once the transaction that stored it
has committed, never before (a page must not learn of a row it cannot read yet, nor of one rolled back).

Each web process holds **one** Redis subscription (a daemon thread, ``Hub``) and fans the messages out to the
event streams of that process through in-memory queues: 200 open inboxes cost 200 queues and 200 waiting
threads, not 200 Redis connections. The stream (``/inbox/events``, server-sent events) is served by gunicorn's
``gthread`` worker with enough threads for the open pages (``--threads 256`` on a process of its own for the
stream, see README): a waiting thread costs little memory and no CPU, and the app needs no async rewrite nor
monkey-patching of its database driver. Each stream ends after ``STREAM_SECONDS`` and the browser reconnects
(``retry``), so threads come back even from pages that vanished without closing. Without JavaScript, or when
the stream fails, the page still works (reload), and the script falls back to polling ``/inbox/events?since=``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.orm import Session

from agency import db
from agency.queue import get_redis

log = logging.getLogger(__name__)

PREFIX = "agency:live:"
#: A stream lives this long, then the browser reconnects (threads come back even from vanished pages).
STREAM_SECONDS = 300
#: A comment line this often keeps proxies from closing an idle stream.
HEARTBEAT_SECONDS = 15


def channel_of(agency_id: int) -> str:
    return f"{PREFIX}{agency_id}"


# --- publishing, after the commit -----------------------------------------------------------


def announce(session: Session, agency_id: int, workspace_id: int, kind: str, ids: list[int], **extra) -> None:
    """Publish that items of a workspace are new (``kind="new"``) or changed, once ``session`` commits.

    ``extra``: more fields of the event (desktop notifications read ``event_id``, ``assignee_id``, ``user_ids``,
    ``author``, ``url``; plain JSON values only)."""
    if not ids:
        return
    session.info.setdefault("live_events", []).append(
        (agency_id, {**extra, "kind": kind, "workspace_id": workspace_id, "ids": list(ids)[:200]}))
    if not session.in_transaction():  # nothing uncommitted to wait for
        _publish(session)


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop("live_events", [])
    if not pending:
        return
    try:
        pipe = get_redis().pipeline(transaction=False)
        committed_at = time.time()
        for agency_id, payload in pending:
            pipe.publish(channel_of(agency_id), json.dumps({**payload, "at": committed_at}))
        pipe.execute()
    except Exception:  # a Redis outage must not fail a committed request; pages still poll
        log.exception("could not publish %d live events", len(pending))


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    # The session's own transaction rolled back (not merely a savepoint inside it): nothing of it happened.
    if not previous_transaction.nested:
        session.info.pop("live_events", None)


def on_received(channel, interaction_ids, **_kwargs) -> None:
    """Signal handler: items stored by a sync or a webhook."""
    from agency import db

    announce(db.session(), channel.agency_id, channel.workspace_id, "new", interaction_ids)


def on_changed(interaction, fields=frozenset(), actor_id=None, **_kwargs) -> None:
    """Signal handler: people changed an item (status, assignee ...). A new assignee is announced on its own
    (``kind="assigned"``), with what a desktop notification shows: who wrote, and where it is."""
    from agency import db

    session = db.session()
    announce(session, interaction.agency_id, interaction.workspace_id, "changed", [interaction.id])
    if "assignee_id" in fields and interaction.assignee_id is not None:
        announce(session, interaction.agency_id, interaction.workspace_id, "assigned", [interaction.id],
                 event_id=f"assigned-{uuid.uuid4().hex}", assignee_id=interaction.assignee_id, by=actor_id,
                 **_about(interaction))


def on_sla_alerted(alert, interaction=None, recipients=(), **_kwargs) -> None:
    """Signal handler: the SLA engine warned of an item at risk (or breached). The event names the people the
    warning went to (``user_ids``: the assignee, else the workspace's staff; account managers on a breach), and
    its id is the alert's, the same in every process and tab."""
    from agency import db

    if interaction is None:
        return
    announce(db.session(), interaction.agency_id, interaction.workspace_id, "sla", [interaction.id],
             event_id=f"sla-{alert.id}", level=alert.level, assignee_id=interaction.assignee_id,
             user_ids=sorted({int(u) for u in recipients})[:500], **_about(interaction))


def _about(interaction) -> dict:
    """Plain facts of an item for a notification (no markup: the browser shows them as text anyway)."""
    from agency.accounts.models import Workspace

    workspace = db.session.get(Workspace, interaction.workspace_id)
    return {"author": " ".join((interaction.author_name or "").split())[:80],
            "excerpt": " ".join((interaction.text or "").split())[:140],
            "workspace": workspace.name if workspace else "",
            "url": f"/w/{workspace.slug}/inbox/{interaction.id}" if workspace else ""}


# --- one subscription per process, fanned out --------------------------------------------------


class Hub:
    """The process's one Redis subscription, handing each message to the streams of its agency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[int, set[queue.Queue]] = {}
        self._thread: threading.Thread | None = None
        #: set once the subscription is confirmed by Redis
        self.ready = threading.Event()

    def subscribe(self, agency_id: int) -> queue.Queue:
        """A queue that receives the agency's events until ``unsubscribe``."""
        q: queue.Queue = queue.Queue(maxsize=1000)
        with self._lock:
            self._queues.setdefault(agency_id, set()).add(q)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="live-hub", daemon=True)
                self._thread.start()
        return q

    def unsubscribe(self, agency_id: int, q: queue.Queue) -> None:
        with self._lock:
            found = self._queues.get(agency_id)
            if found is not None:
                found.discard(q)
                if not found:
                    del self._queues[agency_id]

    def listeners(self) -> int:
        with self._lock:
            return sum(len(qs) for qs in self._queues.values())

    def _run(self) -> None:
        while True:
            try:
                pubsub = get_redis().pubsub()
                pubsub.psubscribe(f"{PREFIX}*")
                while True:
                    # A timeout of its own (not the client's socket timeout): quiet hours are no error.
                    message = pubsub.get_message(timeout=10.0)
                    if message is None:
                        continue
                    if message.get("type") == "psubscribe":
                        self.ready.set()  # from here on nothing published is missed
                    elif message.get("type") == "pmessage":
                        self._deliver(message)
            except Exception:
                self.ready.clear()
                log.exception("live hub lost Redis; subscribing again")
                time.sleep(1)

    def _deliver(self, message: dict) -> None:
        channel = message.get("channel")
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        try:
            agency_id = int(channel[len(PREFIX):])
        except ValueError:
            return
        data = message.get("data")
        text = data.decode() if isinstance(data, bytes) else str(data)
        with self._lock:
            targets = list(self._queues.get(agency_id, ()))
        for q in targets:
            # A stuck reader loses events, not the hub; its page polls when it reconnects.
            with contextlib.suppress(queue.Full):
                q.put_nowait(text)


HUB = Hub()


def stream(agency_id: int, workspace_ids: set[int], *, seconds: float = STREAM_SECONDS,
           heartbeat: float = HEARTBEAT_SECONDS) -> Iterator[str]:
    """Server-sent events of the agency's items in ``workspace_ids``: ``event: item`` with the JSON payload."""
    q = HUB.subscribe(agency_id)
    try:
        HUB.ready.wait(timeout=5)
        yield f"retry: 3000\nevent: hello\ndata: {json.dumps({'at': time.time()})}\n\n"
        ends = time.monotonic() + seconds
        while (left := ends - time.monotonic()) > 0:
            try:
                text = q.get(timeout=min(heartbeat, left))
            except queue.Empty:
                yield ": keepalive\n\n"
                continue
            try:
                payload = json.loads(text)
            except ValueError:
                continue
            if payload.get("workspace_id") in workspace_ids:
                yield f"event: item\ndata: {json.dumps(payload)}\n\n"
    finally:
        HUB.unsubscribe(agency_id, q)


def newest_id() -> int:
    """The newest interaction id now: where a page's polling starts counting (ids only grow)."""
    from sqlalchemy import func, select

    from agency import db
    from agency.inbox.models import Interaction

    return int(db.session.scalar(select(func.max(Interaction.id))) or 0)


def new_after(workspace_ids: set[int], after_id: int) -> dict:
    """The polling fallback: how many customers' items arrived in ``workspace_ids`` after ``after_id``
    (a range of the primary key: cheap however often pages poll)."""
    from sqlalchemy import func, select

    from agency import db
    from agency.inbox.models import Interaction

    rows = db.session.execute(select(func.count(), func.max(Interaction.id)).where(
        Interaction.id > after_id, Interaction.workspace_id.in_(workspace_ids or {-1}),
        Interaction.is_own.is_(False))).one()
    return {"new": int(rows[0] or 0), "after": after_id, "newest": int(rows[1] or after_id)}


def end_request_transaction() -> None:
    """The request's edge, reached early: a stream lives for minutes and reads only Redis, so the request's
    transaction is committed (what the request wrote so far, e.g. the presence stamp) and its database
    connection given back before the first byte, instead of being held for the life of the stream."""
    db.session.commit()
    db.session.remove()
