"""Google Business Profile connector against the sandbox over real HTTP."""

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

LOC = "accounts/42/locations/7"
TOKEN = "gbp-token"


@pytest.fixture
def account(sandbox):
    sandbox.add_account("google_business_profile", LOC, "Shop Mitte", token=TOKEN, history_days=10, per_day=6)
    return sandbox


@pytest.fixture
def connector(account, clock):
    return get_connector("google_business_profile", account.google_base, LOC, TOKEN, clock=clock,
                         timeout=(2, 2), page_size=7)


def since(clock):
    return clock() - timedelta(days=11)


def test_backfill_reviews_with_stars(connector, clock, collect):
    pages, items = collect(connector.iter_pages(None, since(clock)))
    assert len(pages) > 3 and pages[-1].done
    assert all(i.kind == "review" and 1 <= i.rating <= 5 for i in items)
    ids = [i.external_id for i in items]
    assert len(ids) == len(set(ids))
    assert 40 <= len(items) <= 60
    assert pages[-1].cursor["extra"]["total_reviews"] == len(items)


def test_resume_and_incremental(connector, account, clock, collect):
    pages, items = collect(connector.iter_pages(None, since(clock)))
    _, resumed = collect(connector.iter_pages(pages[1].cursor, since(clock)))
    assert [i.external_id for i in resumed] == [i.external_id for p in pages[2:] for i in p.items]
    clock.advance(days=1)
    _, second = collect(connector.iter_pages(pages[-1].cursor, since(clock)))
    known = {i.external_id for i in items}
    new = [i for i in second if i.external_id not in known]
    assert new and len(second) < len(items)
    assert all((i.updated_at or i.created_at) >= clock() - timedelta(days=1, hours=2) for i in second)


def test_edit_moves_review_into_the_next_pass_and_delete_is_seen(connector, account, clock, collect):
    pages, items = collect(connector.iter_pages(None, since(clock)))
    old = items[-1]
    account.admin("POST", "items/edit", account_id=LOC, id=old.external_id, text="Changed my mind, 5 stars!")
    clock.advance(minutes=10)
    _, second = collect(connector.iter_pages(pages[-1].cursor, since(clock)))
    edited = next(i for i in second if i.external_id == old.external_id)
    assert edited.text == "Changed my mind, 5 stars!" and edited.updated_at > old.created_at
    account.admin("POST", "items/delete", account_id=LOC, id=old.external_id)
    assert connector.fetch_item(old.external_id) is None


def test_reply_and_find_existing(connector, account, clock, collect):
    _, items = collect(connector.iter_pages(None, since(clock)))
    review = items[0]
    target = ReplyTarget("review", review.external_id, review.external_id)
    before = clock()
    sent = connector.reply(target, "Vielen Dank für Ihre Bewertung!")
    assert sent.external_id == f"{review.external_id}/reply"
    assert connector.find_existing_reply(target, "Vielen Dank für Ihre Bewertung!", before) is not None
    assert connector.find_existing_reply(target, "something else", before) is None
    _, again = collect(connector.iter_pages(None, since(clock)))
    own = [i for i in again if i.is_own]
    assert [(o.external_id, o.parent_external_id, o.text) for o in own] == [
        (sent.external_id, review.external_id, "Vielen Dank für Ihre Bewertung!")]
    with pytest.raises(PlatformError):
        connector.reply(target, "ü" * 2049)  # 4098 bytes


def test_faults(connector, account, clock):
    account.fault("expired_token", LOC)
    with pytest.raises(AuthExpired):
        list(connector.iter_pages(None, since(clock)))
    account.fault("rate_limit", LOC, seconds=90)
    with pytest.raises(RateLimited) as info:
        list(connector.iter_pages(None, since(clock)))
    assert info.value.retry_after == clock() + timedelta(seconds=90)
    account.fault("server_error", LOC)
    with pytest.raises(TransientError):
        list(connector.iter_pages(None, since(clock)))
    account.fault("bad_request", LOC)
    with pytest.raises(PlatformError, match="Google refused the request: Request contains an invalid argument"):
        list(connector.iter_pages(None, since(clock)))
