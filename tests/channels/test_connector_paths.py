"""Ids never leave their path segment: account ids by their form, ids from platform data quoted.

A comment id such as ``1001/../me`` or ``https://evil.example/x`` comes from a stranger's data (or a
tampered answer); it must not aim the channel's token at another endpoint or another host.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests

from agency.channels.connectors import (
    FacebookPageConnector,
    GoogleBusinessProfileConnector,
    InstagramBusinessConnector,
    PlatformError,
    ReplyTarget,
    YouTubeChannelConnector,
)
from agency.channels.connectors.base import UnsafeIdentifier, join_path, path_segment

PAGE, PAGE_TOKEN = "4242", "page-token-4242"
IG, IG_TOKEN = "17841400004242", "ig-token-4242"
LOC, LOC_TOKEN = "accounts/42/locations/4242", "loc-token-4242"
CHANNEL, YT_TOKEN = "UCpaths000000000000004242", "yt-token-4242"


class RecordingSession(requests.Session):
    """A session that remembers every URL it requested."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        self.urls.append(url)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def accounts(sandbox):
    sandbox.add_account("facebook_page", PAGE, "Pfad-Seite", token=PAGE_TOKEN, history_days=2, per_day=5)
    sandbox.add_account("instagram_business", IG, "Pfad IG", token=IG_TOKEN, history_days=2, per_day=5)
    sandbox.add_account("google_business_profile", LOC, "Pfad Ort", token=LOC_TOKEN, history_days=2, per_day=5)
    sandbox.add_account("youtube_channel", CHANNEL, "Pfad TV", token=YT_TOKEN, history_days=2, per_day=5)
    return sandbox


def _paths(session: RecordingSession, base: str) -> list[str]:
    for url in session.urls:
        assert url.startswith(base + "/"), url  # never another host, never outside the API base
    return [urlsplit(url).path[len(urlsplit(base).path):] for url in session.urls]


def _refused_or_none(call) -> None:
    """The platform found nothing under the quoted id (None) or refused it; never another object."""
    with contextlib.suppress(PlatformError):
        assert call() is None


HOSTILE = ["1001/../me", "me?fields=access_token", "x/comments", "https://evil.example/steal", "%2e%2e"]


def test_path_segment_quotes_everything_and_refuses_dot_segments():
    assert path_segment("1001/../me") == "1001%2F..%2Fme"
    assert path_segment("a?b#c d") == "a%3Fb%23c%20d"
    assert path_segment("%2e%2e") == "%252e%252e"
    for unusable in ("", ".", "..", None, "x" * 513):
        with pytest.raises(UnsafeIdentifier):
            path_segment(unusable)
    assert join_path("v4", "accounts", "1", "reviews", "r/1") == "v4/accounts/1/reviews/r%2F1"


def test_facebook_ids_from_platform_data_stay_one_segment(accounts, clock):
    session = RecordingSession()
    connector = FacebookPageConnector(accounts.graph_base, PAGE, PAGE_TOKEN, session=session, clock=clock)
    for hostile in HOSTILE:
        _refused_or_none(lambda id_=hostile: connector.fetch_item(id_))
        target = ReplyTarget(kind="direct_message", external_id=hostile, thread_external_id=hostile)
        _refused_or_none(lambda t=target: connector.find_existing_reply(t, "x", clock() - timedelta(days=1)))
    paths = _paths(session, accounts.graph_base)
    assert "/1001%2F..%2Fme" in paths and "/https%3A%2F%2Fevil.example%2Fsteal/messages" in paths
    assert all(path.count("/") <= 2 for path in paths), paths
    with pytest.raises(PlatformError):
        connector.fetch_item("..")


def test_instagram_and_google_quote_ids_they_put_into_paths(accounts, clock):
    session = RecordingSession()
    instagram = InstagramBusinessConnector(accounts.graph_base, IG, IG_TOKEN, session=session, clock=clock)
    with pytest.raises(PlatformError):  # not found: the id was sent as one quoted segment
        instagram.reply(ReplyTarget(kind="comment", external_id="1/../../me"), "Danke")
    assert _paths(session, accounts.graph_base) == ["/1%2F..%2F..%2Fme/replies"]

    session = RecordingSession()
    google = GoogleBusinessProfileConnector(accounts.google_base, LOC, LOC_TOKEN, session=session, clock=clock)
    _refused_or_none(lambda: google.fetch_item("r1?x=1", kind="review"))
    with pytest.raises(PlatformError):
        google.reply(ReplyTarget(kind="review", external_id="r1", thread_external_id="../../../v1/accounts"), "Danke")
    assert _paths(session, accounts.google_base) == [
        "/v4/accounts/42/locations/4242/reviews/r1%3Fx%3D1",
        "/v4/accounts/42/locations/4242/reviews/..%2F..%2F..%2Fv1%2Faccounts/reply"]


def test_youtube_links_quote_the_ids_they_contain(accounts, clock):
    connector = YouTubeChannelConnector(accounts.youtube_base, CHANNEL, YT_TOKEN, clock=clock)
    item = connector._comment_item({"id": "c1&v=evil", "snippet": {"videoId": "v1#x"}}, None)
    assert item.context_url == "https://www.youtube.com/watch?v=v1%23x"
    assert item.permalink == "https://www.youtube.com/watch?v=v1%23x&lc=c1%26v%3Devil"


@pytest.mark.parametrize(("cls", "bad"), [
    (FacebookPageConnector, "1001/../me"), (FacebookPageConnector, "me"),
    (InstagramBusinessConnector, "1/feed"), (GoogleBusinessProfileConnector, "accounts/1/locations/../2"),
    (GoogleBusinessProfileConnector, "accounts/1/locations/2/reviews"), (YouTubeChannelConnector, "UC/../x"),
])
def test_connectors_refuse_account_ids_of_the_wrong_form(cls, bad):
    with pytest.raises(UnsafeIdentifier):
        cls("http://127.0.0.1:9", bad, "token")
