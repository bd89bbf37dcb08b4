"""Ingest semantics: hostile bytes, removals that keep the text, the platform's order, authors, copy-paste spam.

Through the real webhook endpoint (signed bodies as Meta sends them) and real sandbox syncs over HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.channels.models import Channel, ChannelStatus
from agency.channels.services import connect_channel
from agency.inbox.ingest import ingest_items
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction
from agency.inbox.queries import InboxFilter, filter_counts, list_page
from tests.conftest import login, unique_account

SECRET = "test-app-secret"  # the test config's META_APP_SECRET
_counter = itertools.count(1)


def _post(client, payload: dict):
    # json.dumps escapes NUL and lone surrogates as \u0000 / \ud83d, exactly as they travel in JSON.
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/meta", data=body,
                       headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"})


def _feed(page_id: str, comment_id: str, verb: str, at: int, message: str | None = None, *,
          name: str = "Greta Gast", author: str = "5551234", sent: int | None = None) -> dict:
    value = {"item": "comment", "verb": verb, "comment_id": comment_id, "post_id": f"{page_id}_777",
             "parent_id": f"{page_id}_777", "created_time": at, "from": {"id": author, "name": name},
             "post": {"id": f"{page_id}_777", "permalink_url": "https://www.facebook.com/777"}}
    if message is not None:  # Meta sends no message with a removal
        value["message"] = message
    return {"object": "page", "entry": [{"id": page_id, "time": sent or at + 1,
                                         "changes": [{"field": "feed", "value": value}]}]}


def _page_channel(world, account_id: str | None = None, platform: str = "facebook_page") -> Channel:
    """A channel whose credentials the platform confirmed (webhooks never call the platform)."""
    from tests.conftest import make_channel

    channel = make_channel(world.ws_a, platform, account_id or unique_account())
    db.session.commit()
    return channel


def _row(channel: Channel, external_id: str) -> Interaction:
    db.session.expire_all()
    return db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id,
                                                        Interaction.external_id == external_id)).one()


def _rows(channel: Channel) -> list[Interaction]:
    db.session.expire_all()
    return list(db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id)
                                   .order_by(Interaction.platform_created_at, Interaction.id)))


def _open_ids(channel: Channel) -> set[int]:
    """The open inbox of the channel's workspace (what staff see by default)."""
    flt = InboxFilter(workspace_ids=[channel.workspace_id])
    return {row.id for row in list_page(flt, 0, limit=500).items}


def _open_count(channel: Channel) -> int:
    return filter_counts(InboxFilter(workspace_ids=[channel.workspace_id]), 0)["open"]


def _strings(row: Interaction) -> list[str]:
    columns = ("external_id", "kind", "parent_external_id", "thread_external_id", "context_text", "context_url",
               "author_name", "author_external_id", "text", "permalink")
    values = [getattr(row, c) for c in columns if getattr(row, c) is not None]
    return [*values, json.dumps(row.extra, ensure_ascii=False)]


def _assert_clean(row: Interaction) -> None:
    for value in _strings(row):
        assert "\x00" not in value and "\\u0000" not in value, value
        assert "\u202e" not in value and "\ufffe" not in value, value
        value.encode("utf-8")


# --- 1. hostile bytes -------------------------------------------------------------------------

