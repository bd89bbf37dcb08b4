"""Every moderation action reaches the platform (the sandbox, over HTTP) at most once, shows its state,
fails in words and can be retried; the item's status follows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agency import db
from agency.audit import AuditEvent
from agency.errors import ValidationError
from agency.inbox.models import Interaction, Reply
from agency.inbox.replies import queue_reply, send_reply
from agency.moderation import services
from agency.moderation.jobs import ActionRetryLater
from agency.moderation.models import ModerationAction
from tests.moderation.conftest import platform_log, platform_state, run


def _fresh(row) -> ModerationAction:
    db.session.expire_all()
    return db.session.get(ModerationAction, row.id)


def test_hide_and_unhide_on_facebook(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Ihr seid alle Betrüger!!!")
    account = channel.external_account_id
    row = services.queue_action(world.cm_a, item, "hide")
    db.session.commit()
    assert row.status == "queued"
    assert run(row) == "done"
    assert _fresh(row).status == "done" and _fresh(row).done_at is not None
    assert item.id and platform_state(platform, account)["hidden"] == [item.external_id]
    # Graph shows the comment as hidden to the Page.
    comment = platform.http.get(f"{platform.graph_base}/{item.external_id}",
                                headers={"Authorization": f"Bearer {_token(platform, account)}"}).json()
    assert comment["is_hidden"] is True
    state = services.states_of([item.id])[item.id]
    assert state.hidden and not state.pending
    # Hiding settles the item: out of the open inbox.
    assert db.session.get(Interaction, item.id).status == "closed"
    assert services.offered_actions(item, state)[:1] == ["unhide"]
    back = services.queue_action(world.cm_a, item, "unhide")
    db.session.commit()
    assert run(back) == "done"
    assert platform_state(platform, account)["hidden"] == []
    assert not services.states_of([item.id])[item.id].hidden
    assert [e["action"] for e in platform_log(platform, account)] == ["hide", "unhide"]
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "moderationaction")).all()
    assert audited.count("moderation.queued") == 2 and audited.count("moderation.done") == 2


def _token(platform, account_id: str) -> str:
    return next(a["token"] for a in platform.admin("GET", "accounts")["accounts"] if a["account_id"] == account_id)


def test_delete_like_ban_and_private_reply_on_facebook(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    account = channel.external_account_id
    liked = fan_comment(channel, "Tolles Brot, danke!")
    assert run(services.queue_action(world.cm_a, liked, "like")) == "done"
    assert platform_state(platform, account)["liked"] == [liked.external_id]
    private = services.queue_action(world.cm_a, liked, "private_reply", text="Schreiben Sie uns Ihre Adresse?")
    assert run(private) == "done" and _fresh(private).external_id
    sent = [e for e in platform_log(platform, account) if e["action"] == "private_reply"]
    assert [(e["target"], e["text"]) for e in sent] == [(liked.external_id, "Schreiben Sie uns Ihre Adresse?")]
    with pytest.raises(ValidationError, match="privately already"):
        services.queue_action(world.cm_a, liked, "private_reply", text="Noch einmal")

    troll = fan_comment(channel, "Spam spam spam", author_id="912345678")
    assert run(services.queue_action(world.cm_a, troll, "ban")) == "done"
    assert platform_state(platform, account)["blocked"] == ["912345678"]
    assert services.states_of([troll.id])[troll.id].banned
    assert run(services.queue_action(world.cm_a, troll, "delete")) == "done"
    db.session.expire_all()
    gone = db.session.get(Interaction, troll.id)
    assert gone.is_deleted and gone.status == "closed"
    # Nothing more to do to the comment on the platform; its author can still be unbanned from here.
    assert services.available_actions(gone) == ("ban", "unban")
    assert run(services.queue_action(world.cm_a, liked, "unlike")) == "done"
    assert run(services.queue_action(world.cm_a, troll, "unban")) == "done"
    assert platform_state(platform, account)["blocked"] == [] and platform_state(platform, account)["liked"] == []
    # A sync after the deletion keeps it deleted (the platform no longer shows it).
    from agency.inbox.jobs import run_sync

    run_sync(channel)
    db.session.expire_all()
    assert db.session.get(Interaction, troll.id).is_deleted


@pytest.mark.parametrize("name", ["instagram_business", "youtube_channel"])
def test_hide_unhide_delete_on_instagram_and_youtube(world, platform, connect, fan_comment, name):
    channel = connect(name)
    account = channel.external_account_id
    item = fan_comment(channel, "Unverschämt, dieser Service")
    assert set(services.available_actions(item)) == {"hide", "unhide", "delete"} | (
        {"private_reply"} if name == "instagram_business" else set())
    assert run(services.queue_action(world.cm_a, item, "hide")) == "done"
    assert platform_state(platform, account)["hidden"] == [item.external_id]
    assert run(services.queue_action(world.cm_a, item, "unhide")) == "done"
    assert platform_state(platform, account)["hidden"] == []
    assert run(services.queue_action(world.cm_a, item, "delete")) == "done"
    log = platform_log(platform, account)
    assert [e["action"] for e in log] == ["hide", "unhide", "delete"]
    if name == "youtube_channel":  # YouTube: hold for review, publish, reject
        assert [e["moderation_status"] for e in log] == ["heldForReview", "published", "rejected"]
    with pytest.raises(ValidationError):
        services.queue_action(world.cm_a, item, "like")  # neither platform lets a page like here


@pytest.mark.parametrize("name", ["google_business_profile", "facebook_page"])
def test_delete_our_own_reply(world, platform, connect, fan_comment, name):
    channel = connect(name)
    item = fan_comment(channel, "Leider kalt serviert.", **({"rating": 2} if name == "google_business_profile"
                                                             else {}))
    reply = queue_reply(world.cm_a, item, "Das tut uns leid!")
    db.session.commit()
    assert send_reply.__wrapped__(reply.agency_id, reply.id) == "sent"
    db.session.expire_all()
    reply = db.session.get(Reply, reply.id)
    assert services.reply_actions(reply, item) == ("edit", "delete")
    row = services.queue_action(world.cm_a, item, "delete", reply=reply)
    assert run(row) == "done"
    log = platform_log(platform, channel.external_account_id)
    assert [e["action"] for e in log] == ["delete"]
    assert not db.session.get(Interaction, item.id).is_deleted  # the fan's item stays


def test_timeout_after_the_write_is_done_once(app, world, platform, connect, fan_comment):
    app.config["AGENCY"] = app.config["AGENCY"].with_overrides(platform_timeout=(2.0, 0.5))
    channel = connect("facebook_page")
    account = channel.external_account_id
    item = fan_comment(channel)
    row = services.queue_action(world.cm_a, item, "private_reply", text="Wir melden uns privat.")
    db.session.commit()
    platform.fault("timeout_after_write", account, count=1, seconds=1.5)
    with pytest.raises(ActionRetryLater):
        run(row)
    waiting = _fresh(row)
    assert waiting.status == "queued" and waiting.attempts == 1 and waiting.error  # in words
    # The retry meets the platform's "already replied": our first attempt arrived, so it is done — once.
    assert run(row) == "done"
    assert run(row) == "done"
    sent = [e for e in platform_log(platform, account) if e["action"] == "private_reply"]
    assert len(sent) == 1


def test_server_error_then_retry_and_refusal_in_words(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    account = channel.external_account_id
    item = fan_comment(channel)
    row = services.queue_action(world.cm_a, item, "hide")
    db.session.commit()
    platform.fault("server_error", account, count=1)
    with pytest.raises(ActionRetryLater):
        run(row)
    assert run(row) == "done"
    assert [e["action"] for e in platform_log(platform, account)] == ["hide"]

    refused = services.queue_action(world.cm_a, item, "delete")
    db.session.commit()
    platform.fault("bad_request", account, count=1)
    assert run(refused) == "failed"
    failed = _fresh(refused)
    assert failed.status == "failed" and "refused" in failed.error
    assert services.states_of([item.id])[item.id].failed
    services.retry_action(world.cm_a, failed)
    db.session.commit()
    assert run(failed) == "done"
    assert [e["action"] for e in platform_log(platform, account)] == ["hide", "delete"]


def test_expired_access_fails_with_words(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel)
    row = services.queue_action(world.cm_a, item, "hide")
    db.session.commit()
    platform.fault("expired_token", channel.external_account_id, count=2)
    assert run(row) == "failed"
    assert "Reconnect" in _fresh(row).error
    assert platform_log(platform, channel.external_account_id) == []


def test_rules_of_queueing(world, platform, connect, fan_comment, make_interaction):
    channel = connect("facebook_page")
    item = fan_comment(channel)
    with pytest.raises(ValidationError, match="Choose"):
        services.queue_action(world.cm_a, item, "explode")
    with pytest.raises(ValidationError, match="Write"):
        services.queue_action(world.cm_a, item, "private_reply", text="   ")
    with pytest.raises(ValidationError, match="2000"):
        services.queue_action(world.cm_a, item, "private_reply", text="x" * 2001)
    services.queue_action(world.cm_a, item, "hide")
    with pytest.raises(ValidationError, match="under way"):
        services.queue_action(world.cm_a, item, "hide")
    unconnected = make_interaction(world.ws_a)
    with pytest.raises(ValidationError, match="no longer connected"):
        services.queue_action(world.cm_a, unconnected, "hide")
    old = make_interaction(world.ws_a, channel=channel, minutes_ago=8 * 24 * 60, author_external_id="9001")
    with pytest.raises(ValidationError, match="7 days"):
        services.queue_action(world.cm_a, old, "private_reply", text="Zu spät")


def test_moderation_counts_for_reports(world, platform, connect, fan_comment):
    from datetime import timedelta

    from agency import wiring

    channel = connect("facebook_page")
    first, second = fan_comment(channel, "eins"), fan_comment(channel, "zwei")
    for item in (first, second):
        run(services.queue_action(world.cm_a, item, "hide"))
    run(services.queue_action(world.cm_a, second, "delete"))
    now = db.utcnow()
    counts = wiring.provided("moderation_counts")(world.ws_a.id, now - timedelta(hours=1), now + timedelta(hours=1))
    assert counts == {"hide": 2, "delete": 1}
    assert wiring.provided("moderation_counts")(world.ws_a.id, now - timedelta(days=3), now - timedelta(days=2)) == {}


def test_private_reply_on_instagram(world, platform, connect, fan_comment):
    channel = connect("instagram_business")
    account = channel.external_account_id
    item = fan_comment(channel, "Was kostet der Versand?")
    with pytest.raises(ValidationError, match="1000 bytes"):
        services.queue_action(world.cm_a, item, "private_reply", text="ü" * 501)  # 1002 bytes
    row = services.queue_action(world.cm_a, item, "private_reply", text="Wir schreiben Ihnen die Preise privat.")
    db.session.commit()
    assert run(row) == "done" and _fresh(row).external_id
    sent = [e for e in platform_log(platform, account) if e["action"] == "private_reply"]
    assert [(e["target"], e["text"]) for e in sent] == [(item.external_id, "Wir schreiben Ihnen die Preise privat.")]
    assert services.states_of([item.id])[item.id].private_reply
    assert "private_reply" not in services.offered_actions(item, services.states_of([item.id])[item.id])
    with pytest.raises(ValidationError, match="privately already"):
        services.queue_action(world.cm_a, item, "private_reply", text="Noch einmal")
