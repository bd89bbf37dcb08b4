"""The one list of periodic jobs, run by ``agency scheduler`` (RQ's CronScheduler)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agency.audit import purge_audit_log
from agency.inbox.jobs import dispatch_due_syncs
from agency.sla.jobs import scan_sla


@dataclass(frozen=True)
class Periodic:
    job: Callable[..., Any]
    cron: str | None = None
    interval: int | None = None  # seconds
    args: tuple = ()

    def __post_init__(self) -> None:
        if (self.cron is None) == (self.interval is None):
            raise ValueError("a periodic job has either a cron expression or an interval")


def periodic_jobs() -> list[Periodic]:
    """Every periodic job of the product (domains add theirs here)."""
    return [
        Periodic(purge_audit_log, cron="17 3 * * *"),
        Periodic(dispatch_due_syncs, interval=15),
        Periodic(scan_sla, interval=60),
    ]


def build_scheduler(connection, name: str = "agency"):
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection, name=name)
    for entry in periodic_jobs():
        spec = entry.job.spec  # type: ignore[attr-defined]
        scheduler.register(entry.job, queue_name=spec.queue, args=entry.args, cron=entry.cron,
                           interval=entry.interval, job_timeout=spec.timeout)
    return scheduler
