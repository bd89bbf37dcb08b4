"""In the browser: an item deleted on the platform leaves the open inbox and shows its last text, marked;
hostile bidi characters in a stranger's name do not turn the rest of the row around."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def deleted_world(_app):
    """A committed agency whose Facebook Page has three comments: one removed on the platform, one by a
    stranger whose name carries a right-to-left override, one ordinary."""
    from agency.accounts.models import Agency
    from agency.channels.connectors.base import PlatformItem
    from agency.channels.models import Channel
    from agency.inbox.ingest import ingest_items
    from tests.conftest import make_agency, make_user, make_workspace

    now = datetime.now(UTC)
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Ingest Agentur")
        ws = make_workspace(agency, "Ingest Bäckerei")
        owner = make_user(agency, "owner", name="Olga Owner")
        channel = Channel(agency_id=agency.id, workspace_id=ws.id, platform="facebook_page",
                          external_account_id="ingest-browser-page", name="Ingest Page", access_token="secret")
        db.session.add(channel)
        db.session.flush()

        def comment(external_id, text, name, minutes, **fields):
            return PlatformItem(external_id=external_id, kind="comment", text=text, author_name=name,
                                author_external_id=f"fan-{external_id}", created_at=now - timedelta(minutes=minutes),
                                **fields)

        with db.tenant(db.session(), agency.id):
            ingest_items(channel, [comment("gone", "Dieser Kommentar wurde gelöscht", "Greta Gast", 30),
                                   comment("rtl", "Hallo zusammen", "\u202eEvil Name", 20),
                                   comment("ok", "Wann öffnet ihr morgen?", "Otto Normal", 10)])
            ingest_items(channel, [comment("gone", "", "Greta Gast", 5, is_deleted=True,
                                           updated_at=now - timedelta(minutes=5))])
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "owner": owner.email}
        db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        db.session.delete(db.session.get(Agency, info["agency_id"]))
        db.session.commit()
        db.session.remove()


def test_deleted_item_leaves_the_open_inbox_and_keeps_its_text(page, live_server, deleted_world):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", deleted_world["owner"])
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/w/{deleted_world['slug']}/inbox/")
    texts = page.locator(".conv .conv-text").all_inner_texts()
    assert "Wann öffnet ihr morgen?" in texts and "Dieser Kommentar wurde gelöscht" not in texts
    # The override is gone from the name: it reads as sent, and the row's text is not reversed.
    assert "Evil Name" in page.locator(".conv .conv-author").all_inner_texts()
    screenshot(page, "ingest-open-inbox")

    page.goto(f"{live_server}/w/{deleted_world['slug']}/inbox/?status=all")
    row = page.locator(".conv.deleted")
    assert row.count() == 1
    assert "Dieser Kommentar wurde gelöscht" in row.inner_text() and "Deleted on the platform." in row.inner_text()
    screenshot(page, "ingest-all-with-deleted")
    row.locator(".conv-author").click()
    page.wait_for_selector(".msg.deleted")
    assert "Deleted on the platform." in page.locator(".msg.deleted").inner_text()
    screenshot(page, "ingest-thread-deleted")
