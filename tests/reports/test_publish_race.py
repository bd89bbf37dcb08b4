"""Two publish clicks at once (a double click, or two account managers): exactly one publication.

Real concurrency: two threads, two connections, committed rows. The first claim holds its transaction open
while the second starts; the second then finds the report being published and changes nothing.
"""

from __future__ import annotations

import threading
import time

import pytest

from agency import db
from agency.accounts.models import Agency, User
from agency.errors import ValidationError
from agency.queue import get_queue
from agency.reports import jobs, services
from agency.reports.models import Report, ReportStatus, StoredFile
from tests.conftest import make_agency, make_user, make_workspace
from tests.reports.conftest import MONTH


@pytest.fixture
def committed_draft(_app):
    with _app.app_context(), db.system_scope("test: committed draft report"):
        agency = make_agency("Wettlauf Agentur")
        ws = make_workspace(agency, "Wettlauf Kunde", timezone="Europe/Berlin")
        manager = make_user(agency, "account_manager", workspaces=[ws])
        make_user(agency, "client", workspaces=[ws])
        report = Report(agency_id=agency.id, workspace_id=ws.id, month=MONTH)
        db.session.add(report)
        db.session.flush()
        services.generate(report)
        db.session.commit()
        ids = agency.id, manager.id, report.id
    db.session.remove()
    yield ids
    with _app.app_context(), db.system_scope("test: remove committed draft report"):
        db.session.delete(db.session.get(Agency, ids[0]))
        db.session.commit()
    db.session.remove()


def _click(app, agency_id: int, user_id: int, report_id: int, claimed: threading.Event | None,
           wait_for: threading.Event | None, outcomes: list) -> None:
    with app.app_context():
        try:
            session = db.session()
            db.set_tenant(session, agency_id)
            actor = session.get(User, user_id)
            report = session.get(Report, report_id)
            if wait_for is not None:
                wait_for.wait(10)
            try:
                services.request_publication(report, actor)
            except ValidationError as error:
                outcomes.append(error.message)
                session.rollback()
                return
            if claimed is not None:
                claimed.set()
                time.sleep(0.5)  # the other click arrives while this one is not committed yet
            session.commit()
            outcomes.append("claimed")
        except Exception as exc:  # reported to the test's thread
            outcomes.append(exc)
            db.session.rollback()
        finally:
            db.session.remove()


def _publication_jobs(agency_id: int, report_id: int) -> int:
    return sum(1 for job in get_queue("reports").get_jobs()
               if job.func_name.endswith("publish_report") and tuple(job.args) == (agency_id, report_id))


def test_two_publish_clicks_at_once_publish_once(_app, committed_draft):
    agency_id, user_id, report_id = committed_draft
    outcomes: list = []
    first = threading.Event()
    threads = [threading.Thread(target=_click, args=(_app, agency_id, user_id, report_id, first, None, outcomes)),
               threading.Thread(target=_click, args=(_app, agency_id, user_id, report_id, None, first, outcomes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # The loser is refused in words (outside a request in the default language, German).
    refused, claimed = sorted(map(str, outcomes), key=lambda o: o == "claimed")
    assert claimed == "claimed"
    assert refused in ("This report is already being published.", "Dieser Bericht wird bereits veröffentlicht.")
    assert _publication_jobs(agency_id, report_id) == 1
    with _app.app_context():
        assert jobs.publish_report.run_inline(agency_id, report_id) == "published"
    with _app.app_context():
        assert jobs.publish_report.run_inline(agency_id, report_id) == "already published"  # a retry
    with _app.app_context(), db.tenant(db.session(), agency_id):
        report = db.session.get(Report, report_id)
        assert report.status == ReportStatus.PUBLISHED and report.checksum
        assert db.session.query(StoredFile).filter_by(agency_id=agency_id).count() == 1
    db.session.remove()
