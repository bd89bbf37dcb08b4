"""Cross-tenant harness resolvers for the report routes: a published report of agency A's workspace ws_a."""

from datetime import timedelta

from agency import db
from agency.reports import storage
from agency.reports.models import Report, ReportStatus, ShareLink, StoredFile

MONTH_KEY = "2026-10"


def published_report(world) -> Report:
    """A published report of ws_a (October 2026) with a stored PDF, made without rendering (fast)."""
    report = getattr(world, "_published_report", None)
    if report is None:
        from datetime import date

        data = b"%PDF-1.7\n% a stand-in for the harness\n"
        key = storage.new_key(f"reports/{world.ws_a.id}", ".pdf")
        storage.storage().put(key, data)
        stored = StoredFile(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, key=key,
                            content_type="application/pdf", size=len(data), sha256=storage.sha256(data))
        db.session.add(stored)
        db.session.flush()
        from agency.reports import metrics

        report = Report(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, month=date(2026, 10, 1),
                        status=ReportStatus.PUBLISHED, progress=100, file_id=stored.id, checksum=stored.sha256,
                        figures=metrics.month_figures(world.ws_a, date(2026, 10, 1)), generated_at=db.utcnow(),
                        published_at=db.utcnow(), published_by_id=world.am_a.id)
        db.session.add(report)
        db.session.flush()
        world._published_report = report
    return report


def _link(world) -> int:
    link = getattr(world, "_share_link", None)
    if link is None:
        report = published_report(world)
        link = ShareLink(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, report_id=report.id,
                         token_hash="0" * 64, expires_at=db.utcnow() + timedelta(days=3))
        db.session.add(link)
        db.session.flush()
        world._share_link = link
    return link.id


RESOLVERS = {
    "month": lambda world: published_report(world).month_key,
    "link_id": _link,
}

EXEMPT = {
    "portal.report": "a month of the client user's own workspace, not an object id (tests/reports/test_portal.py)",
    "portal.report_pdf": "a month of the client user's own workspace (tests/reports/test_portal.py)",
    "portal.share": "a month of the client user's own workspace (tests/reports/test_portal.py)",
    "reports.shared": "a bearer token, not an object id (tests/reports/test_portal.py)",
    "reports.shared_pdf": "a bearer token, not an object id (tests/reports/test_portal.py)",
}
