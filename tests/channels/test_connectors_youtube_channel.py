"""YouTube channel connector against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency.channels.connectors import (
    AuthExpired,
    PlatformError,
    RateLimited,
    ReplyTarget,
    TransientError,
    get_connector,
)
from agency.channels.connectors.google import next_pacific_midnight

CHANNEL = "UCtestchannel000000000001"
TOKEN = "yt-token"


@pytest.fixture
def account(sandbox):
    sandbox.add_account("youtube_channel", CHANNEL, "Test TV", token=TOKEN, history_days=12, per_day=10)
    return sandbox


@pytest.fixture
def connector(account, clock):
    return get_connector("youtube_channel", account.youtube_base, CHANNEL, TOKEN, clock=clock, timeout=(2, 2),
                         page_size=10)


def since(clock):
    return clock() - timedelta(days=13)


def test_backfill_threads_and_replies(connector, clock, collect):
    pages, items = collect(connector.iter_pages(None, since(clock)))
    assert len(pages) > 3
    comments = {i.external_id for i in items if i.kind == "comment"}
    replies = [i for i in items if i.kind == "reply"]
    assert comments and replies
    assert all(r.parent_external_id in comments for r in replies)
    assert len({i.external_id for i in items}) == len(items)
    assert all(i.permalink.startswith("https://www.youtube.com/watch?v=") for i in items)


def test_many_replies_are_fetched_beyond_the_inlined_ones(connector, account, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    top = next(i for i in items if i.kind == "comment")
    for n in range(7):
        account.fan(CHANNEL, "reply", f"+1 ({n})", parent_id=top.external_id)
    _, again = collect(connector.iter_pages(None, since(clock)))
    assert len([i for i in again if i.parent_external_id == top.external_id and i.text.startswith("+1")]) == 7


def test_reply_find_existing_fetch_item(connector, account, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    top = next(i for i in items if i.kind == "comment")
    before = clock()
    sent = connector.reply(ReplyTarget("comment", top.external_id, top.thread_external_id), "Thanks for watching!")
    found = connector.find_existing_reply(ReplyTarget("comment", top.external_id), "Thanks for watching!", before)
    assert found is not None and found.external_id == sent.external_id
    own = connector.fetch_item(sent.external_id)
    assert own.is_own and own.parent_external_id == top.external_id
    account.admin("POST", "items/delete", account_id=CHANNEL, id=top.external_id)
    assert connector.fetch_item(top.external_id) is None


def test_incremental_and_edit(connector, account, clock, collect):
    pages, first = collect(connector.iter_pages(None, since(clock)))
    target = next(i for i in first if i.kind == "comment" and i.created_at > clock() - timedelta(days=1))
    account.admin("POST", "items/edit", account_id=CHANNEL, id=target.external_id, text="edited text")
    clock.advance(hours=3)
    _, second = collect(connector.iter_pages(pages[-1].cursor, since(clock)))
    assert len(second) < len(first)
    assert next(i for i in second if i.external_id == target.external_id).text == "edited text"


def test_faults(connector, account, clock):
    account.fault("expired_token", CHANNEL)
    with pytest.raises(AuthExpired):
        list(connector.iter_pages(None, since(clock)))
    account.fault("rate_limit", CHANNEL, reason="quotaExceeded")
    with pytest.raises(RateLimited) as info:
        list(connector.iter_pages(None, since(clock)))
    assert info.value.retry_after == next_pacific_midnight(clock())
    account.fault("rate_limit", CHANNEL, seconds=30)
    with pytest.raises(RateLimited) as info:
        list(connector.iter_pages(None, since(clock)))
    assert info.value.retry_after == clock() + timedelta(seconds=30)
    account.fault("server_error", CHANNEL)
    with pytest.raises(TransientError):
        list(connector.iter_pages(None, since(clock)))
    account.fault("bad_request", CHANNEL)
    with pytest.raises(PlatformError):
        list(connector.iter_pages(None, since(clock)))
