"""Jobs of the reports package: generate one report, publish one, and the monthly schedule (the 1st, 06:00
local time)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException
from sqlalchemy import select

from agency import db
from agency.accounts.models import Workspace
from agency.queue import job

log = logging.getLogger(__name__)

#: The schedule's check runs every 15 minutes; a workspace is due in the quarter hour from 06:00 local time.
SCHEDULE_HOUR = 6
SCHEDULE_WINDOW = timedelta(minutes=15)


@job("reports", timeout=300)
def generate_report(agency_id: int, report_id: int, generation: int) -> str:
    """Compute a report's figures and make it a draft; a stale request (a newer one was made) does nothing."""
    from agency.reports import services
    from agency.reports.models import Report, ReportStatus

    with db.tenant(db.session(), agency_id):
        report = db.session.get(Report, report_id)
        if report is None or report.agency_id != agency_id:
            return "gone"
        if report.status != ReportStatus.GENERATING or report.generation != generation:
            return "stale"
        try:
            with db.session.begin_nested():
                services.generate(report)
        except Exception as error:  # the draft shows the failure; the AM may regenerate
            log.exception("report %s failed", report_id)
            services.fail(report, f"{type(error).__name__}: {error}")
            return "failed"
        return "draft"


def _locked_report(report_id: int):
    from agency.reports.models import Report

    return db.session.scalars(select(Report).where(Report.id == report_id).with_for_update()).first()


def _publication_failed(job, connection, exc_type, exc_value, tb) -> None:
    """RQ's failure callback: once no retry is left, the publication is given up and the report is a draft."""
    if job.retries_left:
        return
    from agency.reports import services
    from agency.reports.models import ReportStatus

    agency_id, report_id = job.args[:2]
    if isinstance(exc_value, JobTimeoutException | AbandonedJobError):
        reason = f"stopped after {publish_report.spec.timeout} s"
    else:
        reason = f"{getattr(exc_type, '__name__', 'error')}: {exc_value}"
    try:
        with db.tenant(db.session(), agency_id):
            report = _locked_report(report_id)
            if report is not None and report.status == ReportStatus.PUBLISHING:
                services.publication_failed(report, reason)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


@job("reports", timeout=300, retries=2, retry_intervals=(10, 60), on_failure=_publication_failed)
def publish_report(agency_id: int, report_id: int) -> str:
    """Render, store and announce a report asked to be published — once, however often the job runs.

    The row lock and the state check make a retried or duplicated job a no-op once the report is published;
    everything is written in the job's one commit (the e-mails are queued after it). A PDF that cannot be
    made returns the report to draft with the reason."""
    from agency.reports import services
    from agency.reports.models import ReportStatus

    with db.tenant(db.session(), agency_id):
        report = _locked_report(report_id)
        if report is None or report.agency_id != agency_id:
            return "gone"
        if report.status == ReportStatus.PUBLISHED:
            return "already published"
        if report.status != ReportStatus.PUBLISHING:
            return "stale"
        try:
            with db.session.begin_nested():
                services.complete_publication(report)
        except Exception as error:  # the draft shows why; the account manager may publish again
            log.exception("publishing report %s failed", report_id)
            db.session.refresh(report)
            services.publication_failed(report, f"{type(error).__name__}: {error}")
            return "failed"
        services.announce_publication(report)
        return "published"


def due_workspaces(now: datetime) -> list[tuple[int, int, date]]:
    """(agency id, workspace id, month to report) of every workspace whose local time is the 1st, 06:00–06:15."""
    with db.system_scope("monthly reports: find the workspaces whose reporting day begins now"):
        rows = db.session.execute(select(Workspace.agency_id, Workspace.id, Workspace.timezone)
                                  .where(Workspace.archived_at.is_(None))).all()
    due = []
    for agency_id, workspace_id, timezone in rows:
        local = now.astimezone(ZoneInfo(timezone or "Europe/Berlin"))
        start = local.replace(hour=SCHEDULE_HOUR, minute=0, second=0, microsecond=0)
        if local.day == 1 and start <= local < start + SCHEDULE_WINDOW:
            last_month = (local.date() - timedelta(days=1)).replace(day=1)
            due.append((agency_id, workspace_id, last_month))
    return due


@job("reports", timeout=600)
def schedule_monthly_reports(now_iso: str | None = None) -> int:
    """Periodic: on the 1st at 06:00 in each workspace's time zone, generate last month's report (once)."""
    from agency.reports import services

    now = datetime.fromisoformat(now_iso) if now_iso else db.utcnow()
    started = 0
    for agency_id, workspace_id, month in due_workspaces(now):
        with db.tenant(db.session(), agency_id):
            workspace = db.session.get(Workspace, workspace_id)
            if workspace is None or services.report_for(workspace, month) is not None:
                continue
            services.request_report(workspace, month, None, today=now.date())
            started += 1
    return started
