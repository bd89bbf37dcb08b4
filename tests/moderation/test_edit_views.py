"""Editing our sent reply from the thread: the inline form (and its page without JavaScript), the visible state,
Undo edit, answers to bad input, and who may do it."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.inbox.models import Reply
from agency.inbox.replies import queue_reply, send_reply
from agency.moderation.models import ModerationAction
from agency.queue import get_queue
from tests.conftest import login, post_form
from tests.moderation.conftest import platform_log, run


def _edits() -> list[ModerationAction]:
    return list(db.session.scalars(select(ModerationAction).where(ModerationAction.action == "edit")
                                   .order_by(ModerationAction.id)))


def _sent_reply(world, item, text: str) -> Reply:
    reply = queue_reply(world.cm_a, item, text)
    db.session.commit()
    assert send_reply.__wrapped__(reply.agency_id, reply.id) == "sent"
    return _reply(reply.id)


def _reply(reply_id: int) -> Reply:
    """The reply as stored now (without expiring the test's other objects, which requests detach)."""
    return db.session.get(Reply, reply_id, populate_existing=True)


def test_edit_from_the_thread_then_undo(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Ist der Laden heute offen?")
    reply = _sent_reply(world, item, "Ja, bis 18 Uhr.")
    login(client, world.cm_a)
    thread = f"/w/{world.ws_a.slug}/inbox/{item.id}"
    page = client.get(thread).get_data(as_text=True)
    # Edit next to Delete: a link to the edit page (no JavaScript) and the inline form JavaScript opens.
    assert f'data-mod-edit-reply="{reply.id}"' in page and f'data-mod-edit-form="{reply.id}" hidden' in page
    assert "data-mod-delete-reply" in page and "data-mod-undo-edit" not in page
    plain = client.get(f"{thread}/moderate?action=edit&reply={reply.id}")
    assert plain.status_code == 200
    assert ">Ja, bis 18 Uhr.</textarea>" in plain.get_data(as_text=True)

    get_queue("replies").empty()
    url = f"{thread}/moderate"
    response = post_form(client, url, {"action": "edit", "reply": str(reply.id), "text": "Ja, heute bis 20 Uhr."})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#reply-{reply.id}")
    again = post_form(client, url, {"action": "edit", "reply": str(reply.id), "text": "Ja, heute bis 20 Uhr."})
    assert again.status_code == 303  # a double submit: nothing more is queued
    [row] = _edits()
    assert (row.status, row.actor_id, row.previous_text) == ("queued", world.cm_a.id, "Ja, bis 18 Uhr.")
    assert [j.id for j in get_queue("replies").jobs] == [f"moderation-{row.id}"]
    page = client.get(thread).get_data(as_text=True)
    assert 'data-reply-edit-state="pending"' in page and f'data-mod-edit-reply="{reply.id}"' not in page

    assert run(row) == "done"
    page = client.get(thread).get_data(as_text=True)
    assert "Ja, heute bis 20 Uhr." in page and 'data-reply-edit-state="edited"' in page
    assert "data-mod-undo-edit" in page
    undo = post_form(client, url, {"action": "edit", "reply": str(reply.id), "text": "Ja, bis 18 Uhr."})
    assert undo.status_code == 303
    assert run(_edits()[-1]) == "done"
    assert _reply(reply.id).text == "Ja, bis 18 Uhr."
    assert [e["text"] for e in platform_log(platform, channel.external_account_id)] == [
        "Ja, heute bis 20 Uhr.", "Ja, bis 18 Uhr."]


def test_a_failed_edit_shows_retry_on_the_reply(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Lieferzeit?")
    reply = _sent_reply(world, item, "Zwei Tage.")
    login(client, world.cm_a)
    post_form(client, f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate",
              {"action": "edit", "reply": str(reply.id), "text": "Drei Tage."})
    [row] = _edits()
    platform.fault("bad_request", channel.external_account_id, count=1)
    assert run(row) == "failed"
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert 'data-reply-edit-state="failed"' in page and "refused" in page and "data-mod-retry" in page
    assert post_form(client, f"/w/{world.ws_a.slug}/moderation/{row.id}/retry").status_code == 303
    assert run(row) == "done"
    assert _reply(reply.id).text == "Drei Tage."


def test_edit_refuses_bad_input(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Preis?")
    reply = _sent_reply(world, item, "12 Euro.")
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate"
    rid = str(reply.id)
    for payload, message in (
            ({"action": "edit", "reply": rid, "text": ""}, "Write the new text"),
            ({"action": "edit", "reply": rid, "text": "   "}, "Write the new text"),
            ({"action": "edit", "reply": rid, "text": "\x00"}, "Write the new text"),
            ({"action": "edit", "reply": rid, "text": "12 Euro."}, "unchanged"),
            ({"action": "edit", "reply": rid, "text": "x" * 8001}, "8000"),
            ({"action": "edit", "reply": rid, "text": "x" * 20_001}, ""),
            ({"action": "edit", "reply": "abc", "text": "13 Euro."}, "Unknown item"),
            ({"action": "edit", "reply": "9" * 30, "text": "13 Euro."}, "Unknown item"),
            ({"action": "edit", "text": "Gekapert"}, "Only our own replies")):
        response = post_form(client, url, payload)
        assert response.status_code == 400, payload
        body = response.get_data(as_text=True)
        assert "alert-error" in body and message in body, payload
    assert _edits() == []
    # Without JavaScript the answer is the edit page again, with the text as typed and the reason.
    again = post_form(client, url, {"action": "edit", "reply": rid, "text": "13 Euro" + "!" * 8000}).get_data(
        as_text=True)
    assert 'id="edit-text"' in again and "13 Euro" + "!" * 8000 + "</textarea>" in again and "8000" in again
    # A reply of another conversation, or one that does not exist: not found.
    other = fan_comment(channel, "Noch eine Frage")
    foreign = _sent_reply(world, other, "Gern!")
    assert post_form(client, url, {"action": "edit", "reply": str(foreign.id), "text": "x"}).status_code == 404
    assert client.get(f"{url}?action=edit&reply={foreign.id}").status_code == 404
    assert client.get(f"{url}?action=edit&reply=abc").status_code == 404
    assert post_form(client, url, {"action": "edit", "reply": "999999999999", "text": "x"}).status_code == 404
    assert _edits() == []


def test_instagram_shows_no_edit_and_refuses_it(client, world, platform, connect, fan_comment):
    channel = connect("instagram_business")
    item = fan_comment(channel, "Tolles Foto")
    reply = _sent_reply(world, item, "Danke!")
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert "data-mod-delete-reply" in page and "data-mod-edit-reply" not in page
    response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate",
                         {"action": "edit", "reply": str(reply.id), "text": "Danke schön!"})
    assert response.status_code == 400 and "Instagram does not allow editing" in response.get_data(as_text=True)
    assert _edits() == []


def test_only_staff_of_the_workspace_edit(app, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Hallo?")
    reply = _sent_reply(world, item, "Hallo!")
    url = f"/w/{world.ws_a.slug}/inbox/{item.id}/moderate"
    for user in (world.cm_unassigned, world.client_a, world.owner_b):
        client = app.test_client()
        login(client, user)
        assert post_form(client, url, {"action": "edit", "reply": str(reply.id), "text": "Fremd"}).status_code == 404
        assert client.get(f"{url}?action=edit&reply={reply.id}").status_code == 404
    # Agency B's workspace address with agency A's ids is not found either.
    client = app.test_client()
    login(client, world.owner_b)
    assert post_form(client, f"/w/{world.ws_b.slug}/inbox/{item.id}/moderate",
                     {"action": "edit", "reply": str(reply.id), "text": "Fremd"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
    assert _reply(reply.id).text == "Hallo!"
    # The account manager of the workspace may.
    client = app.test_client()
    login(client, world.am_a)
    assert post_form(client, url, {"action": "edit", "reply": str(reply.id), "text": "Hallo, wie geht's?"}
                     ).status_code == 303


def test_where_replies_need_approval_the_edit_is_offered_to_approvers_only(app, client, world, platform, connect,
                                                                          fan_comment):
    from agency.moderation import approvals

    channel = connect("facebook_page")
    item = fan_comment(channel, "Und jetzt?")
    reply = _sent_reply(world, item, "Wir prüfen das.")
    approvals.save_settings(world.owner_a, world.ws_a, mode="always", approver="staff", rule_negative_public=True,
                            rule_tags=[])
    db.session.commit()
    login(client, world.cm_a)
    thread = f"/w/{world.ws_a.slug}/inbox/{item.id}"
    page = client.get(thread).get_data(as_text=True)
    assert "data-mod-edit-reply" not in page and "data-mod-delete-reply" in page
    refused = post_form(client, f"{thread}/moderate", {"action": "edit", "reply": str(reply.id), "text": "Neu"})
    assert refused.status_code == 400 and "only an approver" in refused.get_data(as_text=True)
    manager = app.test_client()
    login(manager, world.am_a)
    assert f'data-mod-edit-reply="{reply.id}"' in manager.get(thread).get_data(as_text=True)
    assert _edits() == []


def test_a_reply_shown_in_another_items_thread_is_edited_through_its_own_item(client, world, platform, connect,
                                                                              fan_comment):
    channel = connect("facebook_page")
    first = fan_comment(channel, "Erste Frage")
    second = fan_comment(channel, "Zweite Frage")
    assert first.thread_external_id == second.thread_external_id  # comments on the same post: one thread
    reply = _sent_reply(world, first, "Antwort auf die erste.")
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{second.id}").get_data(as_text=True)
    assert f'data-mod-edit-reply="{reply.id}"' in page
    assert f'action="/w/{world.ws_a.slug}/inbox/{first.id}/moderate" class="mod-edit-form' in page
    response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{first.id}/moderate",
                         {"action": "edit", "reply": str(reply.id), "text": "Antwort, ergänzt."})
    assert response.status_code == 303
    assert [row.interaction_id for row in _edits()] == [first.id]
