"""Facebook Page connector against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency.channels.connectors import (
    AuthExpired,
    MessagingWindowClosed,
    PlatformError,
    RateLimited,
    ReplyTarget,
    TransientError,
    get_connector,
    messaging_window,
)

PAGE = "5001"
TOKEN = "fb-token-5001"


@pytest.fixture
def page(sandbox):
    sandbox.add_account("facebook_page", PAGE, "Café Test", token=TOKEN, history_days=5, per_day=12)
    return sandbox


@pytest.fixture
def connector(page, clock):
    return get_connector("facebook_page", page.graph_base, PAGE, TOKEN, clock=clock, timeout=(2, 2), page_size=5)


def since(clock):
    return clock() - timedelta(days=6)


def test_backfill_pages_through_everything_once(connector, clock, collect):
    pages, items = collect(connector.iter_pages(None, since(clock)))
    assert len(pages) > 5
    assert pages[-1].done and not any(p.done for p in pages[:-1])
    ids = [i.external_id for i in items]
    assert len(ids) == len(set(ids))
    kinds = {i.kind for i in items}
    assert {"comment", "reply", "direct_message", "review"} <= kinds
    assert all(i.created_at <= clock() for i in items)
    replies = [i for i in items if i.kind == "reply"]
    comment_ids = {i.external_id for i in items if i.kind == "comment"}
    assert all(r.parent_external_id in comment_ids for r in replies)
    reviews = [i for i in items if i.kind == "review"]
    assert all(r.rating is None and r.extra["recommendation_type"] in ("positive", "negative") for r in reviews)
    assert 0 <= pages[1].progress <= 1 and pages[-1].progress == 1.0
    # a larger page size sees exactly the same items
    big = get_connector("facebook_page", connector.base_url, PAGE, TOKEN, clock=clock, page_size=100)
    _, same = collect(big.iter_pages(None, since(clock)))
    assert sorted(ids) == sorted(i.external_id for i in same)


def test_resume_from_a_middle_cursor_continues_after_it(connector, clock, collect):
    pages, _items = collect(connector.iter_pages(None, since(clock)))
    middle = len(pages) // 2
    _, resumed = collect(connector.iter_pages(pages[middle].cursor, since(clock)))
    expected = [i.external_id for p in pages[middle + 1 :] for i in p.items]
    assert [i.external_id for i in resumed] == expected


def test_incremental_pass_brings_only_new_activity(connector, page, clock, collect):
    pages, first = collect(connector.iter_pages(None, since(clock)))
    cursor = pages[-1].cursor
    assert cursor["next_window"] and cursor["pass"] is None
    started = clock()
    clock.advance(hours=6)
    _, second = collect(connector.iter_pages(cursor, since(clock)))
    window = started - timedelta(hours=2)
    known = {i.external_id for i in first}
    new = [i for i in second if i.external_id not in known]
    assert new, "six hours of traffic bring new items"
    assert all(i.created_at > started - timedelta(hours=2) for i in new)
    assert len(second) < len(first)
    dms_and_reviews = [i for i in second if i.kind in ("direct_message", "review")]
    assert all(i.created_at >= window for i in dms_and_reviews)


def test_edits_and_deletions_are_reflected(connector, page, clock, collect):
    pages, items = collect(connector.iter_pages(None, since(clock)))
    comments = [i for i in items if i.kind == "comment"]
    edited, deleted = comments[-1], comments[-2]
    page.admin("POST", "items/edit", account_id=PAGE, id=edited.external_id, text="Edited: alles gut 😊")
    page.admin("POST", "items/delete", account_id=PAGE, id=deleted.external_id)
    clock.advance(minutes=5)
    _, again = collect(connector.iter_pages(pages[-1].cursor, since(clock)))
    by_id = {i.external_id: i for i in again}
    assert by_id[edited.external_id].text == "Edited: alles gut 😊"
    assert deleted.external_id not in by_id
    assert connector.fetch_item(deleted.external_id) is None
    fetched = connector.fetch_item(edited.external_id)
    assert fetched is not None and fetched.text == "Edited: alles gut 😊"


def test_reply_find_existing_and_own_items(connector, page, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    comment = next(i for i in items if i.kind == "comment")
    target = ReplyTarget("comment", comment.external_id, comment.thread_external_id)
    before = clock()
    sent = connector.reply(target, "Danke für dein Feedback! – Lisa")
    assert sent.external_id
    logged = page.admin("GET", "replies", account_id=PAGE)["replies"]
    assert [r["text"] for r in logged] == ["Danke für dein Feedback! – Lisa"]
    found = connector.find_existing_reply(target, "Danke für dein Feedback! – Lisa", before)
    assert found is not None and found.external_id == sent.external_id
    assert connector.find_existing_reply(target, "other text", before) is None
    assert connector.find_existing_reply(target, "Danke für dein Feedback! – Lisa", before + timedelta(hours=1)) is None
    clock.advance(minutes=1)
    _, again = collect(connector.iter_pages(None, since(clock)))
    own = [i for i in again if i.is_own]
    assert [(o.external_id, o.parent_external_id, o.kind) for o in own] == [
        (sent.external_id, comment.external_id, "reply")
    ]


def test_reply_to_a_reply_goes_under_the_top_level_comment(connector, page, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    reply = next(i for i in items if i.kind == "reply")
    connector.reply(ReplyTarget("reply", reply.external_id, reply.thread_external_id, reply.parent_external_id), "Hi!")
    assert page.admin("GET", "replies")["replies"][0]["target"] == reply.parent_external_id


def test_review_reply(connector, page, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    review = next(i for i in items if i.kind == "review")
    sent = connector.reply(ReplyTarget("review", review.external_id, review.external_id), "Vielen Dank!")
    assert connector.find_existing_reply(ReplyTarget("review", review.external_id), "Vielen Dank!",
                                         clock() - timedelta(minutes=1)).external_id == sent.external_id
    assert connector.fetch_item(review.external_id, kind="review").text == review.text


def _dm_target(dm, last):
    return ReplyTarget("direct_message", dm.external_id, dm.thread_external_id,
                       author_external_id=dm.author_external_id, last_customer_message_at=last)


def test_messaging_window_rules(connector, page, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    dms = sorted((i for i in items if i.kind == "direct_message"), key=lambda i: i.created_at)
    recent = next(d for d in reversed(dms) if clock() - d.created_at < timedelta(hours=24))
    older = next(d for d in dms if timedelta(hours=25) < clock() - d.created_at < timedelta(days=6))
    connector.reply(_dm_target(recent, recent.created_at), "Hallo, wie können wir helfen?")
    connector.reply(_dm_target(older, older.created_at), "Sorry for the wait!")
    logged = page.admin("GET", "replies")["replies"]
    assert [r["text"] for r in logged] == ["Hallo, wie können wir helfen?", "Sorry for the wait!"]
    messages = [m for m in page.state.records(page.state.accounts[PAGE]) if m["kind"] == "dm"]
    assert [(m["extra"]["messaging_type"], m["extra"]["tag"]) for m in messages] == [
        ("RESPONSE", None), ("MESSAGE_TAG", "HUMAN_AGENT")]
    found = connector.find_existing_reply(_dm_target(recent, recent.created_at), "Hallo, wie können wir helfen?",
                                          clock() - timedelta(minutes=1))
    assert found is not None
    clock.advance(days=8)
    with pytest.raises(MessagingWindowClosed):
        connector.reply(_dm_target(recent, recent.created_at), "Too late")
    assert len(page.admin("GET", "replies")["replies"]) == 2
    fetched = connector.fetch_item(recent.external_id, kind="direct_message")
    assert fetched.text == recent.text and fetched.author_external_id == recent.author_external_id


def test_messaging_window_function(clock):
    now = clock()
    assert messaging_window(now - timedelta(hours=23), now) == "open"
    assert messaging_window(now - timedelta(hours=25), now) == "human_agent"
    assert messaging_window(now - timedelta(days=6, hours=23), now) == "human_agent"
    assert messaging_window(now - timedelta(days=7, minutes=1), now) == "closed"
    assert messaging_window(None, now) == "closed"


def test_expired_token(page, connector, clock):
    page.fault("expired_token", PAGE)
    with pytest.raises(AuthExpired):
        list(connector.iter_pages(None, since(clock)))
    bad = get_connector("facebook_page", page.graph_base, PAGE, "wrong-token", clock=clock)
    with pytest.raises(AuthExpired):
        list(bad.iter_pages(None, since(clock)))


def test_rate_limit_uses_estimated_time_to_regain_access(page, connector, clock):
    page.fault("rate_limit", PAGE, seconds=600)
    with pytest.raises(RateLimited) as info:
        list(connector.iter_pages(None, since(clock)))
    assert info.value.retry_after == clock() + timedelta(minutes=10)


def test_app_level_rate_limit_code_4(page, connector, clock):
    page.fault("rate_limit", PAGE, seconds=120, code=4)
    with pytest.raises(RateLimited) as info:
        connector.reply(ReplyTarget("comment", "1"), "x")
    assert info.value.retry_after == clock() + timedelta(minutes=2)


def test_usage_headers_near_the_limit_stop_the_pass_after_the_page(page, connector, clock):
    pages = connector.iter_pages(None, since(clock))
    next(pages)
    page.fault("rate_limit", PAGE, seconds=300, soft=True)
    second = next(pages)  # the answer that carried the 95% headers is still used
    assert second.items and second.cursor["pass"] is not None
    with pytest.raises(RateLimited) as info:
        next(pages)
    assert info.value.retry_after == clock() + timedelta(minutes=5)
    # the saved cursor resumes right after the page that was delivered
    resumed = next(connector.iter_pages(second.cursor, since(clock)))
    assert not {i.external_id for i in resumed.items} & {i.external_id for i in second.items}


def test_server_error_is_transient(page, connector, clock):
    page.fault("server_error", PAGE)
    with pytest.raises(TransientError):
        list(connector.iter_pages(None, since(clock)))


def test_slow_answer_times_out_as_transient(page, clock):
    fast = get_connector("facebook_page", page.graph_base, PAGE, TOKEN, clock=clock, timeout=(1, 0.3))
    page.fault("slow", PAGE, seconds=1)
    with pytest.raises(TransientError):
        list(fast.iter_pages(None, since(clock)))


def test_unexpected_error_is_a_platform_error_with_a_readable_message(page, connector, clock):
    page.fault("bad_request", PAGE)
    with pytest.raises(PlatformError) as info:
        list(connector.iter_pages(None, since(clock)))
    assert str(info.value) == "Facebook refused the request: (#100) Invalid parameter"


def test_timeout_after_write_then_find_existing_reply(page, clock, collect):
    _, items = collect(get_connector("facebook_page", page.graph_base, PAGE, TOKEN, clock=clock)
                       .iter_pages(None, since(clock)))
    comment = next(i for i in items if i.kind == "comment")
    impatient = get_connector("facebook_page", page.graph_base, PAGE, TOKEN, clock=clock, timeout=(1, 0.3))
    page.fault("timeout_after_write", PAGE, seconds=1)
    target = ReplyTarget("comment", comment.external_id, comment.thread_external_id)
    before = clock()
    with pytest.raises(TransientError):
        impatient.reply(target, "Wir kümmern uns darum.")
    found = impatient.find_existing_reply(target, "Wir kümmern uns darum.", before)
    assert found is not None
    assert len(page.admin("GET", "replies")["replies"]) == 1


def test_reply_text_limits_are_checked_before_http(connector):
    with pytest.raises(PlatformError):
        connector.reply(ReplyTarget("comment", "1"), "x" * 8001)
    with pytest.raises(PlatformError):
        connector.reply(ReplyTarget("direct_message", "m_1", "t_1", author_external_id="7"), "x" * 2001)
    with pytest.raises(PlatformError):
        connector.reply(ReplyTarget("comment", "1"), "   ")
