"""Instagram Business connector against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency.channels.connectors import AuthExpired, RateLimited, ReplyTarget, TransientError, get_connector

IG = "17841400000777"
TOKEN = "ig-token"


@pytest.fixture
def account(sandbox):
    sandbox.add_account("instagram_business", IG, "Shop IG", token=TOKEN, history_days=4, per_day=15,
                        username="shop.ig")
    return sandbox


@pytest.fixture
def connector(account, clock):
    return get_connector("instagram_business", account.graph_base, IG, TOKEN, clock=clock, timeout=(2, 2),
                         page_size=4)


def since(clock):
    return clock() - timedelta(days=5)


def test_backfill_comments_replies_and_mentions(connector, clock, collect):
    pages, items = collect(connector.iter_pages(None, since(clock)))
    assert len(pages) > 3 and pages[-1].done
    kinds = {i.kind for i in items}
    assert {"comment", "reply", "mention"} <= kinds
    ids = [i.external_id for i in items]
    assert len(ids) == len(set(ids))
    comments = {i.external_id for i in items if i.kind == "comment"}
    assert all(i.parent_external_id in comments for i in items if i.kind == "reply")
    assert all(i.thread_external_id.startswith("media_") for i in items if i.kind != "mention")
    assert pages[-1].cursor["extra"]["comment_counts"]


def test_incremental_rereads_only_media_with_new_comments(connector, account, clock, collect):
    pages, first = collect(connector.iter_pages(None, since(clock)))
    _, unchanged = collect(connector.iter_pages(pages[-1].cursor, since(clock)))
    assert unchanged == []
    clock.advance(hours=5)
    fan = account.fan(IG, "comment", "Wie teuer ist das? 🤔", author_name="Eva")
    _, second = collect(connector.iter_pages(pages[-1].cursor, since(clock)))
    ids = {i.external_id for i in second}
    assert fan["id"] in ids
    assert len(second) < len(first)


def test_deleted_comment_disappears_and_fetch_item_returns_none(connector, account, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    victim = next(i for i in items if i.kind == "comment")
    account.admin("POST", "items/delete", account_id=IG, id=victim.external_id)
    assert connector.fetch_item(victim.external_id) is None
    _, again = collect(connector.iter_pages(None, since(clock)))
    assert victim.external_id not in {i.external_id for i in again}
    mention = next(i for i in items if i.kind == "mention")
    assert connector.fetch_item(mention.external_id, kind="mention").text == mention.text


def test_reply_to_comment_and_mention(connector, account, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    comment = next(i for i in items if i.kind == "comment")
    mention = next(i for i in items if i.kind == "mention")
    before = clock()
    sent = connector.reply(ReplyTarget("comment", comment.external_id, comment.thread_external_id), "Danke! 💛")
    found = connector.find_existing_reply(ReplyTarget("comment", comment.external_id), "Danke! 💛", before)
    assert found is not None and found.external_id == sent.external_id
    sent2 = connector.reply(ReplyTarget("mention", mention.external_id), "Thanks for the shout-out!")
    assert connector.find_existing_reply(ReplyTarget("mention", mention.external_id), "Thanks for the shout-out!",
                                         before).external_id == sent2.external_id
    _, again = collect(connector.iter_pages(None, since(clock)))
    own = [i for i in again if i.is_own]
    assert [(o.external_id, o.parent_external_id) for o in own] == [(sent.external_id, comment.external_id)]


def test_faults(connector, account, clock):
    account.fault("expired_token", IG)
    with pytest.raises(AuthExpired):
        list(connector.iter_pages(None, since(clock)))
    account.fault("rate_limit", IG, seconds=1800)
    with pytest.raises(RateLimited) as info:
        list(connector.iter_pages(None, since(clock)))
    assert info.value.retry_after == clock() + timedelta(minutes=30)
    account.fault("server_error", IG)
    with pytest.raises(TransientError):
        list(connector.iter_pages(None, since(clock)))
