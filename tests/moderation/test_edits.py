"""Editing our own sent reply on the platform (the sandbox, over HTTP): queued once, audited with the old and the
new text, our stored text follows, a failure shows in words and can be retried, and "Undo edit" edits back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agency import db
from agency.audit import AuditEvent
from agency.channels import access
from agency.errors import ValidationError
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction, Reply
from agency.inbox.replies import queue_reply, send_reply
from agency.moderation import services
from agency.moderation.models import ModerationAction
from tests.moderation.conftest import platform_log, run


def _sent_reply(world, channel, item, text: str = "Das tut uns leid!") -> Reply:
    reply = queue_reply(world.cm_a, item, text)
    db.session.commit()
    assert send_reply.__wrapped__(reply.agency_id, reply.id) == "sent"
    db.session.expire_all()
    return db.session.get(Reply, reply.id)


def _on_platform(channel, external_id: str) -> str:
    """Our reply's text as the platform shows it now (read through the connector)."""
    return access.with_fresh_token(channel, lambda connector: connector.fetch_item(external_id, "reply")).text


def _own_copy(channel, reply: Reply) -> Interaction | None:
    return db.session.scalars(select(Interaction).where(
        Interaction.channel_id == channel.id, Interaction.external_id == reply.external_id)).first()


def _audit(row: ModerationAction) -> list[tuple[str, dict]]:
    return [(e.action, e.details) for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "moderationaction", AuditEvent.object_id == str(row.id)).order_by(AuditEvent.id))]


@pytest.mark.parametrize("name", ["facebook_page", "youtube_channel", "google_business_profile"])
def test_edit_our_reply_then_undo(world, platform, connect, fan_comment, name):
    channel = connect(name)
    item = fan_comment(channel, "Leider kalt serviert.", **({"rating": 2} if name == "google_business_profile"
                                                             else {}))
    reply = _sent_reply(world, channel, item)
    run_sync(channel)  # the platform's copy of our reply comes into the inbox too
    assert _own_copy(channel, reply).text == "Das tut uns leid!"
    assert services.reply_actions(reply, item) == ("edit", "delete")

    row = services.queue_action(world.cm_a, item, "edit", text="  Das tut uns sehr leid, wir melden uns!  ",
                                reply=reply)
    db.session.commit()
    assert (row.status, row.text, row.previous_text) == ("queued", "Das tut uns sehr leid, wir melden uns!",
                                                         "Das tut uns leid!")
    assert services.edits_of(item, reply).pending.id == row.id
    assert run(row) == "done"
    db.session.expire_all()
    # The platform, our reply and the synced copy of it all show the new text.
    assert _on_platform(channel, reply.external_id) == "Das tut uns sehr leid, wir melden uns!"
    assert db.session.get(Reply, reply.id).text == "Das tut uns sehr leid, wir melden uns!"
    assert _own_copy(channel, reply).text == "Das tut uns sehr leid, wir melden uns!"
    run_sync(channel)
    db.session.expire_all()
    assert _own_copy(channel, reply).text == "Das tut uns sehr leid, wir melden uns!"
    audited = _audit(row)
    assert [a for a, _d in audited] == ["moderation.queued", "moderation.done"]
    for _action, details in audited:
        assert (details["old_text"], details["new_text"]) == ("Das tut uns leid!",
                                                              "Das tut uns sehr leid, wir melden uns!")
    assert audited[0][1]["reply"] == reply.id
    # The fan's item is not touched by editing our answer.
    assert db.session.get(Interaction, item.id).text == "Leider kalt serviert."

    edits = services.edits_of(item, db.session.get(Reply, reply.id))
    assert edits.done.id == row.id and edits.pending is None and edits.undo_text == "Das tut uns leid!"
    undo = services.queue_action(world.cm_a, item, "edit", text=edits.undo_text, reply=reply)
    assert run(undo) == "done"
    db.session.expire_all()
    assert db.session.get(Reply, reply.id).text == "Das tut uns leid!"
    assert _on_platform(channel, reply.external_id) == "Das tut uns leid!"
    assert [e["action"] for e in platform_log(platform, channel.external_account_id)] == ["edit", "edit"]


