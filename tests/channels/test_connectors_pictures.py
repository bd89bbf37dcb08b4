"""Pictures of items and of their posts, read by the Meta connectors from the sandbox over HTTP as the Graph API
references describe them (``full_picture``, a comment's ``attachment``, a message's ``attachments``, IG
``media_url``)."""

from __future__ import annotations

from datetime import timedelta

from agency.channels.connectors import get_connector

PAGE, TOKEN = "5001", "fb-token-5001"
IG_USER, IG_TOKEN = "17841400000000077", "ig-token-77"


def test_facebook_posts_comments_and_messages_bring_their_pictures(sandbox, clock, collect):
    sandbox.add_account("facebook_page", PAGE, "Café Test", token=TOKEN, history_days=5, per_day=12)
    connector = get_connector("facebook_page", sandbox.graph_base, PAGE, TOKEN, clock=clock, page_size=50)
    _pages, items = collect(connector.iter_pages(None, clock() - timedelta(days=6)))
    comments = [i for i in items if i.kind in ("comment", "reply")]
    assert comments and all(i.context_image_url and "/_media/photos/" in i.context_image_url for i in comments)
    with_photo = [i for i in items if i.media_urls]
    assert with_photo, "about one in six fan items carries a photo"
    assert {i.kind for i in with_photo} <= {"comment", "reply", "direct_message"}
    assert all(len(i.media_urls) == 1 and i.media_urls[0].endswith(".png") for i in with_photo)
    assert not any(i.media_urls for i in items if i.is_own)
    # Exactly the fan comments and messages the sandbox gave a photo arrive with one.
    from agency.sandbox.photos import has_photo

    fans = [i for i in items if not i.is_own and i.kind in ("comment", "reply", "direct_message")]
    assert [bool(i.media_urls) for i in fans] == [has_photo(i.external_id) for i in fans]


def test_instagram_comments_carry_their_media_and_mentions_the_tagged_picture(sandbox, clock, collect):
    sandbox.add_account("instagram_business", IG_USER, "cafe.test", token=IG_TOKEN, history_days=5, per_day=12)
    connector = get_connector("instagram_business", sandbox.graph_base, IG_USER, IG_TOKEN, clock=clock, page_size=50)
    _pages, items = collect(connector.iter_pages(None, clock() - timedelta(days=6)))
    comments = [i for i in items if i.kind in ("comment", "reply")]
    assert comments and all(i.context_image_url for i in comments)
    mentions = [i for i in items if i.kind == "mention"]
    assert all(len(i.media_urls) == 1 for i in mentions)


def test_odd_picture_fields_are_ignored():
    from agency.channels.connectors.facebook_page import _attachment_pictures, _message_pictures
    from agency.channels.connectors.instagram_business import picture_of

    assert _attachment_pictures(None) == () and _attachment_pictures({"media": "x"}) == ()
    assert _attachment_pictures({"media": {"image": {"src": 7}}}) == ()
    assert _message_pictures({"data": [{"mime_type": "audio/mpeg"}, "x", {"image_data": {"url": ""}}]}) == ()
    assert _message_pictures({"data": [{"image_data": {"url": "https://a/x.png", "preview_url": "https://a/p.png"}}]}) \
        == ("https://a/p.png",)
    assert picture_of({"media_type": "VIDEO", "media_url": "https://v/x.mp4", "thumbnail_url": "https://v/t.jpg"}) \
        == "https://v/t.jpg"
    assert picture_of({"media_type": "IMAGE", "media_url": None}) is None
