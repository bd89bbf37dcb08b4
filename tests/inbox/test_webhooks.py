"""Meta webhooks: the handshake, signatures (valid, tampered, missing, wrong secret), dedupe with polling."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import func, select

from agency import db
from agency.channels.services import connect_channel
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction
from tests.conftest import make_channel, unique_account

SECRET = "test-app-secret"  # the test config's META_APP_SECRET


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _feed_payload(page_id: str, comment_id: str, message: str, verb: str = "add") -> bytes:
    value = {"item": "comment", "verb": verb, "comment_id": comment_id, "post_id": f"{page_id}_777",
             "parent_id": f"{page_id}_777", "created_time": 1764000000,
             "from": {"id": "5551234", "name": "Greta Gast"}, "message": message,
             "post": {"id": f"{page_id}_777", "permalink_url": "https://facebook.com/x"}}
    payload = {"object": "page", "entry": [{"id": page_id, "time": 1764000001,
                                            "changes": [{"field": "feed", "value": value}]}]}
    return json.dumps(payload).encode()


def _channel(world, account_id=None):
    """A Facebook Page of ws_a whose credentials the platform confirmed (webhooks never call the platform)."""
    channel = make_channel(world.ws_a, "facebook_page", account_id or unique_account())
    db.session.commit()
    return channel


def _count(channel_id) -> int:
    return db.session.scalar(select(func.count(Interaction.id)).where(Interaction.channel_id == channel_id))


def test_handshake(client):
    ok = client.get("/webhooks/meta?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=12345")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "12345"
    assert client.get("/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1").status_code == 403
    assert client.get("/webhooks/meta?hub.mode=unsubscribe&hub.verify_token=test-verify-token&hub.challenge=1")\
        .status_code == 403
    assert client.get("/webhooks/meta").status_code == 403


def test_signed_comment_creates_exactly_one_interaction(client, world):
    channel = _channel(world)
    body = _feed_payload(channel.external_account_id, f"{channel.external_account_id}_777_1", "<b>Super</b> Torte!")
    for _ in range(3):
        response = client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature-256": _sign(body),
                                                                      "Content-Type": "application/json"})
        assert response.status_code == 200
    assert _count(channel.id) == 1
    stored = db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id)).one()
    assert stored.text == "<b>Super</b> Torte!" and stored.author_name == "Greta Gast"
    # A re-delivery with a different envelope (new body bytes) is still the same comment.
    other = _feed_payload(channel.external_account_id, f"{channel.external_account_id}_777_1", "<b>Super</b> Torte!")
    other = other.replace(b'"time": 1764000001', b'"time": 1764000099')
    assert client.post("/webhooks/meta", data=other, headers={"X-Hub-Signature-256": _sign(other)}).status_code == 200
    assert _count(channel.id) == 1


def test_edit_and_remove_are_reflected(client, world):
    channel = _channel(world)
    cid = f"{channel.external_account_id}_777_2"
    for verb, text in (("add", "Erst so"), ("edited", "Dann so")):
        body = _feed_payload(channel.external_account_id, cid, text, verb)
        client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature-256": _sign(body)})
    row = db.session.scalars(select(Interaction).where(Interaction.external_id == cid)).one()
    assert row.text == "Dann so" and not row.is_deleted
    body = _feed_payload(channel.external_account_id, cid, "", "remove")
    client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature-256": _sign(body)})
    db.session.expire_all()
    assert db.session.scalars(select(Interaction).where(Interaction.external_id == cid)).one().is_deleted


def test_bad_signatures_store_nothing(client, world):
    channel = _channel(world)
    body = _feed_payload(channel.external_account_id, f"{channel.external_account_id}_777_3", "Hallo")
    tampered = body.replace(b"Hallo", b"Hallo!")
    cases = [
        {},  # missing
        {"X-Hub-Signature-256": _sign(body, "wrong-secret")},
        # The right signature with its last digit changed (never to itself: "00" was one in 256 runs).
        {"X-Hub-Signature-256": _sign(body)[:-1] + ("1" if _sign(body)[-1] == "0" else "0")},
        {"X-Hub-Signature-256": "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()},
    ]
    for headers in cases:
        assert client.post("/webhooks/meta", data=body, headers=headers).status_code == 403
    assert client.post("/webhooks/meta", data=tampered, headers={"X-Hub-Signature-256": _sign(body)}).status_code == 403
    assert _count(channel.id) == 0


def test_unknown_objects_and_garbage_are_not_500(client, world):
    for payload in (b'{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": []}]}',
                    b'{"object": "page", "entry": [{"id": "1", "changes": [{"field": "ratings", "value": {}}]}]}',
                    b'{"object": "page", "entry": "nope"}', b"[]"):
        response = client.post("/webhooks/meta", data=payload, headers={"X-Hub-Signature-256": _sign(payload)})
        assert response.status_code in (200, 400), payload
    garbage = b"not json"
    assert client.post("/webhooks/meta", data=garbage, headers={"X-Hub-Signature-256": _sign(garbage)}).status_code \
        == 400


def test_webhook_and_polling_deduplicate(platform, client, world):
    created = platform.add_account("facebook_page", unique_account("dd"), name="Dedupe", history_days=3, per_day=5)
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=created["account_id"],
                              token=created["token"], backfill_days=5)
    db.session.commit()
    posted = platform.fan(channel.external_account_id, "comment", text="Webhook und Abruf", author="Doppel Dora")
    run_sync(channel)
    before = _count(channel.id)
    post_id = posted.get("post_id") or posted.get("thread_id") or f"{channel.external_account_id}_1"
    value = {"item": "comment", "verb": "add", "comment_id": posted["id"], "post_id": post_id,
             "parent_id": post_id, "created_time": 1764000000, "from": {"id": "9", "name": "Doppel Dora"},
             "message": "Webhook und Abruf"}
    body = json.dumps({"object": "page", "entry": [{"id": channel.external_account_id, "time": 1,
                                                    "changes": [{"field": "feed", "value": value}]}]}).encode()
    assert client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature-256": _sign(body)}).status_code == 200
    assert _count(channel.id) == before


def test_instagram_mention_without_text_triggers_a_sync(client, world):
    from agency.queue import get_queue

    channel = make_channel(world.ws_a, "instagram_business")
    db.session.commit()
    queue = get_queue("sync")
    queue.empty()
    payload = {"object": "instagram", "entry": [{"id": channel.external_account_id, "time": 1764000000, "changes": [
        {"field": "mentions", "value": {"media_id": "17900000000000001", "comment_id": "17900000000000002"}}]}]}
    body = json.dumps(payload).encode()
    assert client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature-256": _sign(body)}).status_code == 200
    assert _count(channel.id) == 0  # nothing half-known stored
    assert f"sync-{channel.id}" in [j.id for j in queue.jobs]