def test_nul_bytes_surrogates_and_bidi_overrides_in_a_webhook_comment_are_cleaned(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    now = int(time.time())
    payload = _feed(page, f"{page}_777_\x001", "add", now, "Hallo\x00 Welt \ud83d \u202egnp.exe\u202c!",
                    name="Gre\x00ta \u202eGast", author="55\x00512")
    value = payload["entry"][0]["changes"][0]["value"]
    value["post_id"] = value["parent_id"] = f"{page}_7\x0077"
    value["post"]["permalink_url"] = "https://www.facebook.com/\x00777"
    response = _post(client, payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    row = _rows(channel)[0]
    assert row.text == "Hallo Welt \ufffd gnp.exe!"
    assert row.author_name == "Greta Gast" and row.author_external_id == "55512"
    assert row.external_id == f"{page}_777_1" and row.thread_external_id == f"{page}_777"
    assert row.context_url == "https://www.facebook.com/777"
    _assert_clean(row)


def test_nul_bytes_in_a_messenger_echo_reach_neither_the_text_nor_the_extra_json(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    now = int(time.time())
    event = {"sender": {"id": page}, "recipient": {"id": "psid\x00-1"}, "timestamp": now * 1000,
             "message": {"mid": "m_\x00echo", "text": "Gern geschehen\x00", "is_echo": True}}
    response = _post(client, {"object": "page", "entry": [{"id": page, "time": now * 1000, "messaging": [event]}]})
    assert response.status_code == 200
    row = _rows(channel)[0]
    assert row.text == "Gern geschehen" and row.extra == {"recipient_id": "psid-1"} and row.is_own
    _assert_clean(row)


def test_a_nul_byte_in_the_account_id_is_not_a_server_error(client, world):
    _page_channel(world)
    now = int(time.time())
    response = _post(client, _feed("12\x0034", "c-1", "add", now, "Hallo"))
    assert response.status_code == 200 and response.get_json()["stored"] == 0


def test_times_no_calendar_holds_are_not_a_server_error(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    for n, at in enumerate((10**20, 1e300, 2**70, -(10**15))):
        response = _post(client, _feed(page, f"{page}_777_t{n}", "add", at, "Wann?", sent=1))
        assert response.status_code == 200, at
    assert len(_rows(channel)) == 4


def test_a_poisoned_fan_comment_is_stored_cleaned_and_the_sync_goes_on(platform, world):
    created = platform.add_account("facebook_page", unique_account("nul"), name="Giftseite", history_days=1,
                                   per_day=4)
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=created["account_id"],
                              token=created["token"], backfill_days=2)
    db.session.commit()
    poisoned = platform.fan(channel.external_account_id, "comment",
                            text="Gift\x00 \ud83d im \u202eTextfeld\u202c", author_name="Nul\x00 \u2067Mann")
    after = platform.fan(channel.external_account_id, "comment", text="Ein ganz normaler Kommentar danach")
    run_sync(channel)
    assert channel.status == ChannelStatus.ACTIVE and channel.last_error is None
    stored = _row(channel, poisoned["id"])
    assert stored.text == "Gift \ufffd im Textfeld" and stored.author_name == "Nul \u2067Mann\u2069"
    _assert_clean(stored)
    assert _row(channel, after["id"]).text == "Ein ganz normaler Kommentar danach"
    # The next (incremental) sync reads the same post again and goes on as well.
    later = platform.fan(channel.external_account_id, "comment", text="Und noch einer, viel später")
    run_sync(channel)
    assert channel.status == ChannelStatus.ACTIVE and channel.last_error is None
    assert _row(channel, later["id"]).text == "Und noch einer, viel später"


def test_an_item_the_database_refuses_is_skipped_and_the_rest_is_stored(world, caplog):
    channel = _page_channel(world)
    now = datetime.now(UTC)
    items = [PlatformItem(external_id=f"ok-{n}", kind="comment", text=f"Kommentar {n}", author_name="Fan",
                          author_external_id=f"f{n}", created_at=now) for n in range(3)]
    poisoned = PlatformItem(external_id="bad", kind="story", text="unknown kind", author_name="Fan",
                            author_external_id="f9", created_at=now)
    result = ingest_items(channel, [items[0], poisoned, items[1], items[2]])
    assert result.inserted == 3
    assert {row.external_id for row in _rows(channel)} == {"ok-0", "ok-1", "ok-2"}
    assert "skipped item 'bad'" in caplog.text
    db.session.commit()  # the transaction is still usable


# --- 2. a removal keeps the text, leaves the open inbox, stops the SLA clock -------------------

def test_a_removal_keeps_the_text_leaves_the_open_inbox_and_stops_the_sla_clock(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    cid = f"{page}_777_{next(_counter)}"
    now = int(time.time())
    _post(client, _feed(page, cid, "add", now - 60, "Wo bleibt meine Bestellung?"))
    row = _row(channel, cid)
    assert row.id in _open_ids(channel) and row.sla_due_at is not None and row.sla_state is not None
    open_before = _open_count(channel)

    assert _post(client, _feed(page, cid, "remove", now)).status_code == 200
    row = _row(channel, cid)
    assert row.is_deleted and row.text == "Wo bleibt meine Bestellung?"
    assert row.id not in _open_ids(channel)
    assert _open_count(channel) == open_before - 1
    assert row.sla_due_at is None and row.sla_state is None and row.first_response_due_at is None

    # Staff still find it (all statuses), marked as deleted on the platform.
    login(client, world.owner_a)
    listing = client.get(f"/w/{world.ws_a.slug}/inbox/?status=all").get_data(as_text=True)
    assert "Wo bleibt meine Bestellung?" in listing and "Deleted on the platform." in listing
    thread = client.get(f"/w/{world.ws_a.slug}/inbox/{row.id}").get_data(as_text=True)
    assert "Deleted on the platform." in thread and "Wo bleibt meine Bestellung?" in thread


# --- 3. the platform's order -------------------------------------------------------------------

_DELIVERIES = {"add": ("Erst so", 0), "edited": ("Dann so", 60), "remove": (None, 120)}


def test_every_order_of_add_edit_and_remove_ends_removed_with_the_edited_text(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    start = int(time.time()) - 600
    for order in itertools.permutations(("add", "edited", "remove")):
        cid = f"{page}_777_{'-'.join(order)}"
        for verb in order:
            text, offset = _DELIVERIES[verb]
            assert _post(client, _feed(page, cid, verb, start + offset, text)).status_code == 200
        row = _row(channel, cid)
        assert (row.is_deleted, row.text) == (True, "Dann so"), order
        # Meta retries: every delivery again, newest first, in new envelopes (so not skipped by the digest).
        for verb in reversed(order):
            text, offset = _DELIVERIES[verb]
            _post(client, _feed(page, cid, verb, start + offset, text, sent=start + 900 + offset))
        row = _row(channel, cid)
        assert (row.is_deleted, row.text) == (True, "Dann so"), order
        assert row.id not in _open_ids(channel)


def test_every_order_of_add_and_edits_ends_with_the_newest_text(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    start = int(time.time()) - 600
    versions = {"add": ("Erst so", 0), "edit-1": ("Dann so", 60), "edit-2": ("Zuletzt so", 120)}
    for order in itertools.permutations(versions):
        cid = f"{page}_777_{'-'.join(order)}"
        for name in order:
            text, offset = versions[name]
            _post(client, _feed(page, cid, "add" if name == "add" else "edited", start + offset, text))
        row = _row(channel, cid)
        assert (row.is_deleted, row.text) == (False, "Zuletzt so"), order
        assert row.sla_due_at is not None


def test_an_edit_in_the_same_second_as_the_add_wins_and_a_removal_beats_both(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    now = int(time.time())
    cid = f"{page}_777_same"
    for verb, text in (("remove", None), ("edited", "Neu"), ("add", "Alt")):
        _post(client, _feed(page, cid, verb, now, text))
    row = _row(channel, cid)
    assert (row.is_deleted, row.text) == (True, "Neu")


def _sandbox_page(platform, world, *, prefix: str) -> tuple[Channel, dict]:
    created = platform.add_account("facebook_page", unique_account(prefix), name="Ordnung", history_days=1,
                                   per_day=2)
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=created["account_id"],
                              token=created["token"], backfill_days=2)
    db.session.commit()
    return channel, created


def test_a_sync_that_still_finds_a_removed_comment_brings_it_back(platform, client, world):
    channel, _ = _sandbox_page(platform, world, prefix="back")
    fan = platform.fan(channel.external_account_id, "comment", text="Bin ich noch da?")
    run_sync(channel)
    assert not _row(channel, fan["id"]).is_deleted
    # A removal is reported, but the platform still shows the comment to the next sync: it is back.
    _post(client, _feed(channel.external_account_id, fan["id"], "remove", int(time.time())))
    assert _row(channel, fan["id"]).is_deleted
    time.sleep(1.1)  # the sync reads after the removal's second
    run_sync(channel)
    row = _row(channel, fan["id"])
    assert not row.is_deleted and row.text == "Bin ich noch da?"
    assert row.id in _open_ids(channel) and row.sla_due_at is not None


def test_a_removed_comment_stays_removed_when_a_sync_no_longer_finds_it(platform, client, world):
    channel, _ = _sandbox_page(platform, world, prefix="gone")
    fan = platform.fan(channel.external_account_id, "comment", text="Gleich bin ich weg")
    run_sync(channel)
    platform.admin("POST", "items/delete", account_id=channel.external_account_id, id=fan["id"])
    _post(client, _feed(channel.external_account_id, fan["id"], "remove", int(time.time())))
    run_sync(channel)
    row = _row(channel, fan["id"])
    assert row.is_deleted and row.text == "Gleich bin ich weg"


def test_a_page_read_before_the_removal_does_not_resurrect_it(platform, client, world, app):
    from agency.channels.access import base_url_for
    from agency.channels.connectors import get_connector

    channel, created = _sandbox_page(platform, world, prefix="stale")
    fan = platform.fan(channel.external_account_id, "comment", text="Gelesen, dann gelöscht")
    connector = get_connector("facebook_page", base_url_for("facebook_page"), channel.external_account_id,
                              created["token"])
    pages = list(connector.iter_pages(None, datetime.now(UTC) - timedelta(days=2)))
    assert any(item.external_id == fan["id"] for page in pages for item in page.items)
    _post(client, _feed(channel.external_account_id, fan["id"], "add", int(fan["ts"]), "Gelesen, dann gelöscht"))
    _post(client, _feed(channel.external_account_id, fan["id"], "remove", int(time.time()) + 1))
    for page in pages:  # e.g. fetched ahead by the sync, stored after the webhook
        ingest_items(channel, page.items, observed_at=page.fetched_at)
    row = _row(channel, fan["id"])
    assert row.is_deleted and row.text == "Gelesen, dann gelöscht"


def test_a_page_read_before_an_edit_does_not_revert_the_text(world):
    channel = _page_channel(world)
    created = datetime.now(UTC) - timedelta(minutes=10)
    original = PlatformItem(external_id="c-edit", kind="comment", text="Vorher", author_name="Fan",
                            author_external_id="f1", created_at=created)
    edited = PlatformItem(external_id="c-edit", kind="comment", text="Nachher", author_name="Fan",
                          author_external_id="f1", created_at=created, updated_at=created + timedelta(minutes=5))
    ingest_items(channel, [edited])
    ingest_items(channel, [original], observed_at=created + timedelta(minutes=2))  # read before the edit
    assert _row(channel, "c-edit").text == "Nachher"
    ingest_items(channel, [original.__class__(**{**_fields(original), "text": "Später gesehen"})],
                 observed_at=created + timedelta(minutes=8))  # read after it: the platform's newer state
    assert _row(channel, "c-edit").text == "Später gesehen"


def _fields(item: PlatformItem) -> dict:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


# --- 4. Instagram messages by webhook -------------------------------------------------------------

def test_instagram_messages_by_webhook_are_stored_like_messenger_messages(client, world):
    channel = _page_channel(world, platform="instagram_business")
    igid = channel.external_account_id
    now_ms = int(time.time() * 1000)
    incoming = {"sender": {"id": "IGSID-4711"}, "recipient": {"id": igid}, "timestamp": now_ms - 60_000,
                "message": {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx", "text": "Habt ihr das Kleid in M?"}}
    echo = {"sender": {"id": igid}, "recipient": {"id": "IGSID-4711"}, "timestamp": now_ms,
            "message": {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQy", "text": "Ja, haben wir!",
                        "is_echo": True}}
    payload = {"object": "instagram", "entry": [{"id": igid, "time": now_ms, "messaging": [incoming, echo]}]}
    assert _post(client, payload).status_code == 200
    customer, ours = _rows(channel)
    assert customer.kind == ours.kind == "direct_message"
    assert customer.text == "Habt ihr das Kleid in M?" and customer.author_external_id == "IGSID-4711"
    assert not customer.is_own and customer.status == "new" and customer.id in _open_ids(channel)
    assert ours.is_own and ours.status == "closed" and ours.extra == {"recipient_id": "IGSID-4711"}
    assert customer.thread_external_id == ours.thread_external_id == "dm-IGSID-4711"

    # The customer unsends the message: it is deleted on the platform, its text stays for the record.
    unsent = {"sender": {"id": "IGSID-4711"}, "recipient": {"id": igid}, "timestamp": now_ms + 1000,
              "message": {"mid": incoming["message"]["mid"], "is_deleted": True}}
    _post(client, {"object": "instagram", "entry": [{"id": igid, "time": now_ms + 1000, "messaging": [unsent]}]})
    row = _row(channel, incoming["message"]["mid"])
    assert row.is_deleted and row.text == "Habt ihr das Kleid in M?" and row.id not in _open_ids(channel)


# --- 5. authors -----------------------------------------------------------------------------------

def _messenger_event(page: str, record: dict, mid: str | None = None, at: float | None = None) -> dict:
    event = {"sender": {"id": record["author_id"]}, "recipient": {"id": page},
             "timestamp": int((at or record["ts"]) * 1000),
             "message": {"mid": mid or record["id"], "text": record["text"]}}
    return {"object": "page", "entry": [{"id": page, "time": int(time.time() * 1000), "messaging": [event]}]}


def test_a_messenger_user_gets_their_real_name_when_a_sync_brings_it(platform, client, world):
    channel, _ = _sandbox_page(platform, world, prefix="name")
    page = channel.external_account_id
    dm = platform.fan(page, "dm", text="Hallo, ist mein Paket schon unterwegs?", author_name="Doris Direkt")
    _post(client, _messenger_event(page, dm))
    assert _row(channel, dm["id"]).author_name == "Messenger user"

    run_sync(channel)
    row = _row(channel, dm["id"])
    assert row.author_name == "Doris Direkt" and row.thread_external_id == dm["conversation_id"]

    # A new message by webhook from the same person carries the known name at once …
    _post(client, _messenger_event(page, dm, mid="m_webhook_only", at=time.time()))
    assert _row(channel, "m_webhook_only").author_name == "Doris Direkt"
    # … and a re-delivery with the placeholder never takes the real name away.
    redelivery = _messenger_event(page, dm)
    redelivery["entry"][0]["time"] += 5
    _post(client, redelivery)
    assert _row(channel, dm["id"]).author_name == "Doris Direkt"


def _item(external_id: str, minutes_ago: int, *, author: str = "a-1", name: str = "Greta Gast",
          text: str | None = None, avatar: str | None = None, own: bool = False) -> PlatformItem:
    return PlatformItem(external_id=external_id, kind="comment", text=text or f"Kommentar {external_id}",
                        author_name=name, author_external_id=author, is_own=own, author_avatar_url=avatar,
                        created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago))


def test_placeholders_are_filled_and_renames_and_avatars_reach_the_authors_rows(world):
    channel = _page_channel(world)
    ingest_items(channel, [_item("p-1", 50, name="Facebook user"), _item("p-2", 40, name="Facebook user")])
    ingest_items(channel, [_item("r-1", 30, name="Greta Gast")])
    assert {r.external_id: r.author_name for r in _rows(channel)} == {
        "p-1": "Greta Gast", "p-2": "Greta Gast", "r-1": "Greta Gast"}
    ingest_items(channel, [_item("p-3", 25, name="Facebook user")])  # known author: no placeholder stored
    assert _row(channel, "p-3").author_name == "Greta Gast"

    # Newer data: a new name and an avatar reach every row of the author …
    ingest_items(channel, [_item("r-2", 20, name="Greta Meier", avatar="https://cdn.example/greta.jpg")])
    rows = _rows(channel)
    assert {r.author_name for r in rows} == {"Greta Meier"}
    assert {r.author_avatar_url for r in rows} == {"https://cdn.example/greta.jpg"}
    # … an older item arriving late keeps its own name but changes no other row.
    ingest_items(channel, [_item("r-0", 60, name="Greta Gast")])
    assert {r.external_id: r.author_name for r in _rows(channel)}["r-0"] == "Greta Gast"
    assert {r.author_name for r in _rows(channel) if r.external_id != "r-0"} == {"Greta Meier"}
    # Another author, and addresses that are no web addresses, are left alone.
    ingest_items(channel, [_item("o-1", 5, author="a-2", name="Otto", avatar="javascript:alert(1)")])
    assert _row(channel, "o-1").author_avatar_url is None and _row(channel, "p-1").author_name == "Greta Meier"


def test_a_youtube_sync_stores_the_authors_avatar(platform, world):
    created = platform.add_account("youtube_channel", "UC" + unique_account("av").rjust(22, "x"), name="Kanal",
                                   history_days=1, per_day=6)
    channel = connect_channel(world.owner_a, world.ws_a, platform="youtube_channel",
                              account_id=created["account_id"], token=created["token"], backfill_days=2)
    db.session.commit()
    run_sync(channel)
    customers = [r for r in _rows(channel) if not r.is_own]
    # The sandbox's pictures live on the sandbox itself (the platform's CDN on the real one).
    assert customers and all(r.author_avatar_url and r.author_avatar_url.startswith(f"{platform.url}/_media/avatars/")
                             for r in customers)


# --- 6. copy-paste spam ---------------------------------------------------------------------------

SPAM = "Tolle Aktion, schaut euch unbedingt unseren Shop an"


def test_copy_paste_from_the_same_author_is_spam_on_the_webhook_path(client, world):
    channel = _page_channel(world)
    page = channel.external_account_id
    now = int(time.time())
    for n, author in ((1, "5551234"), (2, "5551234"), (3, "9990001")):
        _post(client, _feed(page, f"{page}_777_cp{n}", "add", now - 300 + n, SPAM, author=author))
    first, second, other = (_row(channel, f"{page}_777_cp{n}") for n in (1, 2, 3))
    assert not first.is_spam and first.status == "new"
    assert second.is_spam and second.status == "spam" and second.id not in _open_ids(channel)
    assert not other.is_spam  # the same words from someone else are not copy-paste
    # A re-delivery of the first comment is not a copy of itself.
    _post(client, _feed(page, f"{page}_777_cp1", "add", now - 299, SPAM, sent=now + 50))
    assert not _row(channel, f"{page}_777_cp1").is_spam


def test_copy_paste_within_one_page_and_our_own_repeated_answers(world):
    channel = _page_channel(world)
    ingest_items(channel, [_item("s-1", 30, text=SPAM), _item("s-2", 20, text=SPAM), _item("s-3", 10, text=SPAM),
                           _item("o-1", 25, author="page", name="Seite", text="Danke für deine Nachricht!", own=True),
                           _item("o-2", 15, author="page", name="Seite", text="Danke für deine Nachricht!", own=True)])
    spam = {r.external_id: r.is_spam for r in _rows(channel)}
    assert spam == {"s-1": False, "s-2": True, "s-3": True, "o-1": False, "o-2": False}
    # Older than the window: a customer asking the same again weeks later is not a bot.
    ingest_items(channel, [_item("w-1", 60 * 24 * 30, author="a-3", text=SPAM), _item("w-2", 5, author="a-3",
                                                                                       text=SPAM)])
    assert not _row(channel, "w-2").is_spam