def test_a_double_submit_queues_one_edit_and_the_rules_of_editing(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Wann habt ihr offen?")
    reply = _sent_reply(world, channel, item, "Ab 8 Uhr.")
    first = services.queue_action(world.cm_a, item, "edit", text="Ab 7 Uhr.", reply=reply)
    again = services.queue_action(world.cm_a, item, "edit", text="Ab 7 Uhr.", reply=reply)
    assert again.id == first.id
    assert db.session.scalars(select(ModerationAction.id).where(ModerationAction.action == "edit")).all() == [first.id]
    assert [a for a, _d in _audit(first)] == ["moderation.queued"]
    with pytest.raises(ValidationError, match="under way"):
        services.queue_action(world.cm_a, item, "edit", text="Ab 6 Uhr.", reply=reply)
    assert run(first) == "done"
    for text, message in (("Ab 7 Uhr.", "unchanged"), ("   ", "Write"), (None, "Write"), ("x" * 8001, "8000"),
                          ("Hallo\x00Welt", "NUL")):
        with pytest.raises(ValidationError, match=message):
            services.queue_action(world.cm_a, item, "edit", text=text, reply=reply)
    # A fan's comment is not ours to edit; nor is a reply that has not reached the platform.
    with pytest.raises(ValidationError, match="Only our own"):
        services.queue_action(world.cm_a, item, "edit", text="Gekapert")
    unsent = Reply(agency_id=item.agency_id, workspace_id=item.workspace_id, interaction_id=item.id,
                   author_id=world.cm_a.id, text="Entwurf", status="failed")
    db.session.add(unsent)
    db.session.flush()
    with pytest.raises(ValidationError, match="reached the platform"):
        services.queue_action(world.cm_a, item, "edit", text="Neu", reply=unsent)
    # Once deleted on the platform (or its deletion under way) it can no longer be edited.
    services.queue_action(world.cm_a, item, "delete", reply=reply)
    with pytest.raises(ValidationError, match="deleted"):
        services.queue_action(world.cm_a, item, "edit", text="Doch noch", reply=reply)
    assert db.session.scalars(select(ModerationAction.id).where(ModerationAction.action == "edit")).all() == [first.id]


def test_instagram_offers_no_edit(world, platform, connect, fan_comment):
    channel = connect("instagram_business")
    item = fan_comment(channel, "Schöne Bilder")
    reply = _sent_reply(world, channel, item, "Danke!")
    assert services.reply_actions(reply, item) == ("delete",)
    with pytest.raises(ValidationError, match="Instagram does not allow editing"):
        services.queue_action(world.cm_a, item, "edit", text="Danke sehr!", reply=reply)


def test_a_failed_edit_shows_in_words_and_retry_does_it(world, platform, connect, fan_comment):
    channel = connect("youtube_channel")
    item = fan_comment(channel, "Gutes Video")
    reply = _sent_reply(world, channel, item, "Danke fürs Zuschauen")
    row = services.queue_action(world.cm_a, item, "edit", text="Danke fürs Zuschauen!", reply=reply)
    db.session.commit()
    platform.fault("bad_request", channel.external_account_id, count=1)
    assert run(row) == "failed"
    db.session.expire_all()
    failed = db.session.get(ModerationAction, row.id)
    assert "refused" in failed.error
    edits = services.edits_of(item, reply)
    assert edits.failed.id == row.id and edits.pending is None and edits.undo_text is None
    # Nothing changed: not our stored text, not the platform's.
    assert db.session.get(Reply, reply.id).text == "Danke fürs Zuschauen"
    assert _on_platform(channel, reply.external_id) == "Danke fürs Zuschauen"
    assert [a for a, _d in _audit(row)] == ["moderation.queued", "moderation.failed"]
    services.retry_action(world.cm_a, failed)
    db.session.commit()
    assert run(row) == "done"
    db.session.expire_all()
    assert db.session.get(Reply, reply.id).text == "Danke fürs Zuschauen!"
    assert _on_platform(channel, reply.external_id) == "Danke fürs Zuschauen!"
    assert services.edits_of(item, reply).failed is None


def test_an_older_failed_edit_cannot_overwrite_a_newer_one(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Frage zum Versand")
    reply = _sent_reply(world, channel, item, "Zwei Tage.")
    old = services.queue_action(world.cm_a, item, "edit", text="Drei Tage.", reply=reply)
    db.session.commit()
    platform.fault("bad_request", channel.external_account_id, count=1)
    assert run(old) == "failed"
    newer = services.queue_action(world.cm_a, item, "edit", text="Ein bis zwei Tage.", reply=reply)
    assert newer.previous_text == "Zwei Tage."
    assert run(newer) == "done"
    db.session.expire_all()
    with pytest.raises(ValidationError, match="newer edit"):
        services.retry_action(world.cm_a, db.session.get(ModerationAction, old.id))
    assert db.session.get(Reply, reply.id).text == "Ein bis zwei Tage."


def test_edit_our_own_item_that_came_from_the_platform(world, platform, connect, fan_comment):
    """An answer of ours written on the platform itself (no reply row) is edited as the item."""
    channel = connect("facebook_page")
    item = fan_comment(channel, "Habt ihr glutenfrei?")
    reply = _sent_reply(world, channel, item, "Ja, jeden Tag.")
    run_sync(channel)
    own = _own_copy(channel, reply)
    db.session.delete(db.session.get(Reply, reply.id))  # as if it had been written on Facebook
    db.session.commit()
    assert "edit" in services.available_actions(own)
    row = services.queue_action(world.cm_a, own, "edit", text="Ja, jeden Tag ab 8 Uhr.")
    assert row.reply_id is None and row.previous_text == "Ja, jeden Tag."
    assert run(row) == "done"
    db.session.expire_all()
    assert db.session.get(Interaction, own.id).text == "Ja, jeden Tag ab 8 Uhr."
    assert _on_platform(channel, own.external_id) == "Ja, jeden Tag ab 8 Uhr."
    assert services.edits_of(own, None).undo_text == "Ja, jeden Tag."


def test_where_replies_need_approval_only_an_approver_edits(world, platform, connect, fan_comment):
    from agency.moderation import approvals

    channel = connect("facebook_page")
    item = fan_comment(channel, "Wie lange noch?")
    reply = _sent_reply(world, channel, item, "Eine Woche.")
    approvals.save_settings(world.owner_a, world.ws_a, mode="always", approver="staff", rule_negative_public=True,
                            rule_tags=[])
    with pytest.raises(ValidationError, match="only an approver"):
        services.queue_action(world.cm_a, item, "edit", text="Morgen!", reply=reply)
    row = services.queue_action(world.am_a, item, "edit", text="Zwei Wochen, leider.", reply=reply)
    assert row.status == "queued" and row.actor_id == world.am_a.id
    assert run(row) == "done"
    # With the client as the approver nobody on our side changes a sent reply.
    approvals.save_settings(world.owner_a, world.ws_a, mode="always", approver="client", rule_negative_public=True,
                            rule_tags=[])
    with pytest.raises(ValidationError, match="only an approver"):
        services.queue_action(world.am_a, item, "edit", text="Eine Woche.", reply=reply)
