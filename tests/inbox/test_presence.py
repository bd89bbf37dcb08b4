"""Collision detection: colleagues viewing or replying, via Redis presence with expiry."""

from __future__ import annotations

import time

from agency.inbox import presence
from tests.conftest import login, post_form


def test_heartbeat_reports_colleagues(app, world, make_interaction):
    it = make_interaction(world.ws_a, text="Wer ist da?")
    first, second = app.test_client(), app.test_client()
    login(first, world.cm_a)
    login(second, world.owner_a)
    url = f"/w/{world.ws_a.slug}/inbox/{it.id}/presence"
    assert post_form(first, url, {"state": "replying"}).get_json()["others"] == []
    others = post_form(second, url, {"state": "viewing"}).get_json()["others"]
    assert [o["state"] for o in others] == ["replying"] and others[0]["name"] == world.cm_a.name
    # The list shows it too.
    listing = second.get(f"/w/{world.ws_a.slug}/inbox/").get_data(as_text=True)
    assert f"{world.cm_a.name}" in listing and "presence" in listing
    # Leaving removes the entry; bad input is harmless.
    post_form(first, url, {"leave": "1"})
    assert post_form(second, url, {"state": "<script>"}).get_json()["others"] == []


def test_presence_expires(app, world, monkeypatch):
    presence.beat(4242, world.cm_a.id, "Chris", "viewing")
    assert presence.others([4242], world.owner_a.id)[4242][0]["name"] == "Chris"
    later = time.time() + presence.STALE_AFTER + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    assert presence.others([4242], world.owner_a.id) == {}
