"""Parsing Meta webhook payloads (Page feed, Messenger, Instagram comments and mentions)."""

from __future__ import annotations

import json

from agency.channels.connectors import parse_meta_webhook, verify_meta_signature
from agency.sandbox.state import Account, Item
from agency.sandbox.webhooks import build_meta_webhook, signed_body

PAGE = Account("facebook_page", "1001", "Page", "t")
IG = Account("instagram_business", "17841400000001", "IG", "t")


def feed(verb, **extra):
    value = {"from": {"id": "42", "name": "Anna Müller"}, "post_id": "1001_5", "comment_id": "1001_5_77",
             "parent_id": "1001_5", "created_time": 1773144000, "item": "comment", "verb": verb,
             "message": "Habt ihr offen?", **extra}
    return {"object": "page", "entry": [{"id": "1001", "time": 1773144001, "changes": [
        {"field": "feed", "value": value}]}]}


def test_feed_add_edited_remove():
    [(account, added)] = parse_meta_webhook(feed("add"))
    assert account == "1001"
    assert (added.external_id, added.kind, added.text, added.thread_external_id) == (
        "1001_5_77", "comment", "Habt ihr offen?", "1001_5")
    assert added.created_at.timestamp() == 1773144000 and not added.is_deleted
    [(_, edited)] = parse_meta_webhook(feed("edited", message="Habt ihr heute offen?"))
    assert edited.text == "Habt ihr heute offen?" and edited.updated_at is not None
    [(_, removed)] = parse_meta_webhook(feed("remove"))
    assert removed.is_deleted and removed.external_id == "1001_5_77"


def test_feed_reply_and_own_comment():
    [(_, reply)] = parse_meta_webhook(feed("add", parent_id="1001_5_70"))
    assert reply.kind == "reply" and reply.parent_external_id == "1001_5_70"
    [(_, own)] = parse_meta_webhook(feed("add", **{"from": {"id": "1001", "name": "Page"}}))
    assert own.is_own


def test_feed_other_items_are_skipped():
    assert parse_meta_webhook(feed("add", item="reaction")) == []
    assert parse_meta_webhook(feed("hide")) == []


def test_messenger_messages_and_echoes():
    payload = {"object": "page", "entry": [{"id": "1001", "time": 1773144000123, "messaging": [
        {"sender": {"id": "555"}, "recipient": {"id": "1001"}, "timestamp": 1773144000123,
         "message": {"mid": "m_abc", "text": "Hallo?"}},
        {"sender": {"id": "555"}, "recipient": {"id": "1001"}, "timestamp": 1773144000200,
         "read": {"watermark": 1773144000100}},
        {"sender": {"id": "1001"}, "recipient": {"id": "555"}, "timestamp": 1773144000300,
         "message": {"mid": "m_def", "text": "Hi!", "is_echo": True}},
    ]}]}
    parsed = parse_meta_webhook(payload)
    assert [(a, i.external_id, i.kind, i.is_own) for a, i in parsed] == [
        ("1001", "m_abc", "direct_message", False), ("1001", "m_def", "direct_message", True)]
    assert parsed[0][1].author_external_id == "555"
    assert int(parsed[0][1].created_at.timestamp()) == 1773144000
    assert parsed[1][1].extra == {"recipient_id": "555"}


def test_instagram_comments_and_mentions():
    payload = {"object": "instagram", "entry": [{"id": "17841400000001", "time": 1773144000, "changes": [
        {"field": "comments", "value": {"id": "1790", "text": "Love it", "from": {"id": "9", "username": "zoe"},
                                        "media": {"id": "1800", "media_product_type": "FEED"}}},
        {"field": "comments", "value": {"id": "1791", "text": "+1", "parent_id": "1790",
                                        "from": {"id": "8", "username": "max"}, "media": {"id": "1800"}}},
        {"field": "mentions", "value": {"media_id": "1900", "comment_id": "1901"}},
        {"field": "story_insights", "value": {"media_id": "1"}},
    ]}]}
    items = [i for _, i in parse_meta_webhook(payload)]
    assert [(i.external_id, i.kind, i.parent_external_id, i.thread_external_id) for i in items] == [
        ("1790", "comment", None, "1800"), ("1791", "reply", "1790", "1800"), ("1901", "mention", None, "1900")]
    assert items[2].extra["needs_fetch"] is True


def test_unknown_objects_and_garbage_never_raise():
    assert parse_meta_webhook({"object": "user", "entry": [{"id": "1", "changes": []}]}) == []
    assert parse_meta_webhook({}) == []
    assert parse_meta_webhook({"object": "page", "entry": ["x", {"changes": [{"field": "feed"}]}]}) == []
    assert parse_meta_webhook({"object": "page", "entry": [{"id": "1", "changes": [
        {"field": "feed", "value": {"item": "comment", "verb": "add"}}]}]}) == []


def test_sandbox_built_payloads_round_trip_and_signature():
    comment = Item("77", "comment", 1773144000.0, 1773144000.0, 20522, None, None, "Hallo <b>", "42", "Anna")
    body, headers = signed_body(build_meta_webhook(PAGE, comment), "s3cret")
    assert verify_meta_signature("s3cret", body, headers["X-Hub-Signature-256"])
    assert not verify_meta_signature("other", body, headers["X-Hub-Signature-256"])
    assert not verify_meta_signature("s3cret", body + b" ", headers["X-Hub-Signature-256"])
    [(account, item)] = parse_meta_webhook(json.loads(body))
    assert (account, item.external_id, item.text, item.thread_external_id) == ("1001", "77", "Hallo <b>", "1001_20522")
    dm = Item("m_5", "dm", 1773144000.0, 1773144000.0, None, None, "t_5", "Hi", "7000000005", "Max")
    [(_, parsed_dm)] = parse_meta_webhook(build_meta_webhook(PAGE, dm))
    assert parsed_dm.kind == "direct_message" and parsed_dm.author_external_id == "7000000005"
    ig = Item("99", "comment", 1773144000.0, 1773144000.0, 20522, None, None, "nice", "8", "Zoe")
    [(ig_account, parsed_ig)] = parse_meta_webhook(build_meta_webhook(IG, ig))
    assert ig_account == IG.account_id and parsed_ig.thread_external_id == "media_20522"
