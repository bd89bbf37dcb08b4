"""Replies reach the platform at most once, under timeouts and failures; limits are checked first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from agency import db
from agency.errors import ValidationError
from agency.inbox.models import Interaction, Reply
from agency.inbox.replies import ReplyRetryLater, queue_reply, send_reply
from agency.queue import get_queue
from tests.conftest import login, post_form


def _customer_comment(channel) -> Interaction:
    return db.session.scalars(select(Interaction).where(
        Interaction.channel_id == channel.id, Interaction.kind == "comment", Interaction.is_own.is_(False),
        Interaction.is_deleted.is_(False), Interaction.is_spam.is_(False)).order_by(Interaction.id)).first()


def _platform_replies(platform, account_id: str) -> list[dict]:
    return platform.admin("GET", "replies", account_id=account_id)["replies"]


def _send(reply_id: int, agency_id: int) -> str:
    return send_reply.__wrapped__(agency_id, reply_id)


def test_reply_is_sent_and_shows_as_sent(app, client, world, platform, synced_channel):
    account = synced_channel.external_account_id
    target = _customer_comment(synced_channel)
    login(client, world.cm_a)
    get_queue("replies").empty()
    response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{target.id}/reply",
                         {"reply_text": "Danke für deine Nachricht! 🙂", "opened_at": db.utcnow().isoformat()})
    assert response.status_code == 302
    reply = db.session.scalars(select(Reply).where(Reply.interaction_id == target.id)).one()
    assert reply.status == "queued" and f"reply-{reply.id}" in [j.id for j in get_queue("replies").jobs]
    assert _send(reply.id, reply.agency_id) == "sent"
    db.session.expire_all()
    reply = db.session.get(Reply, reply.id)
    assert reply.status == "sent" and reply.external_id and reply.sent_at
    assert db.session.get(Interaction, target.id).status == "replied"
    sent = _platform_replies(platform, account)
    assert [r["text"] for r in sent] == ["Danke für deine Nachricht! 🙂"]
    assert _send(reply.id, reply.agency_id) == "sent"  # running the job again changes nothing
    assert len(_platform_replies(platform, account)) == 1
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{target.id}").get_data(as_text=True)
    assert "Danke für deine Nachricht!" in page and ">sent<" in page.replace("gesendet", "sent")


@pytest.mark.parametrize("step", ["timeout_after_write", "server_error"])
def test_reply_exactly_once_under_faults(app, world, platform, synced_channel, step):
    account = synced_channel.external_account_id
    app.config["AGENCY"] = app.config["AGENCY"].with_overrides(platform_timeout=(2.0, 0.5))
    target = _customer_comment(synced_channel)
    reply = queue_reply(world.cm_a, target, "Wir kümmern uns sofort darum.")
    db.session.commit()
    platform.fault(step, synced_channel.external_account_id, count=1, seconds=1.5)
    with pytest.raises(ReplyRetryLater):
        _send(reply.id, reply.agency_id)
    db.session.expire_all()
    reply = db.session.get(Reply, reply.id)
    assert reply.status == "queued" and reply.attempts == 1 and reply.first_attempt_at is not None
    assert reply.error  # the user sees what happened, in words
    # The retry checks the platform first: after a write that timed out it finds the reply and does not resend;
    # after a 500 (nothing stored) it sends once.
    assert _send(reply.id, reply.agency_id) == "sent"
    assert _send(reply.id, reply.agency_id) == "sent"
    texts = [r["text"] for r in _platform_replies(platform, account)]
    assert texts.count("Wir kümmern uns sofort darum.") == 1


def test_platform_refusal_fails_with_words_and_can_be_retried(app, client, world, platform, synced_channel):
    account = synced_channel.external_account_id
    target = _customer_comment(synced_channel)
    reply = queue_reply(world.cm_a, target, "Antwort")
    db.session.commit()
    platform.fault("bad_request", synced_channel.external_account_id, count=1)
    assert _send(reply.id, reply.agency_id) == "failed"
    db.session.expire_all()
    failed = db.session.get(Reply, reply.id)
    assert failed.status == "failed" and "refused" in failed.error
    login(client, world.cm_a)
    assert post_form(client, f"/w/{world.ws_a.slug}/inbox/replies/{reply.id}/retry").status_code == 302
    assert db.session.get(Reply, reply.id).status == "queued"
    assert _send(reply.id, reply.agency_id) == "sent"
    assert [r["text"] for r in _platform_replies(platform, account)] == ["Antwort"]


def test_length_and_messaging_window_are_checked_before_queueing(app, world, synced_channel, make_interaction):
    target = _customer_comment(synced_channel)
    with pytest.raises(ValidationError, match="8000"):
        queue_reply(world.cm_a, target, "x" * 8001)
    with pytest.raises(ValidationError):
        queue_reply(world.cm_a, target, "   ")
    dm_old = make_interaction(world.ws_a, kind="direct_message", channel=synced_channel, text="Hallo?",
                              minutes_ago=8 * 24 * 60, thread_external_id="t-old", author_external_id="psid-1")
    with pytest.raises(ValidationError, match="7"):
        queue_reply(world.cm_a, dm_old, "Zu spät")
    dm_mid = make_interaction(world.ws_a, kind="direct_message", channel=synced_channel, text="Hallo?",
                              minutes_ago=3 * 24 * 60, thread_external_id="t-mid", author_external_id="psid-2")
    reply = queue_reply(world.cm_a, dm_mid, "Mit Human-Agent-Tag")
    assert reply.use_human_agent_tag
    dm_new = make_interaction(world.ws_a, kind="direct_message", channel=synced_channel, text="Hallo?",
                              minutes_ago=30, thread_external_id="t-new", author_external_id="psid-3")
    with pytest.raises(ValidationError, match="2000"):
        queue_reply(world.cm_a, dm_new, "x" * 2001)
    assert not queue_reply(world.cm_a, dm_new, "Innerhalb von 24 Stunden").use_human_agent_tag
    # The windows used above are Meta's: 24 hours standard, 7 days with the HUMAN_AGENT tag.
    from agency.channels.connectors.base import HUMAN_AGENT_WINDOW, STANDARD_WINDOW

    assert (timedelta(hours=24), timedelta(days=7)) == (STANDARD_WINDOW, HUMAN_AGENT_WINDOW)


def test_reply_form_rejects_bad_input(client, world, synced_channel):
    target = _customer_comment(synced_channel)
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{target.id}/reply"
    for data in ({}, {"reply_text": ""}, {"reply_text": "x" * 20_001}, {"reply_text": "x" * 9000},
                 {"reply_text": "   "}, {"reply_text": "\x00 \x00"}, {"reply_text": "x" * 200_000},
                 {"reply_text": "ok", "opened_at": "garbage" * 1000}):
        response = post_form(client, url, data)
        assert response.status_code in (302, 400), data
        if data.get("reply_text") != "ok":
            assert response.status_code == 400
    assert len(db.session.scalars(select(Reply)).all()) == 1  # only the valid one ("ok")


def test_collision_warning_before_sending(app, world, synced_channel):
    target = _customer_comment(synced_channel)
    opened_at = db.utcnow()
    colleague = app.test_client()
    me = app.test_client()
    login(colleague, world.owner_a)
    login(me, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{target.id}/reply"
    assert post_form(colleague, url, {"reply_text": "Antwort der Kollegin", "opened_at": db.utcnow().isoformat()})\
        .status_code == 302
    response = post_form(me, url, {"reply_text": "Meine Antwort", "opened_at": opened_at.isoformat()})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Antwort der Kollegin" in page and 'name="send_anyway"' in page
    assert len(db.session.scalars(select(Reply).where(Reply.interaction_id == target.id)).all()) == 1
    response = post_form(me, url, {"reply_text": "Meine Antwort", "opened_at": opened_at.isoformat(),
                                   "send_anyway": "y"})
    assert response.status_code == 302
    assert len(db.session.scalars(select(Reply).where(Reply.interaction_id == target.id)).all()) == 2


def test_worker_died_after_marking_sending_sends_exactly_once(app, world, platform, synced_channel):
    """A worker killed between its "sending" commit and the platform call: the next run checks, then sends."""
    account = synced_channel.external_account_id
    target = _customer_comment(synced_channel)
    reply = queue_reply(world.cm_a, target, "Nach dem Absturz genau einmal.")
    reply.status, reply.attempts, reply.first_attempt_at = "sending", 1, db.utcnow()
    db.session.commit()
    assert _send(reply.id, reply.agency_id) == "sent"
    assert _send(reply.id, reply.agency_id) == "sent"
    texts = [r["text"] for r in _platform_replies(platform, account)]
    assert texts.count("Nach dem Absturz genau einmal.") == 1
