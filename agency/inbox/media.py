"""Images of the platforms (authors' avatars, pictures of items and of their posts), fetched by our server and
served from our origin.

The browser never loads a platform's CDN: the page's CSP stays ``img-src 'self' data:``, no fan's
browser-side tracking pixel reaches the agency's staff, and a dead CDN link shows a placeholder instead
of a broken image. What is fetched is narrowed down hard, because the address comes from a platform and
may be anything:

* only https on the platforms' own image hosts (a fixed list of CDN domains), or the exact origins
  (scheme, host and port) of the configured API bases (the sandbox in development) — never an arbitrary
  host, so the proxy cannot be pointed at internal services;
* redirects are followed by hand, at most three, and only to such hosts;
* at most ``MAX_BYTES``, read in chunks and cut off beyond it;
* only PNG, JPEG, GIF and WebP, recognised by their first bytes (the server's Content-Type is not
  trusted; SVG is refused since it can carry script);
* cached on disk under the storage folder by the address's hash for ``CACHE_SECONDS``, failures too
  (briefly), so a list of 50 rows costs at most 50 fetches once.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app

MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
TIMEOUT = (2.0, 4.0)
CACHE_SECONDS = 7 * 86400
FAILURE_SECONDS = 600
#: Image hosts of Meta, Google and YouTube (a host matches itself and its subdomains).
PLATFORM_IMAGE_DOMAINS = ("fbcdn.net", "fbsbx.com", "cdninstagram.com", "ggpht.com", "googleusercontent.com",
                          "ytimg.com", "gstatic.com")
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
               (b"GIF89a", "image/gif"))


def _placeholder_png() -> bytes:
    """A light grey 4×3 picture (shown scaled) where a platform's picture cannot be served."""
    import struct
    import zlib

    rows = b"".join(b"\x00" + b"\xe5\xe8\xec" * 4 for _ in range(3))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PLACEHOLDER_PNG = _placeholder_png()


def picture_url(media: dict | None, which: str) -> str | None:
    """The stored address of an item's picture ``"1"``…``"4"`` or of its post's (``"post"``); None if none."""
    if not isinstance(media, dict):
        return None
    if which == "post":
        url = media.get("context_image")
    elif which.isdigit() and len(which) == 1 and 1 <= int(which) <= 4:
        images = media.get("images") or []
        url = images[int(which) - 1] if int(which) <= len(images) else None
    else:
        return None
    return url if isinstance(url, str) and url else None


def forget(urls) -> int:
    """Delete the cached copies of these addresses (a person's data erased); returns how many files went."""
    removed = 0
    for url in {u for u in urls if u}:
        try:
            _cache_path(url).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


class MediaRefused(Exception):
    """The address or what it answered is not an image we serve (the reason in words, for the log)."""


@dataclass(frozen=True)
class Image:
    data: bytes
    mimetype: str


def image_type(data: bytes) -> str | None:
    """The MIME type of ``data`` by its first bytes, for the four raster formats we serve; else None."""
    for signature, mimetype in _SIGNATURES:
        if data.startswith(signature):
            return mimetype
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _configured_origins() -> set[tuple[str, str]]:
    """(scheme, host:port) of the configured platform API bases: the sandbox's own address in development."""
    config = current_app.config["AGENCY"]
    bases = (config.meta_graph_base, config.google_api_base, config.youtube_api_base)
    return {(urlsplit(base).scheme, urlsplit(base).netloc.lower()) for base in bases if urlsplit(base).netloc}


def allowed(url: str) -> bool:
    """Whether ``url`` is an http(s) address on a platform image host or a configured platform API host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return False
    if (parts.scheme, parts.netloc.lower()) in _configured_origins():
        return True
    return parts.scheme == "https" and any(host == d or host.endswith("." + d) for d in PLATFORM_IMAGE_DOMAINS)


def _download(url: str) -> Image:
    session = requests.Session()
    session.trust_env = False  # no proxy settings from the environment: the address is what we checked
    for _hop in range(MAX_REDIRECTS + 1):
        if not allowed(url):
            raise MediaRefused(f"not a platform image host: {urlsplit(url).hostname!r}")
        with session.get(url, stream=True, timeout=TIMEOUT, allow_redirects=False,
                         headers={"Accept": "image/png,image/jpeg,image/gif,image/webp"}) as response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise MediaRefused(f"answered {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise MediaRefused(f"too large ({declared} bytes)")
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > MAX_BYTES:
                    raise MediaRefused("too large")
        mimetype = image_type(bytes(data))
        if mimetype is None:
            raise MediaRefused("not a PNG, JPEG, GIF or WebP image")
        return Image(bytes(data), mimetype)
    raise MediaRefused("too many redirects")


def _cache_path(url: str) -> Path:
    folder = current_app.config["AGENCY"].resolved_storage_dir / "media-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / hashlib.sha256(url.encode()).hexdigest()


def cached_image(url: str) -> Image | None:
    """The image at ``url`` through the disk cache, or None when it cannot be served (refused or unreachable)."""
    path = _cache_path(url)
    try:
        age = time.time() - path.stat().st_mtime
        stored = path.read_bytes()
    except OSError:
        age, stored = None, b""
    if age is not None:
        if not stored and age < FAILURE_SECONDS:
            return None  # it failed a moment ago: do not ask the platform again for every row
        mimetype = image_type(stored)
        if mimetype is not None and age < CACHE_SECONDS:
            return Image(stored, mimetype)
    try:
        image = _download(url)
    except (MediaRefused, requests.RequestException) as error:
        current_app.logger.info("media proxy refused or failed for host %r: %s", urlsplit(url).hostname, error)
        _write(path, b"")
        return None
    _write(path, image.data)
    return image


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    partial.write_bytes(data)
    partial.replace(path)  # atomic: a concurrent reader sees the old file or the new one, never half of one
