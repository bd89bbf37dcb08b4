"""Browser journey of time tracking: start the timer from the header, switch workspace, stop, see both entries in
the week grid, accept the day's inbox suggestions; the account manager sees the burn-down and closes the month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def time_world(_app):
    from agency.accounts.models import Agency
    from agency.inbox.models import Interaction
    from agency.timetracking.models import InboxSpan, Rollover, TimeEntry
    from agency.timetracking.settings import activities, day_bounds, save_workspace_settings, today
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed time-tracking agency"):
        agency = make_agency("Zeit im Browser")
        ws1, ws2 = make_workspace(agency, "Bäckerei Sonnenschein"), make_workspace(agency, "Radhaus Müller")
        cm = make_user(agency, "community_manager", workspaces=[ws1, ws2], name="Chris Community")
        am = make_user(agency, "account_manager", workspaces=[ws1, ws2], name="Mia Account")
        activities(agency.id)
        save_workspace_settings(am, ws1, rounding_minutes=0, budget_minutes=40 * 60, rollover=Rollover.UNUSED,
                                thresholds=[80, 100], budget_starts_on=None)
        now = db.utcnow()
        start_of_day, _end = day_bounds(agency, today(agency))
        moment = max(start_of_day, now - timedelta(minutes=40))
        for n in range(3):
            item = Interaction(agency_id=agency.id, workspace_id=ws1.id, platform="facebook_page",
                               external_id=f"e2e-time-{agency.id}-{n}", kind="comment", author_name=f"Fan {n}",
                               text="Habt ihr morgen offen?", platform_created_at=datetime.now(UTC))
            db.session.add(item)
            db.session.flush()
            db.session.add(InboxSpan(agency_id=agency.id, workspace_id=ws1.id, user_id=cm.id, interaction_id=item.id,
                                     started_at=moment, ended_at=min(moment + timedelta(minutes=10), now)))
            moment += timedelta(minutes=11)
        db.session.commit()
        info = {"agency": agency.id, "cm": cm.email, "am": am.email, "ws1": ws1.name, "ws2": ws2.name,
                "ws1_id": ws1.id, "ws2_id": ws2.id, "slug": ws1.slug}
    db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: delete the committed agency"):
        db.session.execute(TimeEntry.__table__.delete().where(TimeEntry.agency_id == info["agency"]))
        db.session.delete(db.session.get(Agency, info["agency"]))
        db.session.commit()
    db.session.remove()


def _login(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_timer_grid_and_inbox_suggestions(browser, live_server, time_world):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    _login(page, live_server, time_world["cm"])
    # Start from the header on the first workspace.
    page.click("[data-timer] summary")
    page.select_option("[data-timer-workspace]", str(time_world["ws1_id"]))
    page.click("[data-timer-start]")
    page.wait_for_selector("[data-timer].running")
    assert time_world["ws1"] in page.inner_text("[data-timer] summary")
    screenshot(page, "time-header-running")
    # Switch to the second workspace (stops the first), then stop.
    page.click("[data-timer] summary")
    page.select_option("[data-timer-workspace]", str(time_world["ws2_id"]))
    page.click("[data-timer-start]")
    page.wait_for_selector("[data-timer].running")
    assert time_world["ws2"] in page.inner_text("[data-timer] summary")
    page.click("[data-timer] summary")
    page.click("[data-timer-stop]")
    page.wait_for_selector("[data-timer]:not(.running)")
    # Both entries in the week grid.
    page.goto(f"{live_server}/time")
    rows = page.inner_text(".week-grid tbody")
    assert time_world["ws1"] in rows and time_world["ws2"] in rows
    assert page.locator(".suggestion-banner").count() == 1
    screenshot(page, "time-week")
    # Accept the day's inbox suggestions.
    page.click(".suggestion-banner a")
    page.wait_for_selector("[data-suggestions]")
    assert "3 conversations" in page.inner_text("[data-suggestions]")
    screenshot(page, "time-suggestions")
    page.click("[data-accept-all]")
    page.wait_for_selector(".flash-success")
    assert "1 suggestions accepted" in page.inner_text(".flashes")
    page.goto(f"{live_server}/time")
    assert page.locator(".suggestion-banner").count() == 0
    # Typing into the grid: a duration like 1,5 on an added row, saved with Enter.
    page.select_option("[data-add-workspace]", str(time_world["ws1_id"]))
    page.click("[data-add-row]")
    page.wait_for_selector("[data-cell]")
    cell = page.locator("[data-cell]").first
    cell.fill("1,5")
    cell.press("Enter")
    page.wait_for_selector(".flash-success")
    assert "1:30" in page.inner_text("[data-week-total]") or page.inner_text("[data-week-total]") != "0:00"
    # Phone width: the grid scrolls, the page stays usable.
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "time-week-phone")
    context.close()

    # The account manager: burn-down, forecast, approval.
    manager = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    _login(manager, live_server, time_world["am"])
    manager.goto(f"{live_server}/w/{time_world['slug']}/time")
    assert manager.locator("svg.chart-burndown").count() == 1
    assert "At this pace" in manager.inner_text("[data-forecast]")
    screenshot(manager, "time-workspace")
    manager.click("[data-approve]")
    manager.wait_for_selector(".flash-success")
    assert "entries approved" in manager.inner_text(".flashes")
    manager.goto(f"{live_server}/time/capacity")
    screenshot(manager, "time-capacity")
    manager.goto(f"{live_server}/time/reports")
    screenshot(manager, "time-reports")
