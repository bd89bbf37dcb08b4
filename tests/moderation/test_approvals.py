"""Reply approval (four eyes): only an approved reply is sent; staff and client approvers; crisis-only and rule
modes; the waiting time shows; nobody approves their own reply."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.accounts.notifications import Notification
from agency.community.models import CrisisIncident
from agency.inbox.models import Reply
from agency.inbox.replies import queue_reply, send_reply
from agency.moderation import approvals
from agency.moderation.models import ReplyApproval
from tests.conftest import login, post_form


def _set(world, mode: str, approver: str = "staff", **rules):
    approvals.save_settings(world.owner_a, world.ws_a, mode=mode, approver=approver,
                            rule_negative_public=rules.get("negative", True), rule_tags=rules.get("tags", []))
    db.session.commit()


def _sandbox_texts(platform, channel) -> list[str]:
    return [r["text"] for r in platform.admin("GET", "replies", account_id=channel.external_account_id)["replies"]]


def test_staff_approval_with_edit_then_sent_once(app, client, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Wann öffnet ihr morgen?")
    _set(world, "always")
    login(client, world.cm_a)
    response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{item.id}/reply",
                         {"reply_text": "Ab 8 Uhr!", "opened_at": db.utcnow().isoformat()})
    assert response.status_code == 302
    assert db.session.scalars(select(Reply).where(Reply.interaction_id == item.id)).all() == []  # nothing queued
    held = db.session.scalars(select(ReplyApproval)).one()
    assert held.status == "waiting" and held.reason == "always" and held.author_id == world.cm_a.id
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert "data-held-waiting" in page and "Ab 8 Uhr!" in page
    # The author cannot approve their own reply.
    own = post_form(client, f"/w/{world.ws_a.slug}/approvals/{held.id}", {"decision": "approve"})
    assert own.status_code == 400 and db.session.get(ReplyApproval, held.id).status == "waiting"
    # The account manager is told, sees it with its waiting time, edits and approves.
    assert db.session.scalars(select(Notification).where(Notification.user_id == world.am_a.id,
                                                         Notification.kind == "approval")).one()
    am = app.test_client()
    login(am, world.am_a)
    page = am.get(f"/w/{world.ws_a.slug}/approvals").get_data(as_text=True)
    assert f'data-approval="{held.id}"' in page and "data-approval-wait" in page and "data-approve" in page
    response = post_form(am, f"/w/{world.ws_a.slug}/approvals/{held.id}",
                         {"decision": "approve", "text": "Ab 8 Uhr – wir freuen uns auf Sie!"})
    assert response.status_code == 303
    db.session.expire_all()
    held = db.session.get(ReplyApproval, held.id)
    assert held.status == "approved" and held.decided_by_id == world.am_a.id
    assert held.original_text == "Ab 8 Uhr!" and held.reply_id
    reply = db.session.get(Reply, held.reply_id)
    assert reply.status == "queued" and reply.author_id == world.cm_a.id
    assert send_reply.__wrapped__(reply.agency_id, reply.id) == "sent"
    assert _sandbox_texts(platform, channel) == ["Ab 8 Uhr – wir freuen uns auf Sie!"]
    # Deciding twice changes nothing.
    again = post_form(am, f"/w/{world.ws_a.slug}/approvals/{held.id}", {"decision": "reject", "comment": "zu spät"})
    assert again.status_code == 400 and db.session.get(ReplyApproval, held.id).status == "approved"
    assert approvals.waiting_time(held).total_seconds() >= 0


def test_reject_needs_a_comment_and_nothing_is_sent(app, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel)
    _set(world, "always")
    held = queue_reply(world.cm_a, item, "Selber schuld.")
    db.session.commit()
    assert isinstance(held, ReplyApproval)
    am = app.test_client()
    login(am, world.am_a)
    url = f"/w/{world.ws_a.slug}/approvals/{held.id}"
    for payload in ({}, {"decision": "reject"}, {"decision": "reject", "comment": "   "}, {"decision": "maybe"},
                    {"decision": "reject", "comment": "x" * 2001}, {"decision": "approve", "text": "x" * 10_001}):
        assert post_form(am, url, payload).status_code == 400, payload
    assert db.session.get(ReplyApproval, held.id).status == "waiting"
    assert post_form(am, url, {"decision": "reject", "comment": "Bitte freundlicher."}).status_code == 303
    db.session.expire_all()
    assert db.session.get(ReplyApproval, held.id).status == "rejected"
    assert db.session.scalars(select(Reply)).all() == [] and _sandbox_texts(platform, channel) == []
    told = db.session.scalars(select(Notification).where(Notification.user_id == world.cm_a.id)).all()
    assert any("Bitte freundlicher." in n.body for n in told)
    cm = app.test_client()
    login(cm, world.cm_a)
    page = cm.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert "data-held-rejected" in page and "Bitte freundlicher." in page


def test_crisis_only_mode(world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel)
    _set(world, "crisis")
    assert isinstance(queue_reply(world.cm_a, item, "Ohne Krise"), Reply)
    db.session.add(CrisisIncident(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, title="Rückruf",
                                  checklist=[]))
    db.session.flush()
    held = queue_reply(world.cm_a, item, "Während der Krise")
    assert isinstance(held, ReplyApproval) and held.reason == "crisis"


def test_rule_mode_negative_public_and_tags(world, platform, connect, fan_comment, make_interaction):
    channel = connect("facebook_page")
    _set(world, "rule", tags=["presse"])
    negative = make_interaction(world.ws_a, channel=channel, sentiment_label="negative", author_external_id="1")
    message = make_interaction(world.ws_a, channel=channel, kind="direct_message", sentiment_label="negative",
                               thread_external_id="t-x", author_external_id="2")
    tagged = make_interaction(world.ws_a, channel=channel, sentiment_label="positive", tags=["presse"])
    plain = make_interaction(world.ws_a, channel=channel, sentiment_label="positive")
    assert approvals.reason_for(negative) == "negative_public"
    assert approvals.reason_for(message) is None  # private, so no approval by this rule
    assert approvals.reason_for(tagged) == "tag:presse"
    assert approvals.reason_for(plain) is None
    assert isinstance(queue_reply(world.cm_a, plain, "Danke!"), Reply)


def test_client_approves_in_the_portal(app, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    item = fan_comment(channel, "Ist das Produkt vegan?")
    _set(world, "always", approver="client")
    held = queue_reply(world.am_a, item, "Ja, komplett vegan.")
    db.session.commit()
    assert held.approver == "client"
    assert not approvals.may_decide(world.owner_a, held)  # staff do not decide what the client approves
    from agency import wiring

    listed = wiring.provided("client_approvals")(world.ws_a.id, world.client_a)
    assert [r["id"] for r in listed] == [held.id]
    portal = app.test_client()
    login(portal, world.client_a)
    page = portal.get("/portal/approvals").get_data(as_text=True)
    assert f'data-approval="{held.id}"' in page and "Ja, komplett vegan." in page
    assert post_form(portal, f"/portal/approvals/{held.id}", {"decision": "approve"},
                     token_from="/portal/approvals").status_code == 303
    db.session.expire_all()
    held = db.session.get(ReplyApproval, held.id)
    assert held.status == "approved" and held.decided_by_id == world.client_a.id
    assert send_reply.__wrapped__(world.agency_a.id, held.reply_id) == "sent"
    assert _sandbox_texts(platform, channel) == ["Ja, komplett vegan."]
    # Staff cannot open the client's page; another workspace's client cannot decide.
    staff = app.test_client()
    login(staff, world.am_a)
    assert staff.get("/portal/approvals").status_code == 404


def test_settings_validate_and_need_the_right(app, client, world):
    login(client, world.am_a)
    url = f"/w/{world.ws_a.slug}/approvals/settings"
    for payload in ({}, {"mode": "sometimes", "approver": "staff"}, {"mode": "always", "approver": "boss"},
                    {"mode": "rule", "approver": "staff", "rule_tags": ",".join(f"t{i}" for i in range(25))},
                    {"mode": "rule", "approver": "staff", "rule_tags": "x" * 700}):
        assert post_form(client, url, payload).status_code == 400, payload
    assert approvals.settings_of(world.ws_a.id).id is None  # nothing stored
    assert post_form(client, url, {"mode": "rule", "approver": "client", "rule_negative_public": "y",
                                   "rule_tags": "#presse, recht"}).status_code == 303
    stored = approvals.settings_of(world.ws_a.id)
    assert (stored.mode, stored.approver, stored.rule_tags) == ("rule", "client", ["presse", "recht"])
    cm = app.test_client()
    login(cm, world.cm_a)
    assert post_form(cm, url, {"mode": "off", "approver": "staff"}).status_code in (403, 404)
    assert approvals.settings_of(world.ws_a.id).mode == "rule"
