"""Browser journey of the monthly report: the account manager generates, comments and publishes last month's
report; the client logs in, opens it in the portal and downloads the PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def report_world(_app):
    from agency.accounts.models import Agency
    from agency.reports.metrics import month_bounds
    from agency.reports.views import last_month
    from tests.conftest import make_agency, make_channel, make_user, make_workspace
    from tests.reports.conftest import add_item

    with _app.app_context(), db.system_scope("test: committed reports agency"):
        agency = make_agency("Bericht im Browser", primary_color="#7a3e9d")
        ws = make_workspace(agency, "Bäckerei Sonnenschein", locale="en")
        am = make_user(agency, "account_manager", workspaces=[ws], name="Mia Account")
        client = make_user(agency, "client", workspaces=[ws], name="Clara Kundin")
        channel = make_channel(ws, "facebook_page", name="Sonnenschein Facebook")
        month = last_month()
        start, _end = month_bounds(ws, month)
        for n in range(12):
            add_item(ws, channel, start + timedelta(days=n * 2, hours=9), answered_after=timedelta(minutes=20 + n),
                     sentiment=("positive", "neutral", "negative")[n % 3], tags=("brot",) if n % 2 else ())
        db.session.commit()
        info = {"agency": agency.id, "am": am.email, "client": client.email, "slug": ws.slug,
                "month": month.strftime("%Y-%m"), "ws": ws.id}
    db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: delete the committed agency"):
        db.session.delete(db.session.get(Agency, info["agency"]))
        db.session.commit()
    db.session.remove()


def _login(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _run_generation(app, info):
    from agency.accounts.models import Workspace
    from agency.reports import jobs, services
    from agency.reports.forms import parse_month

    with app.app_context(), db.tenant(db.session(), info["agency"]):
        report = services.report_for(db.session.get(Workspace, info["ws"]), parse_month(info["month"]))
        ids = (report.agency_id, report.id, report.generation)
    db.session.remove()
    with app.app_context():
        assert jobs.generate_report.run_inline(*ids) == "draft"  # what the worker on the reports queue does


def _run_publication(app, info):
    from agency.accounts.models import Workspace
    from agency.reports import jobs, services
    from agency.reports.forms import parse_month

    with app.app_context(), db.tenant(db.session(), info["agency"]):
        report = services.report_for(db.session.get(Workspace, info["ws"]), parse_month(info["month"]))
        ids = (report.agency_id, report.id)
    db.session.remove()
    with app.app_context():
        assert jobs.publish_report.run_inline(*ids) == "published"  # the worker on the reports queue


def test_account_manager_publishes_client_opens_and_downloads(_app, browser, live_server, report_world):
    info, base = report_world, live_server
    staff = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    _login(staff, base, info["am"])
    staff.goto(f"{base}/w/{info['slug']}/reports")
    staff.fill("input[name=month]", info["month"])
    staff.click("text=Generate report")
    staff.wait_for_url(f"**/reports/{info['month']}")
    assert staff.locator("progress").count() == 1
    _run_generation(_app, info)
    staff.reload()
    staff.wait_for_selector("#summary h2")
    assert "Your channels received 12 interactions" in staff.content()
    staff.fill("textarea[name=commentary]", "A **good** month for the bakery.")
    staff.click("text=Save comments")
    staff.wait_for_selector("text=Comments saved.")
    screenshot(staff, "reports-draft")
    staff.check("input[name=confirm]")
    staff.click("[data-publish]")
    staff.wait_for_selector("text=The report is being published.")
    assert staff.locator("[data-publishing] progress").count() == 1
    screenshot(staff, "reports-publishing")
    _run_publication(_app, info)
    staff.reload()
    staff.wait_for_selector("text=SHA-256")

    client = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",
                                 accept_downloads=True).new_page()
    _login(client, base, info["client"])
    client.goto(f"{base}/portal/")
    screenshot(client, "reports-portal-phone")
    client.click(f"a[href='/portal/reports/{info['month']}']")
    client.wait_for_selector("text=A good month for the bakery.")
    assert "Bäckerei Sonnenschein" in client.content()
    screenshot(client, "reports-portal-report-phone")
    with client.expect_download() as download_info:
        client.click("[data-download]")
    path = download_info.value.path()
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    from agency.reports import storage
    from agency.reports.models import Report

    with _app.app_context(), db.tenant(db.session(), info["agency"]):
        report = db.session.query(Report).filter_by(workspace_id=info["ws"]).one()
        assert storage.sha256(data) == report.checksum
    db.session.remove()
