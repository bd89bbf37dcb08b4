"""Browser tests: a live server on 127.0.0.1 and Debian's Chromium driven by Playwright.

They commit for real (a browser is another thread with its own connections), so each
test creates its own agency and deletes it afterwards.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from agency import db

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _require_browser() -> bool:
    return os.environ.get("AGENCY_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if _require_browser():
            pytest.fail("AGENCY_REQUIRE_BROWSER=1 but /usr/bin/chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _close_pages_after_each_test(request):
    """A page left open keeps polling the live server (presence, reply status); its requests would run on
    the next test's database connection. Every test's browser contexts close when it ends."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()


@pytest.fixture(scope="session")
def live_server(_app):
    server = make_server("127.0.0.1", 0, _app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def committed_agency(_app):
    """A fresh agency with an owner, committed; deleted (with everything in it) afterwards."""
    from agency.accounts.models import Agency
    from tests.conftest import make_agency, make_user

    with _app.app_context(), db.system_scope("test: create a committed agency"):
        agency = make_agency("Browser Agentur")
        owner = make_user(agency, "owner", name="Berta Browser")
        db.session.commit()
        ids = (agency.id, owner.email)
    db.session.remove()
    yield ids
    with _app.app_context(), db.system_scope("test: delete the committed agency"):
        db.session.delete(db.session.get(Agency, ids[0]))
        db.session.commit()
    db.session.remove()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
