"""Parsing what ordering and Instagram messaging need: change times, the "edit" verb, IG messages and unsends."""

from __future__ import annotations

from agency.channels.connectors import parse_meta_webhook
from agency.sandbox.state import Account, Item
from agency.sandbox.webhooks import build_meta_webhook

IGID = "17841400000001"


def _feed(verb: str, created_time: int) -> dict:
    value = {"from": {"id": "42", "name": "Anna Müller"}, "post_id": "1001_5", "comment_id": "1001_5_77",
             "parent_id": "1001_5", "created_time": created_time, "item": "comment", "verb": verb}
    if verb != "remove":
        value["message"] = "Habt ihr offen?"
    return {"object": "page", "entry": [{"id": "1001", "time": created_time + 30,
                                         "changes": [{"field": "feed", "value": value}]}]}


def test_edits_and_removals_are_dated_by_their_change_not_by_the_notification():
    [(_, added)] = parse_meta_webhook(_feed("add", 1773144000))
    [(_, edited)] = parse_meta_webhook(_feed("edit", 1773144060))  # Meta's other spelling of "edited"
    [(_, removed)] = parse_meta_webhook(_feed("remove", 1773144120))
    assert added.updated_at is None
    assert edited.updated_at.timestamp() == 1773144060 and edited.extra == {"verb": "edited"}
    assert removed.is_deleted and removed.updated_at.timestamp() == 1773144120 and removed.text == ""


def test_the_sandbox_dates_an_edit_by_the_edit():
    account = Account("facebook_page", "1001", "Page", "t")
    item = Item("1001_5_77", "comment", ts=1773144000, updated_ts=1773147600, container=5, parent_id=None,
                conversation_id=None, text="Jetzt anders", author_id="42", author_name="Anna")
    value = build_meta_webhook(account, item, "edited")["entry"][0]["changes"][0]["value"]
    assert value["created_time"] == 1773147600
    assert build_meta_webhook(account, item, "add")["entry"][0]["changes"][0]["value"]["created_time"] == 1773144000


def test_instagram_messages_echoes_and_unsends():
    payload = {"object": "instagram", "entry": [{"id": IGID, "time": 1773144001000, "messaging": [
        {"sender": {"id": "IGSID-1"}, "recipient": {"id": IGID}, "timestamp": 1773144000000,
         "message": {"mid": "mid-1", "text": "Hallo!"}},
        {"sender": {"id": IGID}, "recipient": {"id": "IGSID-1"}, "timestamp": 1773144005000,
         "message": {"mid": "mid-2", "text": "Hi!", "is_echo": True}},
        {"sender": {"id": "IGSID-1"}, "recipient": {"id": IGID}, "timestamp": 1773144009000,
         "message": {"mid": "mid-1", "is_deleted": True}},
        {"sender": {"id": "IGSID-1"}, "recipient": {"id": IGID}, "timestamp": 1773144010000,
         "read": {"mid": "mid-2"}},
    ]}]}
    items = [item for _account, item in parse_meta_webhook(payload)]
    assert [(i.external_id, i.kind, i.is_own, i.is_deleted) for i in items] == [
        ("mid-1", "direct_message", False, False), ("mid-2", "direct_message", True, False),
        ("mid-1", "direct_message", False, True)]
    customer, echo, unsent = items
    assert customer.text == "Hallo!" and customer.author_external_id == "IGSID-1"
    assert customer.author_name == "Instagram user" and customer.created_at.timestamp() == 1773144000
    assert customer.thread_external_id == echo.thread_external_id == "dm-IGSID-1"
    assert echo.extra == {"recipient_id": "IGSID-1"}
    assert unsent.updated_at.timestamp() == 1773144009
