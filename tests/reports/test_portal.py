"""Over HTTP: the account manager generates, comments and publishes; the client reads and downloads; share
links expire; nobody reaches another workspace's report, also by guessing months, tokens or file names."""

from __future__ import annotations

import re
from datetime import timedelta

from agency import db
from agency.reports import jobs, services, storage
from agency.reports.models import Report, ReportStatus, ShareLink, StoredFile
from tests.conftest import login, make_user, post_form
from tests.reports.conftest import MONTH

KEY = MONTH.strftime("%Y-%m")


def _run_pending_job(workspace):
    report = services.report_for(workspace, MONTH)
    assert jobs.generate_report.run_inline(report.agency_id, report.id, report.generation) == "draft"


def _publish_over_http(app, seeded, world) -> str:
    ws = seeded.workspace
    client = app.test_client()
    login(client, world.am_a)
    page = f"/w/{ws.slug}/reports"
    assert client.get(page).status_code == 200
    response = post_form(client, f"{page}/generate", {"month": KEY}, token_from=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reports/{KEY}")
    assert "generating" in client.get(f"{page}/{KEY}").get_data(as_text=True)
    _run_pending_job(db.session.get(type(ws), ws.id))
    html = client.get(f"{page}/{KEY}").get_data(as_text=True)
    assert "Auf Ihren Kanälen gingen 24 Interaktionen ein" in html  # the workspace speaks German
    response = post_form(client, f"{page}/{KEY}/commentary", {"commentary": "Sehr **gut**.", "next_steps": ""},
                         token_from=f"{page}/{KEY}")
    assert response.status_code == 302
    draft_pdf = client.get(f"{page}/{KEY}.pdf")
    assert draft_pdf.status_code == 200 and draft_pdf.data.startswith(b"%PDF")
    refused = post_form(client, f"{page}/{KEY}/publish", {}, token_from=f"{page}/{KEY}")
    assert refused.status_code == 400 and "Confirm that you have reviewed" in refused.get_data(as_text=True)
    response = post_form(client, f"{page}/{KEY}/publish", {"confirm": "y"}, token_from=f"{page}/{KEY}")
    assert response.status_code == 302
    report = db.session.get(Report, services.report_for(ws, MONTH).id)
    db.session.refresh(report)
    assert report.status == ReportStatus.PUBLISHING and report.file_id is None  # the job does the work
    assert _queued_publications(report) == 1
    page_html = client.get(f"{page}/{KEY}").get_data(as_text=True)
    assert "being published" in page_html and "<progress" in page_html
    again = post_form(client, f"{page}/{KEY}/publish", {"confirm": "y"}, token_from=f"{page}/{KEY}")
    assert again.status_code == 400 and "already being published" in again.get_data(as_text=True)
    assert _queued_publications(report) == 1  # the second click queued nothing
    # Before the job has run, the client sees nothing of it.
    portal = app.test_client()
    login(portal, world.client_a)
    assert portal.get(f"/portal/reports/{KEY}").status_code == 404
    assert f"/portal/reports/{KEY}" not in portal.get("/portal/").get_data(as_text=True)
    assert jobs.publish_report.run_inline(report.agency_id, report.id) == "published"
    assert portal.get(f"/portal/reports/{KEY}").status_code == 200
    again = post_form(client, f"{page}/{KEY}/publish", {"confirm": "y"}, token_from=f"{page}/{KEY}")
    assert again.status_code == 400 and "already published" in again.get_data(as_text=True)
    return page


def _queued_publications(report) -> int:
    from agency.queue import get_queue

    return sum(1 for job in get_queue("reports").get_jobs()
               if job.func_name.endswith("publish_report") and tuple(job.args) == (report.agency_id, report.id))


def test_account_manager_publishes_and_the_client_reads_and_downloads(app, seeded, world):
    page = _publish_over_http(app, seeded, world)
    report = db.session.query(Report).filter_by(workspace_id=seeded.workspace.id).one()
    assert report.status == ReportStatus.PUBLISHED
    staff = app.test_client()
    login(staff, world.am_a)
    assert staff.get(f"{page}/{KEY}.pdf").data == services.published_pdf(report)

    client = app.test_client()
    login(client, world.client_a)
    home = client.get("/portal/").get_data(as_text=True)
    assert "October 2026" in home and f"/portal/reports/{KEY}" in home and "This month so far" in home
    view = client.get(f"/portal/reports/{KEY}")
    body = view.get_data(as_text=True)
    assert view.status_code == 200 and "Sehr <strong>gut</strong>." in body, body[body.find("summary"):][:3000]
    download = client.get(f"/portal/reports/{KEY}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert storage.sha256(download.data) == report.checksum


def test_clients_see_only_published_reports_of_their_workspace(app, seeded, world):
    ws = seeded.workspace
    services.request_report(ws, MONTH, world.am_a)
    _run_pending_job(ws)
    client = app.test_client()
    login(client, world.client_a)
    assert client.get(f"/portal/reports/{KEY}").status_code == 404  # a draft is not the client's yet
    assert client.get(f"/portal/reports/{KEY}.pdf").status_code == 404
    report = db.session.get(Report, services.report_for(ws, MONTH).id)
    services.publish(report, world.am_a)
    db.session.commit()
    # Another client, of the same agency's other workspace, and a client of another agency.
    other = make_user(world.agency_a, "client", workspaces=[world.ws_a2])
    outsider = make_user(world.agency_b, "client", workspaces=[world.ws_b])
    stored = db.session.get(StoredFile, report.file_id)
    for user in (other, outsider):
        guest = app.test_client()
        login(guest, user)
        for url in (f"/portal/reports/{KEY}", f"/portal/reports/{KEY}.pdf", f"/portal/reports/{KEY}/share",
                    f"/w/{ws.slug}/reports/{KEY}.pdf", f"/w/{ws.slug}/reports/{KEY}", "/portal/reports/2026-13",
                    f"/portal/reports/{report.id}", f"/portal/reports/{stored.key}", f"/{stored.key}",
                    f"/static/../storage/{stored.key}"):
            assert guest.get(url).status_code in (404, 405), (user.email, url)
        assert b"Alpha Client" not in guest.get("/portal/").data
    # Staff of another agency cannot reach A's report or file either.
    staff_b = app.test_client()
    login(staff_b, world.owner_b)
    assert staff_b.get(f"/w/{ws.slug}/reports/{KEY}.pdf").status_code == 404


def test_share_links_open_one_report_until_they_expire(app, seeded, world):
    _publish_over_http(app, seeded, world)
    client = app.test_client()
    login(client, world.client_a)
    response = post_form(client, f"/portal/reports/{KEY}/share", {"days": "7", "label": "Geschäftsführung"},
                         token_from=f"/portal/reports/{KEY}", follow_redirects=True)
    token = re.search(r"/share/([A-Za-z0-9_-]{30,})", response.get_data(as_text=True)).group(1)
    anonymous = app.test_client()
    page = anonymous.get(f"/share/{token}")
    assert page.status_code == 200 and "Auf Ihren Kanälen gingen 24 Interaktionen ein" in page.get_data(as_text=True)
    assert anonymous.get(f"/share/{token}.pdf").data.startswith(b"%PDF")
    assert anonymous.get(f"/share/{token[:-1]}x").status_code == 404
    assert anonymous.get("/share/" + "A" * 43).status_code == 404
    link = db.session.query(ShareLink).one()
    assert link.opened_count == 2 and link.token_hash != token
    link.expires_at = db.utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert anonymous.get(f"/share/{token}").status_code == 404
    assert anonymous.get(f"/share/{token}.pdf").status_code == 404
    link = db.session.query(ShareLink).one()
    link.expires_at, link.revoked_at = db.utcnow() + timedelta(days=1), db.utcnow()
    db.session.commit()
    assert anonymous.get(f"/share/{token}").status_code == 404


def test_generate_all_shows_progress(app, world):
    client = app.test_client()
    login(client, world.owner_a)
    response = post_form(client, "/reports/generate-all", {"month": KEY}, token_from="/reports")
    assert response.status_code == 302
    page = client.get(f"/reports?month={KEY}").get_data(as_text=True)
    assert "0 of 2 workspaces have a report" in page and 'http-equiv="refresh"' in page
    for ws in (world.ws_a, world.ws_a2):
        _run_pending_job(ws)
    page = client.get(f"/reports?month={KEY}").get_data(as_text=True)
    assert "2 of 2 workspaces have a report" in page and 'http-equiv="refresh"' not in page


def test_analytics_pages_and_exports(app, seeded, world):
    client = app.test_client()
    login(client, world.am_a)
    query = "?from=2026-10-01&to=2026-10-31"
    html = client.get(f"/w/{seeded.workspace.slug}/analytics{query}").get_data(as_text=True)
    assert "Alpha Client" in html and ">24<" in html
    csv_text = client.get(f"/w/{seeded.workspace.slug}/analytics{query}&format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[1].startswith("Alpha Client,24,")
    xlsx = client.get(f"/analytics{query}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get("/analytics?from=garbage&to=\x00").status_code == 200
