"""Auto-moderation: inbox rules hide or delete on the platform (the sandbox) at once or as a one-click
suggestion, only where the platform allows it, never on our own replies; the rules log lists what each rule
did, with undo for a hide and none for a delete."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agency import db
from agency.audit import AuditEvent
from agency.community.models import ToneGuide
from agency.errors import ValidationError
from agency.inbox.jobs import run_sync
from agency.inbox.models import InboxRule, Interaction
from agency.inbox.replies import queue_reply, send_reply
from agency.inbox.services import apply_rules, save_rule
from agency.moderation import automod
from agency.moderation.models import ModerationAction, RuleRun
from tests.conftest import login, post_form
from tests.moderation.conftest import platform_log, platform_state, run

SPAM_LINK = "Gewinne jetzt ein iPhone! Schau auf meinem Profil vorbei: https://bit.ly/win-now"


def _rule(world, name: str, action: str, mode: str, **conditions) -> InboxRule:
    rule = save_rule(world.owner_a, world.ws_a, name=name, conditions=conditions or {"is_spam": "1", "has_link": "1"},
                     actions={"moderate": action, "mode": mode})
    db.session.commit()
    return rule


def _runs(**where) -> list[RuleRun]:
    stmt = select(RuleRun).order_by(RuleRun.id).execution_options(populate_existing=True)
    for key, value in where.items():
        stmt = stmt.where(getattr(RuleRun, key) == value)
    return list(db.session.scalars(stmt))


def _actions(interaction_id: int) -> list[ModerationAction]:
    return list(db.session.scalars(select(ModerationAction).where(
        ModerationAction.interaction_id == interaction_id).order_by(ModerationAction.id)
        .execution_options(populate_existing=True)))


def test_act_rule_hides_a_spam_link_once_and_undo_unhides(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    account = channel.external_account_id
    _rule(world, "Spam-Links", "hide", "act")
    harmless = fan_comment(channel, "Wann habt ihr morgen geöffnet?")
    spam = fan_comment(channel, SPAM_LINK)
    assert spam.is_spam
    [run_row] = _runs()
    assert (run_row.interaction_id, run_row.action, run_row.mode, run_row.outcome) == (spam.id, "hide", "act", "acted")
    [queued] = _actions(spam.id)
    assert queued.action == "hide" and queued.actor_id is None and run_row.moderation_action_id == queued.id
    assert _actions(harmless.id) == []
    assert run(queued) == "done"
    assert run(queued) == "done"  # a second run of the same job changes nothing on the platform
    run_sync(channel)  # and a later sync does not apply the rule again
    assert platform_state(platform, account)["hidden"] == [spam.external_id]
    assert [e["action"] for e in platform_log(platform, account)] == ["hide"]
    assert len(_runs()) == 1 and len(_actions(spam.id)) == 1
    assert db.session.get(Interaction, spam.id).status == "spam"  # out of the open inbox, as before
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "rulerun")).all()
    assert audited == ["moderation.rule_acted"]

    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/moderation/rules-log").get_data(as_text=True)
    assert f'data-rule-run="{run_row.id}"' in page and "Spam-Links" in page and "data-run-undo>" in page
    response = post_form(client, f"/w/{world.ws_a.slug}/moderation/rule-runs/{run_row.id}/undo", {"back": "log"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/moderation/rules-log")
    [undone] = _runs()
    assert undone.undone_at is not None and undone.undone_by_id == world.cm_a.id
    unhide = db.session.get(ModerationAction, undone.undo_action_id)
    assert unhide.action == "unhide" and unhide.actor_id == world.cm_a.id
    assert run(unhide) == "done"
    assert platform_state(platform, account)["hidden"] == []
    # Undone once: no second undo.
    response = post_form(client, f"/w/{world.ws_a.slug}/moderation/rule-runs/{run_row.id}/undo", {"back": "log"})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ModerationAction).where(
        ModerationAction.action == "unhide")) == 1
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "rulerun")).all()
    assert sorted(audited) == ["moderation.rule_acted", "moderation.rule_undone"]
    page = client.get(f"/w/{world.ws_a.slug}/moderation/rules-log").get_data(as_text=True)
    assert "data-run-undone" in page and "data-run-undo>" not in page


def test_suggest_rule_shows_the_banner_and_accepting_hides(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    _rule(world, "Spam-Links", "hide", "suggest")
    spam = fan_comment(channel, SPAM_LINK)
    [suggestion] = _runs()
    assert suggestion.outcome == "suggested" and _actions(spam.id) == []  # nothing happens on its own
    login(client, world.cm_a)
    listing = client.get(f"/w/{world.ws_a.slug}/inbox/?status=all").get_data(as_text=True)
    assert 'data-rule-suggested="hide"' in listing
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{spam.id}").get_data(as_text=True)
    assert f'data-rule-suggestion="{suggestion.id}"' in page
    assert "Spam-Links" in page and "suggests hiding this comment" in page
    response = post_form(client, f"/w/{world.ws_a.slug}/moderation/rule-runs/{suggestion.id}/accept")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/inbox/{spam.id}")
    [accepted] = _runs()
    assert accepted.outcome == "accepted" and accepted.decided_by_id == world.cm_a.id
    [hide] = _actions(spam.id)
    assert hide.action == "hide" and hide.actor_id == world.cm_a.id
    assert run(hide) == "done"
    assert platform_state(platform, channel.external_account_id)["hidden"] == [spam.external_id]
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{spam.id}").get_data(as_text=True)
    assert "data-rule-suggestion" not in page  # decided: the banner is gone
    # A second accept (a double submit) queues nothing more.
    post_form(client, f"/w/{world.ws_a.slug}/moderation/rule-runs/{suggestion.id}/accept")
    assert len(_actions(spam.id)) == 1
    log = client.get(f"/w/{world.ws_a.slug}/moderation/rules-log").get_data(as_text=True)
    assert 'data-outcome="accepted"' in log and "data-run-undo>" in log


def test_dismissing_a_suggestion_does_nothing_on_the_platform(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    _rule(world, "Löschvorschlag", "delete", "suggest")
    spam = fan_comment(channel, SPAM_LINK)
    [suggestion] = _runs()
    login(client, world.cm_a)
    response = post_form(client, f"/w/{world.ws_a.slug}/moderation/rule-runs/{suggestion.id}/dismiss")
    assert response.status_code == 303
    assert _runs()[0].outcome == "dismissed" and _actions(spam.id) == []
    assert platform_log(platform, channel.external_account_id) == []
    log = client.get(f"/w/{world.ws_a.slug}/moderation/rules-log").get_data(as_text=True)
    assert 'data-outcome="dismissed"' in log and "data-run-undo>" not in log
    assert "Nothing was done on the platform." in log
    with pytest.raises(ValidationError):
        automod.accept(world.cm_a, _runs()[0])


def test_delete_rule_deletes_and_offers_no_undo(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    _rule(world, "Spam löschen", "delete", "act")
    spam = fan_comment(channel, SPAM_LINK)
    [row] = _runs()
    [delete] = _actions(spam.id)
    assert delete.action == "delete" and run(delete) == "done"
    assert [e["action"] for e in platform_log(platform, channel.external_account_id)] == ["delete"]
    login(client, world.cm_a)
    log = client.get(f"/w/{world.ws_a.slug}/moderation/rules-log").get_data(as_text=True)
    assert "data-run-undo>" not in log and "Deleting cannot be undone on Facebook." in log
    response = post_form(client, f"/w/{world.ws_a.slug}/moderation/rule-runs/{row.id}/undo", {"back": "log"})
    assert response.status_code == 303
    assert _runs()[0].undone_at is None and len(_actions(spam.id)) == 1


def test_rules_never_act_on_our_own_replies(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    fan = fan_comment(channel, "Wo finde ich die Karte?")
    reply = queue_reply(world.cm_a, fan, "Hier: https://example.com/karte")
    db.session.commit()
    assert send_reply.__wrapped__(reply.agency_id, reply.id) == "sent"
    _rule(world, "Links ausblenden", "hide", "act", has_link="1")
    run_sync(channel)
    own = db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id,
                                                       Interaction.is_own.is_(True))).all()
    # Whether or not the platform hands our reply back, the rule leaves it alone, also when applied directly.
    if own:
        db.session.execute(Interaction.__table__.update().where(
            Interaction.id.in_([o.id for o in own])).values(status="new"))
        apply_rules(world.ws_a.id, [o.id for o in own])
    linked = fan_comment(channel, "Schaut mal https://example.com/angebot")
    assert [r.interaction_id for r in _runs()] == [linked.id]
    assert db.session.scalar(select(func.count()).select_from(ModerationAction).where(
        ModerationAction.interaction_id.in_([o.id for o in own] or [0]))) == 0


def test_only_where_the_platform_allows_it(world, platform, connect, fan_comment):
    google = connect("google_business_profile")
    _rule(world, "Spam-Links", "hide", "act")
    review = fan_comment(google, SPAM_LINK, rating=1)
    assert review.is_spam
    assert _runs() == [] and _actions(review.id) == []  # Google reviews cannot be hidden


def test_banned_word_and_negative_sentiment_conditions(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    db.session.add(ToneGuide(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, persona_name="",
                             persona_role="", signature_template="", preferred_words=[],
                             banned=[{"phrase": "Abzocke", "suggestion": ""}], brands=[],
                             emoji_policy="sparingly", typical_length=None, guide_markdown=""))
    _rule(world, "Schimpfwörter", "hide", "suggest", banned_word="1", sentiment="negative")
    angry = fan_comment(channel, "Totale Abzocke, schlechter Service, nie wieder!")
    assert angry.sentiment_label == "negative"
    fan_comment(channel, "Keine Abzocke hier, tolles Brot und sehr freundlich, danke!")
    fan_comment(channel, "Schlechter Service, ich bin enttäuscht und wütend.")
    assert [r.interaction_id for r in _runs()] == [angry.id]


def test_rule_editor_validates_the_new_fields(client, world, platform, connect):
    connect("facebook_page")
    login(client, world.owner_a)
    url = f"/w/{world.ws_a.slug}/settings/rules"
    before = db.session.scalar(select(func.count()).select_from(InboxRule))
    for payload in ({"name": "X", "is_spam": "y", "moderate": "explode", "mode": "act"},
                    {"name": "X", "is_spam": "y", "moderate": "hide", "mode": "sometimes"},
                    {"name": "X", "moderate": "hide", "mode": "act"},
                    {"name": "X\x00", "has_link": "y", "moderate": "delete\x00x", "mode": "act"},
                    {"name": "X", "has_link": "y", "moderate": "h" * 100_000}):
        response = post_form(client, url, payload)
        assert response.status_code == 400, payload
        assert 'class="error"' in response.get_data(as_text=True) or "alert-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(InboxRule)) == before
    response = post_form(client, url, {"name": "Spam-Links", "is_spam": "y", "has_link": "y", "moderate": "hide",
                                       "mode": "act"})
    assert response.status_code == 302
    rule = db.session.scalars(select(InboxRule).where(InboxRule.name == "Spam-Links")).one()
    assert rule.conditions == {"is_spam": True, "has_link": True}
    assert rule.actions == {"moderate": "hide", "mode": "act"}
    page = client.get(url).get_data(as_text=True)
    assert 'data-rule-moderate="hide-act"' in page


def test_log_filters_by_rule_and_sorts(client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    first = _rule(world, "A-Links", "hide", "suggest", has_link="1")
    second = _rule(world, "B-Spam", "delete", "suggest", is_spam="1")
    fan_comment(channel, SPAM_LINK)
    fan_comment(channel, "Schaut mal https://example.com/angebot")
    login(client, world.cm_a)
    base = f"/w/{world.ws_a.slug}/moderation/rules-log"
    page = client.get(f"{base}?rule={first.id}").get_data(as_text=True)
    assert page.count("data-rule-run=") == 2
    page = client.get(f"{base}?rule={second.id}").get_data(as_text=True)
    assert page.count("data-rule-run=") == 1
    page = client.get(f"{base}?sort=rule").get_data(as_text=True)
    assert page.index("A-Links") < page.index("B-Spam")
    page = client.get(f"{base}?sort=-rule").get_data(as_text=True)
    assert page.index("B-Spam", page.index("<tbody")) < page.index("A-Links", page.index("<tbody"))
    assert client.get(f"{base}?rule=abc").status_code == 404
    assert client.get(f"{base}?sort=nonsense").status_code == 200


def test_empty_log(client, world):
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/moderation/rules-log").get_data(as_text=True)
    assert "empty-state" in page and "data-rule-run" not in page
