"""Pictures of items and of their posts: stored at ingest (http(s) only, at most four, refreshed by newer copies),
served through our image proxy from our origin, shown in the thread and marked in the list, never another
tenant's, and gone with an erased person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.inbox import media
from agency.inbox.ingest import ingest_items
from agency.inbox.models import Interaction
from tests.conftest import login, make_channel
from tests.inbox.test_media import PNG, cdn  # noqa: F401  (the local image host fixture)


def _ingest(channel, **fields):
    values = {"external_id": "pic-1", "kind": "comment", "text": "Schaut mal!", "author_name": "Fan",
              "author_external_id": "fan-1", "created_at": datetime(2026, 11, 30, 12, tzinfo=UTC), **fields}
    ingest_items(channel, [PlatformItem(**values)])
    db.session.commit()
    return db.session.scalar(select(Interaction).where(Interaction.channel_id == channel.id,
                                                          Interaction.external_id == values["external_id"]))


def test_ingest_keeps_web_addresses_only_and_at_most_four(world):
    channel = make_channel(world.ws_a)
    item = _ingest(channel, media_urls=("javascript:alert(1)", "https://a.fbcdn.net/1.jpg", "data:image/png;x",
                                        *(f"https://a.fbcdn.net/{n}.jpg" for n in range(2, 9))),
                   context_image_url="file:///etc/passwd")
    assert item.media == {"images": [f"https://a.fbcdn.net/{n}.jpg" for n in range(1, 5)]}
    plain = _ingest(channel, external_id="pic-2")
    assert plain.media is None


def test_a_newer_copy_brings_fresh_addresses_and_an_older_one_does_not(world):
    channel = make_channel(world.ws_a)
    created = datetime(2026, 11, 30, 12, tzinfo=UTC)
    _ingest(channel, media_urls=("https://a.fbcdn.net/old.jpg",), updated_at=created + timedelta(minutes=5))
    item = _ingest(channel, media_urls=("https://a.fbcdn.net/new.jpg",), updated_at=created + timedelta(minutes=9))
    assert item.media["images"] == ["https://a.fbcdn.net/new.jpg"]
    db.session.expire_all()
    item = _ingest(channel, media_urls=("https://a.fbcdn.net/older.jpg",), updated_at=created + timedelta(minutes=1))
    assert item.media["images"] == ["https://a.fbcdn.net/new.jpg"]


def test_pictures_are_served_from_our_origin_and_shown(client, world, cdn):  # noqa: F811
    base, hits = cdn
    channel = make_channel(world.ws_a)
    item = _ingest(channel, media_urls=(f"{base}/ok.png", f"{base}/page.html"), context_image_url=f"{base}/ok.png")
    login(client, world.cm_a)
    prefix = f"/w/{world.ws_a.slug}/inbox/{item.id}/media"
    first = client.get(f"{prefix}/1")
    assert first.status_code == 200 and first.data == PNG and first.mimetype == "image/png"
    assert client.get(f"{prefix}/post").data == PNG
    assert hits["/ok.png"] == 1  # the same address once, then from the cache
    refused = client.get(f"{prefix}/2")  # not an image: a placeholder, never the host's bytes
    assert refused.status_code == 200 and refused.data == media.PLACEHOLDER_PNG
    for missing in ("3", "0", "5", "12", "post2", "-1"):
        assert client.get(f"{prefix}/{missing}").status_code == 404, missing
    thread = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
    assert f'src="{prefix}/1"' in thread and f'src="{prefix}/post"' in thread and base not in thread
    listing = client.get(f"/w/{world.ws_a.slug}/inbox/").get_data(as_text=True)
    assert "📷 2" in listing and base not in listing


def test_another_tenants_pictures_answer_404(client, world, cdn):  # noqa: F811
    base, hits = cdn
    item = _ingest(make_channel(world.ws_a), media_urls=(f"{base}/ok.png",))
    login(client, world.owner_b)
    assert client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}/media/1").status_code == 404
    assert client.get(f"/w/{world.ws_b.slug}/inbox/{item.id}/media/1").status_code == 404
    assert not hits


def test_erasing_a_person_forgets_their_pictures_and_the_cached_copies(client, world, cdn):  # noqa: F811
    from agency.privacy import services as privacy

    base, _hits = cdn
    item = _ingest(make_channel(world.ws_a), media_urls=(f"{base}/ok.png",))
    login(client, world.cm_a)
    assert client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}/media/1").status_code == 200
    with client.application.test_request_context():
        cached = media._cache_path(f"{base}/ok.png")
        assert cached.exists()
        person = privacy.find_people(world.ws_a, "fan-1")[0]
        exported = privacy.collect(world.ws_a, person)
        privacy.erase(world.owner_a, world.ws_a, person, received_on=datetime(2026, 12, 1).date())
        db.session.commit()
        assert not cached.exists()
    assert db.session.get(Interaction, item.id).media is None
    assert f"{base}/ok.png" in str(exported)  # the export, before, listed the picture
