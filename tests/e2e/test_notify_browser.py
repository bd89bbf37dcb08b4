"""Browser journey of desktop notifications: a community manager turns them on in the profile, allows them in the
browser with the button (asked only on the click), and with two tabs open gets one notification when an item is
assigned to her — none for an item assigned to a colleague.

The page's ``window.Notification`` is replaced before any page script runs by a recorder that behaves like the
browser's (permission "default" until requested), so the test sees what the page creates.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD

RECORDER = """
(() => {
  const notes = [];
  let asked = 0;
  let permission = "default";
  class RecordedNotification {
    constructor(title, options) {
      notes.push({title: String(title), body: String((options || {}).body || ""), tag: (options || {}).tag || ""});
    }
    static get permission() { return permission; }
    static requestPermission(callback) {
      asked += 1;
      permission = "granted";
      if (callback) callback(permission);
      return Promise.resolve(permission);
    }
    close() {}
  }
  Object.defineProperty(window, "Notification", {value: RecordedNotification, configurable: true, writable: true});
  window.__notes = () => notes;
  window.__asked = () => asked;
  window.__grant = () => { permission = "granted"; };
})();
"""


@pytest.fixture
def notify_world(_app):
    """A committed agency: a workspace, two community managers, an account manager and two open items."""
    from agency.accounts.models import Agency
    from agency.inbox.models import Interaction
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Notify Agentur")
        ws = make_workspace(agency, "Notify Bäckerei")
        cm = make_user(agency, "community_manager", workspaces=[ws], name="Carla CM")
        colleague = make_user(agency, "community_manager", workspaces=[ws], name="Kurt Kollege")
        am = make_user(agency, "account_manager", workspaces=[ws], name="Mia Account")
        items = [Interaction(agency_id=agency.id, workspace_id=ws.id, platform="facebook_page",
                             external_id=f"notify-{agency.id}-{n}", kind="comment", author_name=name, text=text,
                             platform_created_at=datetime.now(UTC), status="new")
                 for n, (name, text) in enumerate([("Fremde Frieda", "Für den Kollegen"),
                                                   ("Erika <b>Muster</b>", "Wo bleibt meine Torte?")])]
        db.session.add_all(items)
        db.session.commit()
        info = {"agency_id": agency.id, "cm": cm.email, "cm_id": cm.id, "colleague_id": colleague.id,
                "am_id": am.id, "items": [i.id for i in items]}
        db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        db.session.delete(db.session.get(Agency, info["agency_id"]))
        db.session.commit()
        db.session.remove()


def _assign(_app, item_id: int, actor_id: int, assignee_id: int) -> None:
    from agency.accounts.models import User
    from agency.inbox.models import Interaction
    from agency.inbox.services import assign

    with _app.app_context(), db.system_scope("test: an assignment elsewhere"):
        assign(db.session.get(User, actor_id), db.session.get(Interaction, item_id), db.session.get(User, assignee_id))
        db.session.commit()
        db.session.remove()


def _notes(pages) -> list[dict]:
    return [note for page in pages for note in page.evaluate("window.__notes()")]


def test_one_notification_for_an_item_assigned_to_me_and_none_for_others(_app, browser, live_server, notify_world):
    world = notify_world
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", world["cm"])
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("script[data-notify]").count() == 0  # off by default

    page.goto(f"{live_server}/profile")
    page.check("[data-notify-settings] input[name=enabled]")
    page.click("[data-notify-settings] button[type=submit]")
    page.wait_for_selector("[data-notify-permission]:visible")
    assert page.evaluate("window.__asked()") == 0  # nothing asked before the click
    page.click("[data-notify-permission]")
    page.wait_for_selector("[data-notify-permission]", state="hidden")
    assert page.evaluate("window.__asked()") == 1
    assert page.locator("[data-notify-state]").inner_text().strip() != ""

    # Two open tabs of the same browser. The browser keeps a permission per site; the recorder lives per document,
    # so each newly loaded page is told it was granted.
    second = context.new_page()
    second.goto(f"{live_server}/")
    page.goto(f"{live_server}/")
    for tab in (page, second):
        tab.evaluate("window.__grant()")
        tab.wait_for_selector("html[data-notify-ready]", state="attached", timeout=15000)

    first, mine = world["items"]
    _assign(_app, first, world["am_id"], world["colleague_id"])  # someone else's: no notification
    _assign(_app, mine, world["am_id"], world["cm_id"])
    deadline = time.monotonic() + 15
    while not _notes([page, second]):
        assert time.monotonic() < deadline, "no notification in either tab"
        page.wait_for_timeout(200)
    page.wait_for_timeout(1500)  # time for a duplicate to show up, if the tabs did not agree
    notes = _notes([page, second])
    assert len(notes) == 1, notes
    assert notes[0]["title"].endswith("Erika <b>Muster</b>")  # as text, as the browser shows it
    assert "Wo bleibt meine Torte?" in notes[0]["body"] and notes[0]["tag"].startswith("assigned-")
    assert "Fremde Frieda" not in repr(notes)

    # Assigning herself shows nothing.
    _assign(_app, first, world["cm_id"], world["cm_id"])
    page.wait_for_timeout(1500)
    assert len(_notes([page, second])) == 1
    context.close()
