"""Browser journey of auto-moderation: a "suggest" rule shows its banner on the thread, the community manager
accepts it (hidden on the sandbox); an "act" rule hides spam on its own; the rules log lists both and undoes
the hide."""

from __future__ import annotations

import time

from sqlalchemy import select

from agency import db
from tests.e2e.conftest import screenshot
from tests.e2e.test_moderation_browser import _login, _moderation, _until, moderation_world  # noqa: F401


def test_rule_suggestion_banner_log_and_undo(browser, live_server, moderation_world, _session_sandbox,  # noqa: F811
                                              _app):
    from agency.accounts.models import User, Workspace
    from agency.channels.models import Channel
    from agency.inbox.jobs import run_sync
    from agency.inbox.services import save_rule

    world, sandbox = moderation_world, _session_sandbox
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        owner = db.session.scalars(select(User).where(User.email == world["owner"])).one()
        ws = db.session.scalars(select(Workspace).where(Workspace.slug == world["slug"])).one()
        save_rule(owner, ws, name="Spam-Links", conditions={"is_spam": True, "has_link": True},
                  actions={"moderate": "hide", "mode": "act"})
        save_rule(owner, ws, name="Beleidigungen", conditions={"text_contains": "betrug"},
                  actions={"moderate": "hide", "mode": "suggest"})
        db.session.commit()
        insult = sandbox.fan(world["account_id"], "comment", "Betrug! Nie wieder bei euch.", author_name="Rita Rage")
        spam = sandbox.fan(world["account_id"], "comment", "Gewinne jetzt ein iPhone! Schau auf meinem Profil vorbei: https://bit.ly/win-now",
                           author_name="Follower Shop")
        run_sync(db.session.get(Channel, world["channel_id"]))
        db.session.remove()
    deadline = time.monotonic() + 30  # the worker hides the spam on its own
    while spam["id"] not in _moderation(sandbox, world["account_id"]).get("hidden", []):
        assert time.monotonic() < deadline, "the act rule's hide did not reach the platform"
        time.sleep(0.3)

    cm = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    _login(cm, live_server, world["cm"])
    cm.goto(f"{live_server}/w/{world['slug']}/inbox/")
    assert cm.locator("[data-rule-suggested=hide]").count() == 1
    cm.click("text=Rita Rage")
    cm.wait_for_selector("[data-rule-suggestion]")
    assert "suggests hiding this comment" in cm.inner_text("[data-rule-suggestion]")
    screenshot(cm, "automod-suggestion-banner")
    cm.click("[data-rule-accept]")
    _until(lambda: cm.locator("[data-mod-hidden]").count() > 0, cm)
    assert insult["id"] in _moderation(sandbox, world["account_id"])["hidden"]
    assert cm.locator("[data-rule-suggestion]").count() == 0

    cm.goto(f"{live_server}/w/{world['slug']}/moderation/rules-log")
    assert cm.locator("[data-rule-run]").count() == 2
    screenshot(cm, "automod-rules-log")
    cm.locator("[data-rule-run]", has_text="Follower Shop").locator("[data-run-undo]").click()
    cm.wait_for_selector("[data-run-undone]")
    deadline = time.monotonic() + 30
    while spam["id"] in _moderation(sandbox, world["account_id"]).get("hidden", []):
        assert time.monotonic() < deadline, "the undo did not unhide on the platform"
        time.sleep(0.3)
    owner = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    _login(owner, live_server, world["owner"])
    owner.goto(f"{live_server}/w/{world['slug']}/settings/rules")
    assert owner.locator("[data-rule-moderate=hide-act]").count() == 1
    screenshot(owner, "automod-rule-editor")
