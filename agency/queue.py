"""Redis, RQ queues, the ``@job`` helper and enqueue-after-commit.

Jobs are plain functions decorated with ``@job("queue")``. They take ids, never
ORM objects. Enqueueing from inside a unit of work goes through
``enqueue_after_commit`` so a job never sees a row that was rolled back, nor
misses one that is not committed yet. The worker (``AppWorker``) creates the
Flask app once and runs each job inside an app context; the ``@job`` wrapper
commits on success and rolls back on failure — one commit per job.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from redis import Redis
from rq import Callback, Queue, Retry, Worker
from sqlalchemy import event
from sqlalchemy.orm import Session

from agency import db

log = logging.getLogger(__name__)

QUEUE_NAMES = ("sync", "replies", "sla", "reports", "billing", "mail", "webhooks", "default")

P = ParamSpec("P")
R = TypeVar("R")

_redis: Redis | None = None
_redis_url: str | None = None
JOBS: dict[str, Callable[..., Any]] = {}


def init_redis(url: str) -> Redis:
    """Create the process-wide Redis connection (URLs: redis://, rediss://, unix://)."""
    global _redis, _redis_url
    if _redis is not None and _redis_url == url:
        return _redis
    _redis = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
    _redis_url = url
    return _redis


def get_redis() -> Redis:
    if _redis is None:
        raise RuntimeError("Redis not initialised; call create_app() first")
    return _redis


def get_queue(name: str) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int
    retries: int
    retry_intervals: tuple[int, ...]
    on_failure: Callable[..., Any] | None = None


def job(queue: str, *, timeout: int = 300, retries: int = 0, retry_intervals: tuple[int, ...] = (10, 60, 300),
        on_failure: Callable[..., Any] | None = None):
    """Declare an RQ job.

    The wrapped function runs in a unit of work: it commits the session when it
    returns and rolls back when it raises. ``fn.enqueue(*args)`` queues it after
    the current transaction commits; ``fn.run_inline(*args)`` runs it here.
    ``on_failure(job, connection, exc_type, exc_value, traceback)`` is RQ's failure
    callback, a module-level function: RQ calls it after every failed run (also of an
    abandoned job), before it retries; ``job.retries_left`` tells whether one follows.
    """
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}")

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        name = fn.__name__

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            # A job starts with no agency: it names its tenant (db.tenant) or its cross-agency reason.
            db.reset_scope(db.session())
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

        wrapper.spec = JobSpec(queue, timeout, retries, retry_intervals, on_failure)  # type: ignore[attr-defined]
        wrapper.enqueue = functools.partial(enqueue_after_commit, wrapper)  # type: ignore[attr-defined]
        wrapper.run_inline = wrapper  # type: ignore[attr-defined]
        if name in JOBS and JOBS[name] is not wrapper:
            raise RuntimeError(f"two jobs are named {name!r}")
        JOBS[name] = wrapper
        return wrapper

    return decorate


def _enqueue_now(fn: Callable[..., Any], args: tuple, job_id: str | None, delay_seconds: int | None) -> None:
    spec: JobSpec = fn.spec  # type: ignore[attr-defined]
    queue = get_queue(spec.queue)
    retry = Retry(max=spec.retries, interval=list(spec.retry_intervals)) if spec.retries else None
    options: dict[str, Any] = {"job_timeout": spec.timeout, "retry": retry, "job_id": job_id,
                               "failure_ttl": 7 * 86400, "result_ttl": 3600}
    if spec.on_failure is not None:
        options["on_failure"] = Callback(spec.on_failure)
    if job_id is not None:
        # A job with this id still waiting means the work is already asked for.
        existing = queue.fetch_job(job_id)
        if existing is not None and existing.get_status(refresh=True) in ("queued", "scheduled", "deferred"):
            return
    if delay_seconds:
        from datetime import timedelta

        queue.enqueue_in(timedelta(seconds=delay_seconds), fn, *args, **options)
    else:
        queue.enqueue(fn, *args, **options)


def enqueue_after_commit(fn: Callable[..., Any], *args: Any, job_id: str | None = None,
                         delay_seconds: int | None = None, session: Session | None = None) -> None:
    """Queue ``fn(*args)`` once the current transaction commits (dropped on rollback)."""
    for arg in args:
        if not isinstance(arg, str | int | float | bool | type(None) | list | tuple | dict):
            raise TypeError(f"jobs take plain values (ids), not {type(arg).__name__}")
    target = session or db.session()
    if not target.in_transaction():
        _enqueue_now(fn, args, job_id, delay_seconds)
        return
    target.info.setdefault("pending_jobs", []).append((fn, args, job_id, delay_seconds))


@event.listens_for(Session, "after_commit")
def _flush_pending_jobs(db_session: Session) -> None:
    pending = db_session.info.pop("pending_jobs", [])
    for fn, args, job_id, delay in pending:
        try:
            _enqueue_now(fn, args, job_id, delay)
        except Exception:  # a Redis outage must not turn a committed request into a 500
            log.exception("could not enqueue %s after commit", getattr(fn, "__name__", fn))


@event.listens_for(Session, "after_rollback")
def _drop_pending_jobs(db_session: Session) -> None:
    db_session.info.pop("pending_jobs", None)


class AppWorker(Worker):
    """An RQ worker that runs every job inside an app context of one Flask app (given by ``agency worker``)."""

    def __init__(self, *args: Any, flask_app: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._flask_app = flask_app

    def perform_job(self, job, queue) -> bool:  # type: ignore[override]
        with self._flask_app.app_context():
            return super().perform_job(job, queue)


def find_job(name: str) -> Callable[..., Any]:
    """A registered job by its function name (for ``agency run-job``)."""
    try:
        return JOBS[name]
    except KeyError:
        raise KeyError(f"no job named {name!r}; known: {', '.join(sorted(JOBS))}") from None
