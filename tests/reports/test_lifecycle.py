"""Generating → draft → published: the job, commentary, publishing rules, immutability, e-mail, schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agency import db
from agency.errors import ValidationError
from agency.reports import jobs, services, storage
from agency.reports.models import Report, ReportStatus, StoredFile
from tests.reports.conftest import MONTH


def generated(workspace, actor, month=MONTH) -> Report:
    report = services.request_report(workspace, month, actor)
    report_id, agency_id, generation = report.id, report.agency_id, report.generation
    assert report.status == ReportStatus.GENERATING
    assert jobs.generate_report.run_inline(agency_id, report_id, generation) == "draft"
    return db.session.get(Report, report_id)


def test_generate_comment_publish(seeded, world):
    report = generated(seeded.workspace, world.am_a)
    assert report.status == ReportStatus.DRAFT and services.progress_of(report) == 100
    assert report.figures["current"]["interactions"] == 24
    services.save_commentary(report, world.am_a, commentary="Ein **starker** Monat.", next_steps="* FAQ")
    services.publish(report, world.am_a)
    assert report.status == ReportStatus.PUBLISHED and report.published_by_id == world.am_a.id
    stored = db.session.get(StoredFile, report.file_id)
    data = services.published_pdf(report)
    assert data.startswith(b"%PDF") and storage.sha256(data) == report.checksum == stored.sha256
    assert stored.size == len(data)


def test_published_reports_do_not_change(seeded, world):
    report = generated(seeded.workspace, world.am_a)
    services.publish(report, world.am_a)
    checksum = report.checksum
    with pytest.raises(ValidationError):
        services.save_commentary(report, world.am_a, commentary="neu", next_steps="")
    with pytest.raises(ValidationError):
        services.request_report(seeded.workspace, MONTH, world.am_a)
    with pytest.raises(ValidationError):
        services.publish(report, world.am_a)
    # The stored file is written once: the same key cannot be written again.
    stored = db.session.get(StoredFile, report.file_id)
    with pytest.raises(FileExistsError):
        storage.storage().put(stored.key, b"%PDF-forged")
    assert storage.sha256(services.published_pdf(report)) == checksum
    # Bytes changed behind our back are refused, not served.
    path = storage.storage().root / stored.key
    path.chmod(0o640)
    path.write_bytes(b"%PDF-tampered")
    with pytest.raises(RuntimeError):
        services.published_pdf(report)


def test_only_finished_drafts_publish_and_future_months_are_refused(seeded, world):
    report = services.request_report(seeded.workspace, MONTH, world.am_a)
    with pytest.raises(ValidationError):
        services.publish(report, world.am_a)
    with pytest.raises(ValidationError):
        services.request_report(seeded.workspace, date(2099, 1, 1), world.am_a)


def test_a_stale_job_does_nothing(seeded, world):
    report = services.request_report(seeded.workspace, MONTH, world.am_a)
    assert jobs.generate_report.run_inline(report.agency_id, report.id, report.generation + 5) == "stale"


def test_clients_are_emailed_on_publish(seeded, world, monkeypatch):
    queued = []
    monkeypatch.setattr("agency.mail.queue_mail", lambda to, subject, body, **kw: queued.append((to, subject, body)))
    report = generated(seeded.workspace, world.am_a)
    services.publish(report, world.am_a)
    assert [q[0] for q in queued] == [world.client_a.email]
    assert "/portal/reports/2026-10" in queued[0][2]


@pytest.mark.parametrize(("zone", "now", "due"), [
    # Berlin: CET on 1 March (06:00 = 05:00 UTC), CEST on 1 April after the clock change (06:00 = 04:00 UTC).
    ("Europe/Berlin", datetime(2026, 3, 1, 5, 0, tzinfo=UTC), True),
    ("Europe/Berlin", datetime(2026, 3, 1, 4, 0, tzinfo=UTC), False),
    ("Europe/Berlin", datetime(2026, 4, 1, 4, 0, tzinfo=UTC), True),
    ("Europe/Berlin", datetime(2026, 4, 1, 5, 0, tzinfo=UTC), False),
    ("Europe/Berlin", datetime(2026, 11, 1, 5, 10, tzinfo=UTC), True),  # back to CET in late October
    # New York: 1 November is the day the clocks go back (at 02:00): 06:00 EST is 11:00 UTC.
    ("America/New_York", datetime(2026, 11, 1, 11, 0, tzinfo=UTC), True),
    ("America/New_York", datetime(2026, 11, 1, 10, 0, tzinfo=UTC), False),
])
def test_schedule_in_the_workspace_time_zone(world, zone, now, due):
    world.ws_a.timezone = zone
    db.session.flush()
    found = [(w, m) for _a, w, m in jobs.due_workspaces(now) if w == world.ws_a.id]
    assert bool(found) == due
    if due:
        expected = date(now.year, now.month - 1, 1) if now.month > 1 else date(now.year - 1, 12, 1)
        assert found[0][1] == expected


def test_schedule_generates_last_month_once(world):
    world.ws_a.timezone = "Europe/Berlin"
    db.session.flush()
    now = datetime(2026, 11, 1, 5, 5, tzinfo=UTC)
    jobs.schedule_monthly_reports.run_inline(now.isoformat())
    report = db.session.query(Report).filter_by(workspace_id=world.ws_a.id).one()
    assert report.month == date(2026, 10, 1) and report.status == ReportStatus.GENERATING
    jobs.schedule_monthly_reports.run_inline(now.isoformat())
    assert db.session.query(Report).filter_by(workspace_id=world.ws_a.id).count() == 1


# --- publishing is a job -------------------------------------------------------------------------------------

def _publication_jobs(report) -> list:
    from agency.queue import get_queue

    return [job for job in get_queue("reports").get_jobs()
            if job.func_name.endswith("publish_report") and tuple(job.args) == (report.agency_id, report.id)]


def test_publication_is_a_job_that_publishes_once(seeded, world, monkeypatch):
    from agency.reports.signals import report_published

    queued, signalled = [], []
    monkeypatch.setattr("agency.mail.queue_mail", lambda to, subject, body, **kw: queued.append(to))
    def receiver(report, **_kwargs):
        signalled.append(report.id)

    report_published.connect(receiver)
    try:
        report = generated(seeded.workspace, world.am_a)
        services.request_publication(report, world.am_a)
        assert report.status == ReportStatus.PUBLISHING and report.file_id is None and queued == []
        assert services.progress_of(report) == 0
        db.session.commit()  # the request's edge: the job is queued after the commit
        assert len(_publication_jobs(report)) == 1
        # A second click while the job waits changes nothing and queues nothing.
        with pytest.raises(ValidationError, match="already being published"):
            services.request_publication(db.session.get(Report, report.id), world.am_a)
        db.session.commit()
        assert len(_publication_jobs(report)) == 1
        with pytest.raises(ValidationError):  # nor can the draft change meanwhile
            services.save_commentary(report, world.am_a, commentary="neu", next_steps="")
        with pytest.raises(ValidationError):
            services.request_report(seeded.workspace, MONTH, world.am_a)

        assert jobs.publish_report.run_inline(report.agency_id, report.id) == "published"
        report = db.session.get(Report, report.id)
        db.session.refresh(report)
        assert report.status == ReportStatus.PUBLISHED and report.published_by_id == world.am_a.id
        assert storage.sha256(services.published_pdf(report)) == report.checksum
        # The job retried (or run twice) finds the report published and does nothing more.
        assert jobs.publish_report.run_inline(report.agency_id, report.id) == "already published"
        assert queued == [world.client_a.email] and signalled == [report.id]
        assert db.session.query(StoredFile).filter_by(workspace_id=seeded.workspace.id).count() == 1
        with pytest.raises(ValidationError, match="already published"):
            services.request_publication(db.session.get(Report, report.id), world.am_a)
    finally:
        report_published.disconnect(receiver)


def test_a_failing_render_returns_the_report_to_draft_with_the_reason(app, seeded, world, monkeypatch):
    queued = []
    monkeypatch.setattr("agency.mail.queue_mail", lambda to, subject, body, **kw: queued.append(to))
    report = generated(seeded.workspace, world.am_a)
    services.request_publication(report, world.am_a)
    report_id, agency_id = report.id, report.agency_id
    db.session.commit()
    # The storage cannot take the PDF: where the workspace's folder belongs there is a file.
    blocker = storage.storage().root / "reports" / str(seeded.workspace.id)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"in the way")
    try:
        assert jobs.publish_report.run_inline(agency_id, report_id) == "failed"
    finally:
        blocker.unlink()
    report = db.session.get(Report, report_id)
    db.session.refresh(report)
    assert report.status == ReportStatus.DRAFT and report.file_id is None and report.checksum is None
    assert report.published_by_id is None and "FileExistsError" in report.error
    assert queued == [] and db.session.query(StoredFile).filter_by(workspace_id=seeded.workspace.id).count() == 0
    # The report page says so in words, and the draft can be published again.
    from tests.conftest import login

    client = app.test_client()
    login(client, world.am_a)
    html = client.get(f"/w/{seeded.workspace.slug}/reports/{report.month_key}").get_data(as_text=True)
    assert "data-publish-error" in html and "could not be published" in html and "FileExistsError" in html
    report = db.session.get(Report, report_id)
    services.request_publication(report, world.am_a)
    assert report.status == ReportStatus.PUBLISHING and report.error is None
    db.session.commit()
    assert jobs.publish_report.run_inline(agency_id, report_id) == "published"
    assert queued == [world.client_a.email]


def test_a_publication_stopped_by_the_worker_returns_to_draft(seeded, world):
    from types import SimpleNamespace

    from rq.timeouts import JobTimeoutException

    report = generated(seeded.workspace, world.am_a)
    services.request_publication(report, world.am_a)
    db.session.commit()
    retrying = SimpleNamespace(retries_left=1, args=(report.agency_id, report.id))
    jobs._publication_failed(retrying, None, JobTimeoutException, JobTimeoutException("late"), None)
    report = db.session.get(Report, report.id)
    db.session.refresh(report)
    assert report.status == ReportStatus.PUBLISHING  # a retry follows: nothing changes yet
    last = SimpleNamespace(retries_left=0, args=(report.agency_id, report.id))
    jobs._publication_failed(last, None, JobTimeoutException, JobTimeoutException("late"), None)
    report = db.session.get(Report, report.id)
    db.session.refresh(report)
    assert report.status == ReportStatus.DRAFT and "stopped after" in report.error


def _files_of(workspace) -> list:
    folder = storage.storage().root / "reports" / str(workspace.id)
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def test_a_publication_failing_after_the_pdf_was_stored_deletes_it(seeded, world, monkeypatch):
    monkeypatch.setattr("agency.mail.queue_mail", lambda to, subject, body, **kw: None)
    report = generated(seeded.workspace, world.am_a)
    services.request_publication(report, world.am_a)
    report_id, agency_id = report.id, report.agency_id
    db.session.commit()
    real_progress, failures = services.set_progress, []

    def failing_progress(report_id, percent):
        if percent == 100 and not failures:  # the PDF is stored and its row flushed: the last step fails
            failures.append(percent)
            raise RuntimeError("progress store down")
        real_progress(report_id, percent)

    monkeypatch.setattr(services, "set_progress", failing_progress)
    assert jobs.publish_report.run_inline(agency_id, report_id) == "failed"
    assert _files_of(seeded.workspace) == []
    assert db.session.query(StoredFile).filter_by(workspace_id=seeded.workspace.id).count() == 0
    monkeypatch.setattr(services, "set_progress", real_progress)
    services.request_publication(db.session.get(Report, report_id), world.am_a)
    db.session.commit()
    assert jobs.publish_report.run_inline(agency_id, report_id) == "published"
    stored = db.session.query(StoredFile).filter_by(workspace_id=seeded.workspace.id).one()
    assert _files_of(seeded.workspace) == [stored.key.rsplit("/", 1)[1]]


def test_a_job_failing_after_the_publication_leaves_no_file_and_its_retry_one(seeded, world, monkeypatch):
    monkeypatch.setattr("agency.mail.queue_mail", lambda to, subject, body, **kw: None)
    report = generated(seeded.workspace, world.am_a)
    services.request_publication(report, world.am_a)
    report_id, agency_id = report.id, report.agency_id
    db.session.commit()
    real_announce = services.announce_publication

    def failing_announce(report):
        raise ConnectionError("mail queue down")

    monkeypatch.setattr(services, "announce_publication", failing_announce)
    with pytest.raises(ConnectionError):  # the job's whole transaction rolls back; RQ retries it
        jobs.publish_report.run_inline(agency_id, report_id)
    assert _files_of(seeded.workspace) == []
    report = db.session.get(Report, report_id)
    db.session.refresh(report)
    assert report.status == ReportStatus.PUBLISHING and report.file_id is None
    monkeypatch.setattr(services, "announce_publication", real_announce)
    assert jobs.publish_report.run_inline(agency_id, report_id) == "published"
    stored = db.session.query(StoredFile).filter_by(workspace_id=seeded.workspace.id).one()
    assert _files_of(seeded.workspace) == [stored.key.rsplit("/", 1)[1]]


def test_a_file_stored_in_a_released_savepoint_goes_when_the_transaction_rolls_back(app, seeded):
    key = storage.new_key(f"reports/{seeded.workspace.id}", ".pdf")
    with db.session.begin_nested():
        storage.put_with_transaction(db.session(), key, b"%PDF-1.7 test")
    assert storage.storage().exists(key)  # the savepoint's release is not the end of the transaction
    db.session.rollback()
    assert not storage.storage().exists(key)
