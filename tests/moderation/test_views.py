"""Moderation through the pages: the thread's card, the route's answers to bad input, bulk from the list,
retry, and who may do it."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.inbox.models import Interaction
from agency.moderation.models import ModerationAction
from agency.queue import get_queue
from tests.conftest import login, post_form
from tests.moderation.conftest import platform_state, run


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ModerationAction))


def test_hide_from_the_thread_and_unhide(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Abzocke! Nie wieder.")
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert 'data-mod-action="hide"' in page and 'data-mod-action="unhide"' not in page
    get_queue("replies").empty()
    response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate", {"action": "hide"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#moderation")
    row = db.session.scalars(select(ModerationAction).where(ModerationAction.interaction_id == item.id)).one()
    assert row.status == "queued" and row.actor_id == world.cm_a.id
    assert f"moderation-{row.id}" in [j.id for j in get_queue("replies").jobs]
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert 'data-mod-pending="hide"' in page  # the state is visible while it is under way
    assert run(row) == "done"
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert "data-mod-hidden" in page and 'data-mod-action="unhide"' in page
    listing = client.get(f"/w/{world.ws_a.slug}/inbox/?status=all").get_data(as_text=True)
    assert "data-mod-hidden" in listing
    post_form(client, f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate", {"action": "unhide"})
    unhide = db.session.scalars(select(ModerationAction).where(ModerationAction.action == "unhide")).one()
    assert run(unhide) == "done"
    assert platform_state(platform, channel.external_account_id)["hidden"] == []


def test_moderate_refuses_bad_input(client, world, platform, connect, fan_comment, make_interaction):
    channel = connect("facebook_page")
    item = fan_comment(channel)
    other = fan_comment(channel, "Ein anderer Kommentar")
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate"
    before = _count()
    for payload in ({}, {"action": "explode"}, {"action": "   "}, {"action": "private_reply", "text": "  "},
                    {"action": "private_reply", "text": "x" * 2001}, {"action": "hide", "reply": "abc"},
                    {"action": "hide", "reply": "9" * 30}, {"action": "x" * 100_000},
                    {"action": "private_reply", "text": "Hallo\x00 Welt" + "y" * 3000}):
        response = post_form(client, url, payload)
        assert response.status_code == 400, payload
        assert 'class="error"' in response.get_data(as_text=True) or "alert-error" in response.get_data(as_text=True)
    assert _count() == before
    # A reply of another conversation, and an item of another workspace, are not found.
    from agency.inbox.models import Reply

    foreign = Reply(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, interaction_id=other.id,
                    author_id=world.cm_a.id, text="x", status="sent", external_id="zz1")
    db.session.add(foreign)
    db.session.commit()
    assert post_form(client, url, {"action": "delete", "reply": str(foreign.id)}).status_code == 404
    elsewhere = make_interaction(world.ws_a2, channel=None)
    db.session.commit()
    assert post_form(client, f"/w/{world.ws_a.slug}/inbox/{elsewhere.id}/moderate",
                     {"action": "hide"}).status_code == 404
    assert _count() == before
    # GET shows the choices (the page without JavaScript and for a confirmation).
    page = client.get(url + "?action=delete").get_data(as_text=True)
    assert '<option value="delete" selected' in page


def test_bulk_hide_and_delete_from_the_list(client, world, platform, connect, fan_comment, make_interaction):
    channel = connect("facebook_page")
    first, second = fan_comment(channel, "Spam eins"), fan_comment(channel, "Spam zwei")
    unconnected = make_interaction(world.ws_a, text="ohne Kanal")
    login(client, world.cm_a)
    listing = client.get(f"/w/{world.ws_a.slug}/inbox/").get_data(as_text=True)
    assert 'data-mod-bulk="hide"' in listing and 'formaction="/inbox/moderate"' in listing
    response = post_form(client, "/inbox/moderate", {"moderation": "hide", "ids": [str(first.id), str(second.id),
                                                                                   str(unconnected.id)],
                                                      "back": f"/w/{world.ws_a.slug}/inbox/"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/w/{world.ws_a.slug}/inbox/")
    rows = db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)).all()
    assert [(r.interaction_id, r.action) for r in rows] == [(first.id, "hide"), (second.id, "hide")]
    flashed = client.get(f"/w/{world.ws_a.slug}/inbox/").get_data(as_text=True)
    assert "no longer connected" in flashed  # the item that could not be hidden is named, in words
    for row in rows:
        assert run(row) == "done"
    assert sorted(platform_state(platform, channel.external_account_id)["hidden"]) == sorted(
        [first.external_id, second.external_id])
    post_form(client, "/inbox/moderate", {"moderation": "delete", "ids": [str(first.id)]})
    delete = db.session.scalars(select(ModerationAction).where(ModerationAction.action == "delete")).one()
    assert run(delete) == "done"
    db.session.expire_all()
    assert db.session.get(Interaction, first.id).is_deleted
    before = _count()
    for payload in ({}, {"moderation": "hide"}, {"moderation": "like", "ids": [str(second.id)]},
                    {"moderation": "hide", "ids": ["abc"]}, {"moderation": "hide", "ids": ["9" * 30]},
                    {"moderation": "hide", "ids": [str(second.id)] * 501},
                    {"moderation": "hide", "ids": [str(second.id)], "back": "https://evil.example/"}):
        response = post_form(client, "/inbox/moderate", payload)
        if payload.get("back"):  # a good request with a foreign "back": it goes home instead
            assert response.status_code == 303 and "evil" not in response.headers["Location"]
            continue
        assert response.status_code == 400, payload
        assert "Nothing was done" in response.get_data(as_text=True)
    assert _count() == before + 1  # only the last (good) request queued something


def test_retry_a_failed_action(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel)
    login(client, world.cm_a)
    post_form(client, f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate", {"action": "delete"})
    row = db.session.scalars(select(ModerationAction)).one()
    platform.fault("bad_request", channel.external_account_id, count=1)
    assert run(row) == "failed"
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert "data-mod-retry" in page and "refused" in page
    assert post_form(client, f"/w/{world.ws_a.slug}/moderation/{row.id}/retry").status_code == 303
    db.session.expire_all()
    assert db.session.get(ModerationAction, row.id).status == "queued"
    assert run(row) == "done"
    # Retrying what is not failed says so and changes nothing.
    assert post_form(client, f"/w/{world.ws_a.slug}/moderation/{row.id}/retry").status_code == 303
    assert db.session.get(ModerationAction, row.id).status == "done"


def test_only_staff_of_the_workspace_moderate(app, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel)
    url = f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate"
    for user in (world.cm_unassigned, world.client_a):
        client = app.test_client()
        login(client, user)
        assert post_form(client, url, {"action": "hide"}).status_code == 404
    assert _count() == 0


def test_private_reply_on_instagram_from_the_thread(client, world, platform, connect, fan_comment):
    channel = connect("instagram_business")
    item = fan_comment(channel, "Gibt es das in Blau?")
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert "Answer privately (Instagram Direct)" in page and 'maxlength="1000"' in page
    url = f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate"
    too_long = post_form(client, url, {"action": "private_reply", "text": "ü" * 501})
    assert too_long.status_code == 400 and "1000 bytes" in too_long.get_data(as_text=True)
    assert _count() == 0
    assert post_form(client, url, {"action": "private_reply", "text": "Ja, schreiben Sie uns!"}).status_code == 303
    row = db.session.scalars(select(ModerationAction)).one()
    assert run(row) == "done"
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert "answered privately" in page and "Answer privately (Instagram Direct)" not in page
