"""Browser journey of moderation: a fan comments on the sandbox; the community manager hides it from the
thread (it is hidden on the sandbox), unhides it, and deletes another from the list's bulk bar; a held reply
waits on the approvals page until the account manager approves it, and once sent is edited in place and the edit
undone; a new fan comment shows in two open inboxes without a reload."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def moderation_world(_app, _session_sandbox, test_config):
    """A committed agency: owner, account manager, community manager, a synced sandbox Facebook Page, and a
    worker on the replies queue (it does the moderation actions)."""
    from agency.accounts.models import Agency
    from agency.channels.services import connect_channel
    from agency.inbox.jobs import run_sync
    from agency.moderation import approvals
    from tests.conftest import make_agency, make_user, make_workspace, unique_account

    sandbox = _session_sandbox
    original = _app.config["AGENCY"]
    _app.config["AGENCY"] = original.with_overrides(meta_graph_base=sandbox.graph_base)
    account = sandbox.add_account("facebook_page", unique_account("e2e"), name="Moderation Bäckerei",
                                  history_days=1, per_day=6)
    fan = sandbox.fan(account["account_id"], "comment", "Ihr seid die letzten Betrüger, kauft hier nix!",
                      author_name="Troll Torsten")
    spam = sandbox.fan(account["account_id"], "comment", "Gratis iPhone → http://spam.example", author_name="Spam Bot")
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Moderation Agentur")
        ws = make_workspace(agency, "Moderation Bäckerei")
        owner = make_user(agency, "owner", name="Olga Owner")
        am = make_user(agency, "account_manager", workspaces=[ws], name="Mia Account")
        cm = make_user(agency, "community_manager", workspaces=[ws], name="Carla CM")
        channel = connect_channel(owner, ws, platform="facebook_page", account_id=account["account_id"],
                                  token=account["token"], backfill_days=2)
        db.session.commit()
        run_sync(channel)
        approvals.save_settings(owner, ws, mode="always", approver="staff", rule_negative_public=True, rule_tags=[])
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "am": am.email, "cm": cm.email, "channel_id": channel.id,
                "account_id": account["account_id"], "fan": fan["id"], "spam": spam["id"],
                "owner": owner.email}
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


def _until(check, page, seconds: float = 30) -> None:
    """Reload ``page`` until ``check()`` holds (the worker does the action in its own time)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the worker did not finish the action"
        page.wait_for_timeout(300)
        page.reload()


def _moderation(sandbox, account_id: str) -> dict:
    return sandbox.admin("GET", "moderation", account_id=account_id)["state"].get(account_id, {})


def test_hide_unhide_and_bulk_delete_in_the_browser(browser, live_server, moderation_world, _session_sandbox):
    world, sandbox = moderation_world, _session_sandbox
    cm = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    cm.on("dialog", lambda dialog: dialog.accept())
    _login(cm, live_server, world["cm"])
    cm.goto(f"{live_server}/w/{world['slug']}/inbox/")
    cm.click("text=Troll Torsten")
    cm.click("[data-mod-action=hide]")
    _until(lambda: cm.locator("[data-mod-hidden]").count() > 0, cm)
    assert _moderation(sandbox, world["account_id"])["hidden"] == [world["fan"]]
    screenshot(cm, "moderation-thread-hidden")
    cm.click("[data-mod-action=unhide]")
    _until(lambda: cm.locator("[data-mod-action=hide]").count() > 0, cm)
    assert _moderation(sandbox, world["account_id"])["hidden"] == []
    # Bulk: delete the spam from the list.
    cm.goto(f"{live_server}/w/{world['slug']}/inbox/")
    cm.locator("[data-row]", has_text="Spam Bot").locator("input[data-select]").check()
    cm.click("[data-mod-bulk=delete]")
    deadline = time.monotonic() + 30
    while not any(e["action"] == "delete" and e["target"] == world["spam"] for e in sandbox.admin(
            "GET", "moderation", account_id=world["account_id"])["moderation"]):
        assert time.monotonic() < deadline
        cm.wait_for_timeout(300)
    screenshot(cm, "moderation-list")


