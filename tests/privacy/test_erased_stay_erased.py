"""An erased person does not come back: the platform still shows their comments (and a colleague quoting
them), yet the next sync over HTTP from the sandbox, and a webhook, store nothing of them again."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.channels.services import connect_channel
from agency.inbox.ingest import ingest_items
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction
from agency.privacy import services
from agency.privacy.models import ErasedIdentity
from tests.conftest import login, unique_account
from tests.privacy.test_privacy import _all_text

NAME = "Hedwig Löschmann-Qvist"
OLD_TEXT = "Mein Paket 99120 ist verschwunden, ich bin wütend"
NEW_TEXT = "Immer noch kein Paket, ich schreibe wieder und wieder"


def _erased_fan(platform, world):
    created = platform.add_account("facebook_page", unique_account("erase"), name="Löschseite", history_days=1,
                                   per_day=2)
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=created["account_id"],
                              token=created["token"], backfill_days=2)
    db.session.commit()
    handle = unique_account("fan")
    account = channel.external_account_id
    old = platform.fan(account, "comment", text=OLD_TEXT, author_name=NAME, author_id=handle)
    quote = platform.fan(account, "comment", text=f"Ich stimme {NAME} voll zu", author_name="Otto Normal",
                         author_id=unique_account("otto"))
    run_sync(channel)
    [person] = services.find_people(world.ws_a, NAME)
    assert person.external_id == handle
    record = services.erase(world.am_a, world.ws_a, services.person_from_key(world.ws_a, person.key),
                            received_on=date.today())
    db.session.commit()
    return channel, handle, old, quote, record


def _rows(channel) -> int:
    return db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.channel_id == channel.id))


def test_a_later_sync_stores_nothing_of_an_erased_person(platform, world):
    channel, handle, old, quote, record = _erased_fan(platform, world)
    rows_before = _rows(channel)
    # The platform still shows her comment and the quote; she writes again; somebody else writes too.
    new = platform.fan(channel.external_account_id, "comment", text=NEW_TEXT, author_name=NAME, author_id=handle)
    other = platform.fan(channel.external_account_id, "comment", text="Ganz andere Frage zum Versand")

    result = run_sync(channel)

    assert result.skipped >= 3  # her old comment, her new one, the quote
    db.session.expire_all()
    assert _rows(channel) == rows_before + 1  # only the other fan's comment is new
    stored = {i.external_id: i for i in db.session.scalars(select(Interaction).where(
        Interaction.channel_id == channel.id, Interaction.external_id.in_([old["id"], quote["id"], new["id"],
                                                                            other["id"]])))}
    assert new["id"] not in stored and stored[other["id"]].text == "Ganz andere Frage zum Versand"
    assert (stored[old["id"]].text, stored[old["id"]].author_name) == ("[erased]", "[erased]")
    assert stored[quote["id"]].text == "Ich stimme [erased] voll zu"
    needles = [NAME, "Löschmann", handle, OLD_TEXT, NEW_TEXT]
    found = [(t, c, v[:80]) for t, c, v in _all_text(world.agency_a.id)
             if any(n.lower() in v.lower() for n in needles)]
    assert found == []
    # The record keeps only keyed hashes (no clear id is among them: the scan above found none).
    digests = list(db.session.scalars(select(ErasedIdentity.digest).where(
        ErasedIdentity.workspace_id == world.ws_a.id)))
    assert len(digests) == record.outcome["future_syncs_skip"] == 3  # two items and the author
    assert all(len(d) == 64 for d in digests)


def test_a_webhook_item_of_an_erased_person_is_skipped(platform, world):
    channel, handle, _old, _quote, _record = _erased_fan(platform, world)
    now = datetime.now(UTC)
    theirs = PlatformItem(external_id=f"{channel.external_account_id}_777_w1", kind="comment", text=NEW_TEXT,
                          author_name=NAME, author_external_id=handle, created_at=now)
    someone = PlatformItem(external_id=f"{channel.external_account_id}_777_w2", kind="comment", text="Hallo!",
                           author_name="Jemand", author_external_id="5550001", created_at=now)
    result = ingest_items(channel, [theirs, someone])  # the webhook path: no sync_cache
    assert (result.inserted, result.skipped) == (1, 1)
    assert db.session.scalar(select(func.count()).select_from(Interaction).where(
        Interaction.channel_id == channel.id, Interaction.text == NEW_TEXT)) == 0
    # Another workspace of the agency (another client) is not affected by this workspace's erasure.
    from tests.conftest import make_channel

    elsewhere = make_channel(world.ws_a2)
    again = PlatformItem(external_id="elsewhere_1", kind="comment", text=NEW_TEXT, author_name=NAME,
                         author_external_id=handle, created_at=now)
    assert ingest_items(elsewhere, [again]).inserted == 1


def test_the_record_says_later_syncs_skip_the_person(platform, client, world):
    _erased_fan(platform, world)
    login(client, world.am_a)
    page = client.get(f"/w/{world.ws_a.slug}/privacy").get_data(as_text=True)
    assert 'data-testid="future-syncs-skip"' in page and "Later syncs skip this person" in page


def test_a_sync_reads_the_erasures_once_for_all_its_pages(platform, world):
    from sqlalchemy import event

    channel, _handle, _old, _quote, _record = _erased_fan(platform, world)
    for n in range(3):
        platform.fan(channel.external_account_id, "comment", text=f"Noch ein Kommentar {n}")
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = run_sync(channel)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    pages = [s for s in statements if s.startswith("UPDATE channels") and "sync_cursor" in s]
    assert len(pages) >= 2, "the sandbox should deliver several pages"
    assert len([s for s in statements if "FROM privacy_erasures" in s]) == 1
    assert result.skipped >= 2
