"""An author's label drives the inbox's rules (the inbox asks through ``author_labels``, never importing people)."""

from __future__ import annotations

from agency import db
from agency.inbox import services as inbox
from agency.inbox.models import InboxRule
from tests.conftest import login, make_channel, post_form
from tests.people.conftest import person_of


def test_rule_on_the_authors_label(client, world, said):
    channel = make_channel(world.ws_a)
    said(channel, "vip-1", "früher")
    person_of(world.ws_a, "facebook_page", "vip-1").labels = ["vip"]
    said(channel, "other-1", "früher")
    login(client, world.owner_a)
    form = client.get(f"/w/{world.ws_a.slug}/settings/rules").get_data(as_text=True)
    assert 'name="author_label"' in form
    response = post_form(client, f"/w/{world.ws_a.slug}/settings/rules",
                         {"name": "VIPs zuerst", "author_label": " VIP ", "priority": "urgent", "tag": "vip"})
    assert response.status_code == 302
    rule = db.session.query(InboxRule).filter_by(name="VIPs zuerst").one()
    assert rule.conditions == {"author_label": "vip"}
    fresh = [said(channel, "vip-1", "neu vom VIP"), said(channel, "other-1", "neu von jemand anderem"),
             said(channel, "unknown", "ganz neu")]
    assert inbox.apply_rules(world.ws_a.id, [i.id for i in fresh]) == 1
    db.session.expire_all()
    vip, other, unknown = (db.session.merge(i) for i in fresh)
    assert (vip.priority, vip.tags) == ("urgent", ["vip"])
    assert other.priority == "normal" and unknown.priority == "normal" and other.tags == []
