"""Links from platform data become an href only as http(s) to the platform's own hosts."""

from __future__ import annotations

import pytest

from agency.channels.links import platform_link

REFUSED = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "https://evil.example/facebook.com",
    "https://facebook.com.evil.example/posts/1",
    "https://evilfacebook.com/posts/1",
    "https://www.facebook.com@evil.example/",
    "https://user:pass@www.facebook.com/",
    "https://evil.example\\@www.facebook.com/",
    "https://evil.example\\.facebook.com/",
    "//evil.example/x",
    "https:///evil.example",
    "https://www.facebook.com:8443/x",
    "https://www.facebook.com:99999/x",
    "ftp://www.facebook.com/x",
    "https://www.facebook.com/\nx",
    "https://xn--facebok-y0a.com/",  # punycode look-alike is another host
    "https://faceb\u043eok.com/",  # Cyrillic o
    "https://127.0.0.1:1/x",
    "",
    None,
    "https://www.facebook.com/" + "x" * 2100,
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_links(app, url):
    assert platform_link(url, "facebook_page") is None


@pytest.mark.parametrize(("url", "platform"), [
    ("https://www.facebook.com/1001/posts/7", "facebook_page"),
    ("https://m.facebook.com/story.php?id=1", "facebook_page"),
    ("http://facebook.com/x", "facebook_page"),
    ("https://www.facebook.com:443/x", "facebook_page"),
    ("https://www.instagram.com/p/abc/", "instagram_business"),
    ("https://www.youtube.com/watch?v=abc&lc=def", "youtube_channel"),
    ("https://youtu.be/abc", "youtube_channel"),
    ("https://search.google.com/local/reviews?placeid=1", "google_business_profile"),
    ("https://g.page/r/abc/review", "google_business_profile"),
])
def test_platform_hosts_pass(app, url, platform):
    assert platform_link(url, platform) == url


def test_hosts_of_one_platform_do_not_pass_for_another(app):
    assert platform_link("https://www.youtube.com/watch?v=1", "facebook_page") is None
    assert platform_link("https://www.facebook.com/x", "youtube_channel") is None
    assert platform_link("https://www.facebook.com/x", "no-such-platform") is None


def test_path_links_point_at_the_platforms_site(app):
    assert platform_link("/1001/inbox/t_1", "facebook_page") == "https://www.facebook.com/1001/inbox/t_1"
    assert platform_link("//evil.example/x", "facebook_page") is None


def test_the_configured_api_host_passes(app):
    """The sandbox plays the platforms in the demo and in tests: its host is the platform's host there."""
    original = app.config["AGENCY"]
    app.config["AGENCY"] = original.with_overrides(meta_graph_base="http://127.0.0.1:5055/graph/v26.0")
    try:
        assert platform_link("http://127.0.0.1:5055/fan/1", "facebook_page") == "http://127.0.0.1:5055/fan/1"
        assert platform_link("http://127.0.0.1:5056/fan/1", "facebook_page") is None
        assert platform_link("http://127.0.0.1:5055/fan/1", "youtube_channel") is None
        assert platform_link("http://127.0.0.1:5055@evil.example/", "facebook_page") is None
    finally:
        app.config["AGENCY"] = original

