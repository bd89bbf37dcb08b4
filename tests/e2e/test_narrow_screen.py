"""A phone (390 px): the menu button opens the main navigation, every entry is reachable, and no page is
wider than the screen, even with names of 120 to 300 characters without a single space."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}


def long_word(length: int, stem: str = "Donaudampfschifffahrtsgesellschaft") -> str:
    return (stem * (length // len(stem) + 1))[:length]


@pytest.fixture
def long_names_world(_app):
    """A committed agency whose names are as long as the columns allow, none with a space."""
    from agency.accounts.models import Agency
    from agency.audit import record
    from agency.channels.models import Channel
    from agency.inbox.models import Interaction
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Lange Namen")
        agency.name = long_word(120, "Agenturfuersozialemedien")
        ws = make_workspace(agency, long_word(120, "Baeckereikonditoreicafe"), slug="lange-namen")
        owner = make_user(agency, "owner", name=long_word(120, "Ottilie"),
                          email=f"{long_word(200, 'postfach')}@example.com")
        make_user(agency, "community_manager", workspaces=[ws], name=long_word(120, "Carla"))
        channel = Channel(agency_id=agency.id, workspace_id=ws.id, platform="facebook_page",
                          external_account_id="42", name=long_word(200, "Seitenname"), access_token="t")
        db.session.add(channel)
        db.session.flush()
        now = datetime.now(UTC)
        first = None
        for n in range(6):
            row = Interaction(
                agency_id=agency.id, workspace_id=ws.id, channel_id=channel.id, platform="facebook_page",
                external_id=f"long-{n}", kind="comment", author_name=long_word(300, "Kundinnenname"),
                author_external_id=f"fan-{n}", text=f"{long_word(300, 'Beschwerde')} https://example.com/{long_word(200)}",
                context_text=long_word(300, "Beitragstext"), tags=[long_word(64, "schlagwort")],
                platform_created_at=now - timedelta(minutes=10 * n))
            db.session.add(row)
            db.session.flush()
            first = first or row
        record("channel.connected", agency_id=agency.id, actor=owner, obj=channel,
               details={"platform": "facebook_page", "account_id": long_word(300, "konto")})
        db.session.commit()
        info = {"agency_id": agency.id, "email": owner.email, "slug": ws.slug, "interaction": first.id,
                "channel": channel.id}
        db.session.remove()
    yield info
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


_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const scrollsInside = (el) => {
    // Content inside a box that scrolls sideways (a table, the workspace bar) may be wider than the page.
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (['auto', 'scroll', 'hidden'].includes(overflow) && box.getBoundingClientRect().right <= width + 1) {
        return true;
      }
    }
    return false;
  };
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !scrollsInside(el)) {
      wide.push(el.tagName.toLowerCase() + (typeof el.className === 'string' ? '.' + el.className : ''));
    }
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: width, wide: wide.slice(0, 8)};
}"""


def _pages(world) -> list[str]:
    slug = world["slug"]
    return ["/", "/inbox/", f"/w/{slug}/inbox/", f"/w/{slug}/inbox/{world['interaction']}", f"/w/{slug}/channels/",
            f"/w/{slug}/settings/rules", f"/w/{slug}/settings/sla", "/settings/sla", "/settings/agency", "/users",
            "/workspaces", "/audit", "/profile", "/sla", "/notifications"]


def test_phone_menu_opens_and_reaches_every_entry(browser, live_server, long_names_world):
    context = browser.new_context(viewport=PHONE, locale="en-US", device_scale_factor=1)
    page = context.new_page()
    _login(page, live_server, long_names_world["email"])
    toggle = page.locator("button.nav-toggle")
    nav = page.locator("#mainnav")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    screenshot(page, "phone-dashboard-menu-closed")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.is_visible()
    links = nav.locator("a")
    labels = links.all_inner_texts()
    assert {"Dashboard", "Inbox", "Workspaces", "Users", "Audit log"} <= set(labels)
    for index in range(links.count()):
        link = links.nth(index)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        inside = box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
        assert link.is_visible() and inside, labels[index]
    screenshot(page, "phone-dashboard-menu-open")

    # Following an entry works from the open menu.
    nav.get_by_text("Audit log", exact=True).click()
    page.wait_for_url(f"{live_server}/audit")
    assert not page.locator("#mainnav").is_visible()  # a new page starts with the menu closed

    # Keyboard: Tab to the button, Enter opens, the first entry is next in the tab order, Escape closes.
    page.goto(f"{live_server}/")
    page.locator("button.nav-toggle").focus()
    page.keyboard.press("Enter")
    assert page.locator("button.nav-toggle").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#mainnav') !== null")
    page.keyboard.press("Escape")
    assert page.locator("button.nav-toggle").get_attribute("aria-expanded") == "false"
    assert not page.locator("#mainnav").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
    context.close()


def test_no_page_is_wider_than_a_phone(browser, live_server, long_names_world):
    context = browser.new_context(viewport=PHONE, locale="en-US", device_scale_factor=1)
    page = context.new_page()
    _login(page, live_server, long_names_world["email"])
    problems = {}
    for path in _pages(long_names_world):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        found = page.evaluate(_OVERFLOW_JS)
        if found["scrollWidth"] > found["innerWidth"]:
            problems[path] = found
        screenshot(page, "phone" + (re.sub(r"[^a-z0-9]+", "-", path).rstrip("-") or "-dashboard"))
    assert not problems, problems
    context.close()


def test_desktop_shows_the_navigation_without_a_button(browser, live_server, long_names_world):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    _login(page, live_server, long_names_world["email"])
    assert not page.locator("button.nav-toggle").is_visible()
    assert page.locator("#mainnav a", has_text="Audit log").is_visible()
    for path in _pages(long_names_world):
        page.goto(f"{live_server}{path}")
        found = page.evaluate(_OVERFLOW_JS)
        assert found["scrollWidth"] <= found["innerWidth"], (path, found)
    for path, name in [("/", "desktop-dashboard"), (f"/w/{long_names_world['slug']}/inbox/", "desktop-inbox"),
                       (f"/w/{long_names_world['slug']}/inbox/{long_names_world['interaction']}", "desktop-thread"),
                       ("/audit", "desktop-audit")]:
        page.goto(f"{live_server}{path}")
        screenshot(page, name)
    context.close()

