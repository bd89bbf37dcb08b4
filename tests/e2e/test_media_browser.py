"""In the browser: authors' avatars and platform marks show, loaded from our origin under the page's CSP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot
from tests.inbox.test_media import image_host


@pytest.fixture
def avatar_world(_app):
    from agency.accounts.models import Agency
    from agency.channels.connectors.base import PlatformItem
    from agency.channels.models import Channel
    from agency.inbox.ingest import ingest_items
    from tests.conftest import make_agency, make_user, make_workspace

    now = datetime.now(UTC)
    with image_host() as (base, hits):
        original = _app.config["AGENCY"]
        _app.config["AGENCY"] = original.with_overrides(youtube_api_base=f"{base}/youtube/v3")
        with _app.app_context(), db.system_scope("test: committed fixtures"):
            agency = make_agency("Media Agentur")
            ws = make_workspace(agency, "Media Bäckerei")
            owner = make_user(agency, "owner", name="Mia Media")
            channel = Channel(agency_id=agency.id, workspace_id=ws.id, platform="youtube_channel",
                              external_account_id="UC" + "m" * 22, name="Bäckerei TV", access_token="secret")
            db.session.add(channel)
            db.session.flush()
            items = [PlatformItem(external_id=f"yt-{n}", kind="comment", text=text, author_name=name,
                                  author_external_id=f"UCfan{n}", created_at=now - timedelta(minutes=10 * n),
                                  author_avatar_url=f"{base}/ok.png" if n != 2 else f"{base}/page.html",
                                  # Lena's comment carries a photo; the video's picture comes with every one.
                                  media_urls=(f"{base}/ok.png",) if n == 0 else (),
                                  context_text="Unser Sauerteig-Video", context_image_url=f"{base}/ok.png")
                     for n, (name, text) in enumerate([("Lena Lecker", "Das Rezept ist super, danke!"),
                                                       ("Tom Teig", "Wann kommt das nächste Video?"),
                                                       ("Fake Bild", "Kein Bild hier")])]
            with db.tenant(db.session(), agency.id):
                ingest_items(channel, items)
            db.session.commit()
            info = {"agency_id": agency.id, "slug": ws.slug, "owner": owner.email, "hits": hits}
            db.session.remove()
        try:
            yield info
        finally:
            _app.config["AGENCY"] = original
            with _app.app_context(), db.system_scope("test: committed fixtures"):
                db.session.delete(db.session.get(Agency, info["agency_id"]))
                db.session.commit()
                db.session.remove()


def test_avatars_and_platform_marks_load_from_our_origin(page, live_server, avatar_world):
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", avatar_world["owner"])
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/w/{avatar_world['slug']}/inbox/")
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all("img.avatar-img",
                                       "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth])")
    loaded = [w for src, w in widths if w > 0]
    assert len(loaded) == 3, widths  # the third "image" is an HTML page: refused, the author's pattern instead
    assert all(src.startswith(f"/w/{avatar_world['slug']}/inbox/") for src, _w in widths)
    assert page.locator("svg.pf-icon").count() == 3
    assert page.eval_on_selector("svg.pf-icon", "s => s.getBoundingClientRect().width") > 0
    assert not blocked, blocked
    screenshot(page, "media-inbox")
    page.locator(".conv-author", has_text="Lena Lecker").click()
    page.wait_for_selector(".msg.current img.avatar-img")
    assert page.eval_on_selector(".msg.current img.avatar-img", "i => i.naturalWidth") > 0
    # The comment's photo and the post's picture, from our origin too.
    page.wait_for_load_state("networkidle")
    pictures = page.eval_on_selector_all(".msg.current .msg-media img, img.context-picture",
                                         "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth])")
    assert len(pictures) == 2 and all(w > 0 and src.startswith("/w/") for src, w in pictures), pictures
    assert not blocked, blocked
    screenshot(page, "media-thread")
    fetched = dict(avatar_world["hits"])
    assert 1 <= fetched["/ok.png"] <= 2  # two rows load at once; after that the disk cache answers
    page.goto(f"{live_server}/w/{avatar_world['slug']}/inbox/")
    page.wait_for_load_state("networkidle")
    assert avatar_world["hits"] == fetched
