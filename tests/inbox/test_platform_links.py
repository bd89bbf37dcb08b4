"""The thread page links to the platform only through the channels package's ``platform_link`` check."""

from __future__ import annotations

from agency import db
from tests.conftest import login, make_channel


def test_thread_page_shows_only_checked_links(client, world, make_interaction):
    channel = make_channel(world.ws_a, "facebook_page")
    hostile = make_interaction(world.ws_a, channel=channel, text="Schaut mal", context_text="Unser Post",
                               context_url="javascript:alert(1)", permalink="https://facebook.com.evil.example/x")
    fine = make_interaction(world.ws_a, channel=channel, text="Toll", context_text="Unser Post",
                            context_url="https://www.facebook.com/1/posts/2",
                            permalink="https://www.facebook.com/1/posts/2?comment_id=3")
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{hostile.id}").get_data(as_text=True)
    assert "javascript:" not in page and "evil.example" not in page
    assert "Open on the platform" not in page
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{fine.id}").get_data(as_text=True)
    assert 'href="https://www.facebook.com/1/posts/2"' in page
    assert 'href="https://www.facebook.com/1/posts/2?comment_id=3"' in page
    db.session.rollback()
