"""The image proxy: authors' avatars fetched by our server, refused unless they are small raster images from
a platform's own host, cached, and never another tenant's."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agency import db
from agency.identicon import identicon_png
from agency.inbox import media
from agency.inbox.models import Interaction
from tests.conftest import login, make_channel

PNG = identicon_png("the platform's picture")


@contextmanager
def image_host():
    """A local "CDN" answering a few paths; ``hits`` counts requests per path."""
    hits: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            hits[self.path] = hits.get(self.path, 0) + 1
            routes = {
                "/ok.png": (200, "image/png", PNG),
                "/page.html": (200, "image/png", b"<!doctype html><script>alert(1)</script>"),  # lies about its type
                "/drawing.svg": (200, "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
                "/huge.png": (200, "image/png", PNG[:16] + b"\0" * (media.MAX_BYTES + 10)),
            }
            if self.path == "/hop":
                self.send_response(302)
                self.send_header("Location", "/ok.png")
                self.end_headers()
                return
            if self.path == "/away":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.2:9/internal.png")
                self.end_headers()
                return
            status, mimetype, body = routes.get(self.path, (404, "text/plain", b"no"))
            self.send_response(status)
            self.send_header("Content-Type", mimetype)
            if self.path != "/huge.png":  # the huge one does not say how large it is: the reader must stop
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()


@pytest.fixture
def cdn(app):
    """The local image host, configured as the platform's origin (as the sandbox is in development)."""
    with image_host() as (base, hits):
        original = app.config["AGENCY"]
        app.config["AGENCY"] = original.with_overrides(youtube_api_base=f"{base}/youtube/v3")
        try:
            yield base, hits
        finally:
            app.config["AGENCY"] = original


def _item(world, avatar_url: str, n: int = 0) -> Interaction:
    channel = make_channel(world.ws_a)
    item = Interaction(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, channel_id=channel.id,
                       platform="youtube_channel", external_id=f"media-{n}", kind="comment", author_name="Fan",
                       author_external_id="fan-1", author_avatar_url=avatar_url, text="Hallo",
                       platform_created_at=db.utcnow(), status="new")
    db.session.add(item)
    db.session.commit()
    return item


def test_avatar_is_served_from_our_origin_and_cached(client, world, cdn):
    base, hits = cdn
    item = _item(world, f"{base}/ok.png")
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{item.id}/avatar"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "image/png" and first.data == PNG
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(url).data == PNG
    assert hits["/ok.png"] == 1  # the second came from the cache
    page = client.get(f"/w/{world.ws_a.slug}/inbox/").get_data(as_text=True)
    assert f'src="{url}"' in page and "icons/platforms.svg#youtube_channel" in page
    assert base not in page  # the browser never gets the platform's address


@pytest.mark.parametrize("path", ["/page.html", "/drawing.svg", "/huge.png", "/away", "/missing.png"])
def test_what_is_not_a_small_raster_image_from_the_platform_is_refused(client, world, cdn, path):
    base, hits = cdn
    item = _item(world, f"{base}{path}")
    login(client, world.cm_a)
    for _twice in range(2):
        response = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}/avatar")
        # Not what the host sent: the author's pattern instead of a broken image.
        assert response.status_code == 200 and response.data == identicon_png("fan-1")
        assert response.headers["Cache-Control"] == "private, max-age=600"
    assert hits.get(path, 0) <= 1  # a failure is remembered for a while, not fetched again per row


def test_a_redirect_on_the_same_host_is_followed(client, world, cdn):
    base, _hits = cdn
    item = _item(world, f"{base}/hop")
    login(client, world.cm_a)
    assert client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}/avatar").data == PNG


def test_only_platform_hosts_are_fetched(app, cdn):
    base, _hits = cdn
    with app.test_request_context():
        assert media.allowed(f"{base}/ok.png")
        assert media.allowed("https://scontent.xx.fbcdn.net/v/t1/p.jpg")
        assert media.allowed("https://yt3.ggpht.com/abc=s88")
        for refused in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data",
                        "http://scontent.fbcdn.net/p.jpg",  # the CDNs only over https
                        "https://fbcdn.net.evil.example/p.jpg", "https://user:pw@yt3.ggpht.com/x",
                        "file:///etc/passwd", "gopher://yt3.ggpht.com/", "https://[::1]/x.png"):
            assert not media.allowed(refused), refused


def test_without_an_avatar_address_the_authors_pattern_is_served(client, world, cdn):
    item = _item(world, None)
    login(client, world.cm_a)
    response = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}/avatar")
    assert response.status_code == 200 and response.data == identicon_png("fan-1")


def test_another_agency_cannot_read_an_avatar(client, world, cdn):
    base, hits = cdn
    item = _item(world, f"{base}/ok.png")
    login(client, world.owner_b)
    assert client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}/avatar").status_code == 404
    assert client.get(f"/w/{world.ws_b.slug}/inbox/{item.id}/avatar").status_code == 404
    assert "/ok.png" not in hits


def test_the_sandbox_serves_png_avatars(platform):
    import requests

    from agency.inbox.media import image_type

    response = requests.get(f"{platform.url}/_media/avatars/UCfan123.png", timeout=5)
    assert response.status_code == 200 and image_type(response.content) == "image/png"
