"""Workspace rules: conditions on channel, kind, text, sentiment, rating → tag, assign, priority."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.channels.models import Channel
from agency.inbox.ingest import ingest_items
from agency.inbox.models import InboxRule, Interaction
from agency.inbox.services import save_rule
from tests.conftest import login, post_form


def _channel(world):
    channel = Channel(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, platform="google_business_profile",
                      external_account_id="accounts/1/locations/1", name="Google", access_token="t")
    db.session.add(channel)
    db.session.flush()
    return channel


def test_rules_apply_on_ingest(app, world):
    channel = _channel(world)
    save_rule(world.owner_a, world.ws_a, name="Schlechte Bewertungen",
              conditions={"kind": "review", "rating_max": "2"},
              actions={"tag": "Beschwerde", "priority": "urgent", "assignee_id": world.cm_a.id})
    save_rule(world.owner_a, world.ws_a, name="Allergene", conditions={"text_contains": "gluten, laktose"},
              actions={"tag": "allergene"})
    now = datetime.now(UTC)
    items = [
        PlatformItem(external_id="r1", kind="review", text="Unfreundlich und teuer", author_name="A",
                     author_external_id="a", created_at=now, rating=1),
        PlatformItem(external_id="r2", kind="review", text="Toll, glutenfreie Brötchen!", author_name="B",
                     author_external_id="b", created_at=now, rating=5),
    ]
    ingest_items(channel, items)
    r1, r2 = (db.session.scalars(select(Interaction).where(Interaction.external_id == e)).one() for e in ("r1", "r2"))
    assert r1.tags == ["Beschwerde"] and r1.priority == "urgent" and r1.assignee_id == world.cm_a.id
    assert r1.status == "open"
    assert r2.tags == ["allergene"] and r2.priority == "normal" and r2.assignee_id is None


def test_rule_form_rejects_bad_input(client, world):
    _channel(world)
    login(client, world.owner_a)
    url = f"/w/{world.ws_a.slug}/settings/rules"
    assert client.get(url).status_code == 200
    for data in ({}, {"name": "Nur Name"}, {"name": "Keine Aktion", "kind": "review"},
                 {"name": "Kein Wenn", "tag": "x"},
                 {"name": "x", "kind": "review", "assignee_id": str(world.owner_b.id)},
                 {"name": "x", "kind": "evil", "tag": "x"}, {"name": "x" * 200, "kind": "review", "tag": "x"},
                 {"name": "x", "kind": "review", "tag": "<b>"}):
        assert post_form(client, url, data).status_code == 400, data
    assert db.session.scalars(select(InboxRule)).all() == []
    response = post_form(client, url, {"name": "Bewertungen", "kind": "review", "tag": "bewertung",
                                       "priority": "high"})
    assert response.status_code == 302
    rule = db.session.scalars(select(InboxRule)).one()
    assert rule.conditions == {"kind": "review"} and rule.actions == {"tag": "bewertung", "priority": "high"}
    assert post_form(client, f"{url}/{rule.id}/delete").status_code == 302
    assert db.session.scalars(select(InboxRule)).all() == []