def test_reply_waits_for_the_account_managers_approval(browser, live_server, moderation_world, _session_sandbox):
    world, sandbox = moderation_world, _session_sandbox
    cm = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    _login(cm, live_server, world["cm"])
    cm.goto(f"{live_server}/w/{world['slug']}/inbox/")
    cm.click("text=Troll Torsten")
    cm.fill("textarea[name=reply_text]", "Das tut uns leid – was ist passiert?")
    cm.click("#composer button[type=submit]")
    cm.wait_for_selector("[data-held-waiting]")
    am = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    _login(am, live_server, world["am"])
    am.goto(f"{live_server}/w/{world['slug']}/approvals")
    screenshot(am, "moderation-approvals")
    am.fill("textarea[name=text]", "Das tut uns leid! Was ist passiert? Schreiben Sie uns gern.")
    am.click("[data-approve]")
    am.wait_for_selector("[data-decided=approved]")
    deadline = time.monotonic() + 30
    while "Das tut uns leid! Was ist passiert? Schreiben Sie uns gern." not in [
            r["text"] for r in sandbox.admin("GET", "replies", account_id=world["account_id"])["replies"]]:
        assert time.monotonic() < deadline, "the approved reply was not sent"
        am.wait_for_timeout(300)
    # Replies here need approval, so the account manager (an approver) edits the sent reply in place, then
    # undoes the edit.
    am.goto(f"{live_server}/w/{world['slug']}/inbox/?status=all")
    am.click("text=Troll Torsten")
    am.wait_for_selector("[data-mod-edit-reply]", timeout=30000)  # the page reloads itself once the reply is sent
    am.wait_for_load_state("load")  # inbox.js has wired the inline form (before, the link opens the edit page)
    am.click("[data-mod-edit-reply]")
    form = am.locator("[data-mod-edit-form]")
    assert form.is_visible()  # inline, no page change
    form.locator("textarea").fill("Das tut uns leid! Schreiben Sie uns bitte eine Nachricht.")
    form.scroll_into_view_if_needed()
    screenshot(am, "moderation-reply-edit-form")
    form.locator("button[type=submit]").click()
    _until(lambda: am.locator("[data-reply-edit-state=edited]").count() > 0, am)
    assert "Schreiben Sie uns bitte eine Nachricht." in am.inner_text("[data-reply-id]")
    screenshot(am, "moderation-reply-edited")
    am.click("[data-mod-undo-edit]")
    _until(lambda: "Schreiben Sie uns gern." in am.inner_text("[data-reply-id]")
           and am.locator("[data-reply-edit-state=pending]").count() == 0, am)
    edits = [e["text"] for e in sandbox.admin("GET", "moderation", account_id=world["account_id"])["moderation"]
             if e["action"] == "edit"]
    assert edits == ["Das tut uns leid! Schreiben Sie uns bitte eine Nachricht.",
                     "Das tut uns leid! Was ist passiert? Schreiben Sie uns gern."]


def _sync(_app, world) -> None:
    from agency.channels.models import Channel
    from agency.inbox.jobs import run_sync

    with _app.app_context():
        with db.system_scope("test: find the channel"):
            channel = db.session.get(Channel, world["channel_id"])
        with db.tenant(db.session(), world["agency_id"]):
            run_sync(channel)
        db.session.commit()
        db.session.remove()


def test_a_new_fan_comment_shows_in_two_open_inboxes(_app, browser, live_server, moderation_world, _session_sandbox):
    world, sandbox = moderation_world, _session_sandbox
    pages = []
    for email in (world["cm"], world["am"]):
        page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
        _login(page, live_server, email)
        page.goto(f"{live_server}/w/{world['slug']}/inbox/")
        page.wait_for_timeout(1500)  # the page's EventSource connects
        assert page.locator("[data-live]").is_hidden()
        pages.append(page)
    sandbox.fan(world["account_id"], "comment", "Habt ihr am Sonntag offen?", author_name="Neue Nina")
    _sync(_app, world)
    for page in pages:
        page.wait_for_selector("[data-live]:not(.hidden)", timeout=15000)
        assert page.locator("[data-live-count]").inner_text() == "1"
        assert page.locator("text=Neue Nina").count() == 0  # rows do not jump under the reader
    screenshot(pages[0], "moderation-live-bar")
    pages[0].click("[data-live-link]")
    pages[0].wait_for_selector("text=Neue Nina")


def test_owner_turns_on_auto_assignment(browser, live_server, moderation_world):
    world = moderation_world
    owner = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US").new_page()
    _login(owner, live_server, world["owner"])
    owner.goto(f"{live_server}/w/{world['slug']}/assignment")
    assert "Carla CM" in owner.inner_text("main")
    owner.select_option("select[name=mode]", "round_robin")
    owner.fill("input[name=cap]", "10")
    owner.click("main button[type=submit]")
    owner.wait_for_selector("text=Auto-assignment saved.")
    assert owner.input_value("select[name=mode]") == "round_robin" and owner.input_value("input[name=cap]") == "10"
    screenshot(owner, "moderation-assignment")
