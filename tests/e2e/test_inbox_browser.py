"""Browser journey through the inbox: filter, open with the keyboard, reply, see it sent on the sandbox;
a second session sees the colleague (collision warning); the shortcut help opens with "?"."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def inbox_world(_app, _session_sandbox, test_config):
    """A committed agency: owner + community manager, a workspace with a synced sandbox Facebook Page."""
    from agency.accounts.models import Agency
    from agency.channels.services import connect_channel
    from agency.inbox.jobs import run_sync
    from tests.conftest import make_agency, make_user, make_workspace, unique_account

    sandbox = _session_sandbox
    original = _app.config["AGENCY"]
    _app.config["AGENCY"] = original.with_overrides(meta_graph_base=sandbox.graph_base)
    account = sandbox.add_account("facebook_page", unique_account("e2e"), name="Browser Bäckerei",
                                  history_days=1, per_day=40)
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Inbox Agentur")
        ws = make_workspace(agency, "Browser Bäckerei")
        owner = make_user(agency, "owner", name="Olga Owner")
        cm = make_user(agency, "community_manager", workspaces=[ws], name="Carla CM")
        channel = connect_channel(owner, ws, platform="facebook_page", account_id=account["account_id"],
                                  token=account["token"], backfill_days=2)
        db.session.commit()
        run_sync(channel)
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "owner": owner.email, "cm": cm.email,
                "account_id": account["account_id"]}
        db.session.remove()
    env = {**os.environ, "DATABASE_URL": test_config.database_url, "REDIS_URL": test_config.redis_url,
           "SECRET_KEY": test_config.secret_key, "AGENCY_ENCRYPTION_KEYS": ",".join(test_config.encryption_keys),
           "META_GRAPH_BASE": sandbox.graph_base}
    worker = subprocess.Popen([sys.executable, "-m", "agency.cli", "worker", "replies"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield info
    finally:
        worker.terminate()
        worker.wait(20)
        _app.config["AGENCY"] = original
        with _app.app_context(), db.system_scope("test: committed fixtures"):
            db.session.delete(db.session.get(Agency, info["agency_id"]))
            db.session.commit()
            db.session.remove()


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_inbox_journey(browser, live_server, inbox_world, _session_sandbox):
    cm = browser.new_context(viewport={"width": 1366, "height": 850}, locale="en-US").new_page()
    _login(cm, live_server, inbox_world["cm"])
    cm.goto(f"{live_server}/inbox/")
    assert cm.locator("[data-row]").count() > 5
    # Filter: comments only.
    cm.select_option("select[name=kind]", "comment")
    cm.click(".filter-form button[type=submit]")
    cm.wait_for_url("**kind=comment**")
    assert set(cm.locator(".conv .kind").all_inner_texts()) <= {"Comment"} | {f"Comment {'★' * i}" for i in range(6)}
    screenshot(cm, "inbox-list")
    # Keyboard: ? opens the help, j/k move, Enter opens.
    cm.keyboard.press("?")
    assert cm.locator("dialog#shortcuts").is_visible()
    cm.keyboard.press("Escape")
    cm.keyboard.press("j")
    cm.keyboard.press("k")
    cm.keyboard.press("Enter")
    cm.wait_for_url(re.compile(r".*/inbox/\d+.*"))
    thread_url = cm.url
    # A colleague opens the same conversation and sees Carla.
    owner = browser.new_context(viewport={"width": 1366, "height": 850}, locale="en-US").new_page()
    _login(owner, live_server, inbox_world["owner"])
    owner.goto(thread_url)
    owner.wait_for_selector("[data-presence] .badge", timeout=15000)
    assert "Carla CM" in owner.inner_text("[data-presence]")
    # Reply with the keyboard (r focuses the composer) and watch it go out.
    cm.keyboard.press("r")
    cm.keyboard.type("Danke dir! Wir melden uns gleich. 🥨")
    cm.click("[data-composer] button[type=submit]")
    cm.wait_for_selector("[data-reply-status]")
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and "sent" not in cm.inner_text(".messages"):
        cm.wait_for_timeout(500)
    screenshot(cm, "inbox-thread")
    assert "sent" in cm.inner_text(".messages")
    replies = _session_sandbox.admin("GET", "replies", account_id=inbox_world["account_id"])["replies"]
    assert [r["text"] for r in replies] == ["Danke dir! Wir melden uns gleich. 🥨"]
    owner.reload()
    assert "Danke dir!" in owner.inner_text(".messages")


def _thread_id(url: str) -> int:
    return int(re.search(r"/inbox/(\d+)", url).group(1))


def test_triage_with_e_walks_the_open_items_of_the_filter(browser, live_server, inbox_world, _app):
    """Three `e` in a row close three comments of the all-clients inbox's filter; `u` returns to that list."""
    from agency.inbox.models import Interaction

    page = browser.new_context(viewport={"width": 1366, "height": 850}, locale="en-US").new_page()
    _login(page, live_server, inbox_world["cm"])
    page.goto(f"{live_server}/inbox/?kind=comment")
    assert page.locator("[data-row]").count() >= 4
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/inbox/\d+.*"))
    closed = []
    for _ in range(3):
        current = page.url
        closed.append(_thread_id(current))
        page.keyboard.press("e")
        page.wait_for_url(lambda url, before=current: url != before)
        assert "status=" not in page.url and "kind=comment" in page.url and "inbox=all" in page.url, page.url
        assert "Conversation closed." in page.inner_text(".flashes")
    here = _thread_id(page.url)
    assert here not in closed and len(set(closed)) == 3
    with _app.app_context(), db.tenant(db.session(), inbox_world["agency_id"]):
        rows = {i.id: i for i in db.session.query(Interaction).filter(Interaction.id.in_([*closed, here]))}
        assert [rows[i].status for i in closed] == ["closed"] * 3
        assert rows[here].status in ("new", "open", "waiting") and rows[here].kind == "comment"
    db.session.remove()
    # The tag field has room for a few tags.
    assert page.locator("input[name=tags]").bounding_box()["width"] >= 260
    screenshot(page, "inbox-thread-after-triage")
    page.keyboard.press("u")
    page.wait_for_url(re.compile(r".*/inbox/\?kind=comment$"))
    assert str(here) in page.locator("[data-row] a.conv-author").first.get_attribute("href")
    screenshot(page, "inbox-list-after-triage")


