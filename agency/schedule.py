"""The RQ cron scheduler, built from the periodic jobs the packages registered (``wiring.add_periodic``)."""

from __future__ import annotations

from collections.abc import Iterable

from agency.wiring import Periodic


def build_scheduler(connection, periodic: Iterable[Periodic], name: str = "agency"):
    """An RQ ``CronScheduler`` with every entry of ``periodic`` registered on its job's queue."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection, name=name)
    for entry in periodic:
        spec = entry.job.spec  # type: ignore[attr-defined]
        scheduler.register(entry.job, queue_name=spec.queue, args=entry.args, cron=entry.cron,
                           interval=entry.interval, job_timeout=spec.timeout)
    return scheduler
