"""The demo publishes the month-before-last report of every demo workspace; the client can open it."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.accounts.models import Agency
from agency.reports import services, storage
from agency.reports.models import Report, ReportStatus


def test_demo_publishes_reports(app):
    from agency.demo import DEMO_AGENCY_SLUG, seed_demo

    assert seed_demo()
    agency = db.session.scalar(select(Agency).where(Agency.slug == DEMO_AGENCY_SLUG))
    reports = list(db.session.scalars(select(Report).where(Report.agency_id == agency.id)))
    assert len(reports) == 3 and {r.status for r in reports} == {ReportStatus.PUBLISHED}
    for report in reports:
        assert storage.sha256(services.published_pdf(report)) == report.checksum
        assert report.figures["hours"]["used"] > 0  # the demo's timesheets reach the report