def test_rejected_reply_returns_to_the_reply_box(browser, live_server, inbox_world):
    page = browser.new_context(viewport={"width": 1366, "height": 850}, locale="en-US").new_page()
    _login(page, live_server, inbox_world["cm"])
    page.goto(f"{live_server}/w/{inbox_world['slug']}/inbox/?kind=comment")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/inbox/\d+.*"))
    hint = page.inner_text("[data-counter]")
    assert hint == "at most 8000 characters"
    too_long = "Das ist zu lang. " * 500
    page.fill("textarea[name=reply_text]", too_long)
    assert page.inner_text("[data-counter]") == f"{len(too_long.strip())} / 8000 characters"
    page.click("[data-composer] button[type=submit]")
    page.wait_for_selector(".composer .error")
    assert "at most 8000 characters" in page.inner_text(".composer .error")
    assert page.input_value("textarea[name=reply_text]") == too_long.strip()  # forms trim the ends
    assert page.input_value("textarea[name=note_text]") == ""
    # The counter is the script's: on a busy machine it runs a moment after the page is there. (Polled from here:
    # a string predicate would be evaluated in the page, which its CSP forbids.)
    expect(page.locator("[data-counter]")).to_contain_text("/")
    assert page.inner_text("[data-counter]") == f"{len(too_long.strip())} / 8000 characters"
    assert "over" in page.get_attribute("[data-counter]", "class")
    assert "kind=comment" in page.get_attribute("[data-composer]", "action")
    screenshot(page, "inbox-thread-rejected-reply")
