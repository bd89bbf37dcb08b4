"""Browser journey: log in, see the dashboard, create a workspace, see it listed."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


def test_login_dashboard_create_workspace(page, live_server, committed_agency):
    _agency_id, email = committed_agency
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert "Berta" in page.inner_text("h1")
    assert page.locator(".empty-state").count() == 1  # no workspaces yet
    screenshot(page, "dashboard-empty")

    page.click("a.btn:has-text('Create a workspace')")
    page.fill("input[name=name]", "Konditorei Zuckerguss")
    page.select_option("select[name=address_form]", "du")
    page.select_option("select[name=subdivision]", "BY")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/workspaces")
    assert "Konditorei Zuckerguss" in page.inner_text("table")
    assert "Workspace Konditorei Zuckerguss created." in page.inner_text(".flashes")
    screenshot(page, "workspaces")

    page.goto(f"{live_server}/")
    assert "Konditorei Zuckerguss" in page.inner_text(".ws-grid")
    screenshot(page, "dashboard")
    # No script runs inline: the page has no CSP violations reported in the console.
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.reload()
    assert not [e for e in errors if "Content Security Policy" in e]
