"""Each connector says how long an answer may be and in what unit; the check and the composer's hint agree."""

from __future__ import annotations

import pytest

from agency.channels.connectors import CONNECTORS, PlatformError
from agency.channels.connectors.base import ReplyLimit, ReplyTarget
from agency.errors import ValidationError
from agency.inbox.replies import queue_reply
from tests.conftest import login, make_channel


def test_connectors_answer_limit_and_unit_per_target():
    assert CONNECTORS["facebook_page"].reply_limit("comment") == ReplyLimit(8000, "characters")
    assert CONNECTORS["facebook_page"].reply_limit("direct_message") == ReplyLimit(2000, "characters")
    assert CONNECTORS["instagram_business"].reply_limit("comment") == ReplyLimit(2200, "characters")
    assert CONNECTORS["google_business_profile"].reply_limit("review") == ReplyLimit(4096, "bytes")
    assert CONNECTORS["youtube_channel"].reply_limit("reply") == ReplyLimit(10_000, "characters")
    assert CONNECTORS["facebook_page"].has_messaging_window("direct_message")
    assert not CONNECTORS["facebook_page"].has_messaging_window("comment")
    assert not CONNECTORS["instagram_business"].has_messaging_window("direct_message")
    assert ReplyLimit(4, "bytes").measure("äö") == 4 and ReplyLimit(4).measure("äö") == 2


def test_google_connector_refuses_too_many_bytes_in_its_own_words():
    connector = CONNECTORS["google_business_profile"]("http://127.0.0.1:9", "accounts/1/locations/2", "t")
    with pytest.raises(PlatformError, match="4096 bytes"):
        connector.reply(ReplyTarget(kind="review", external_id="r1"), "ä" * 2049)


@pytest.fixture
def review(world, make_interaction):
    channel = make_channel(world.ws_a, "google_business_profile")
    return make_interaction(world.ws_a, kind="review", channel=channel, text="Leckere Brötchen!",
                            rating=5)


def test_google_limit_is_counted_and_named_in_bytes(world, review):
    umlauts = "ä" * 2100  # 2,100 characters, 4,200 bytes
    with pytest.raises(ValidationError) as refused:
        queue_reply(world.cm_a, review, umlauts)
    assert "4096 bytes" in refused.value.message and "4200" in refused.value.message
    assert queue_reply(world.cm_a, review, "a" * 4096).status == "queued"


def test_composer_hint_uses_the_same_limit_and_unit(client, world, review, make_interaction):
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{review.id}").get_data(as_text=True)
    assert "at most 4096 bytes" in page and 'data-limit="4096"' in page and 'data-unit="bytes"' in page
    comment = make_interaction(world.ws_a, channel=make_channel(world.ws_a, "facebook_page"), text="Hallo")
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{comment.id}").get_data(as_text=True)
    assert "at most 8000 characters" in page and 'data-unit="characters"' in page
