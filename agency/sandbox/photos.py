"""``/_media/photos/<key>.png``: the sandbox's pictures of posts, comment photos and message images.

The platforms hand out picture addresses on their CDNs; the sandbox hands out its own, so that the demo's
thumbnails go through the same image proxy as a real platform's. Each picture is a small landscape whose
colours come from the key (no files shipped, the same key always gives the same picture).
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from flask import Blueprint, abort, request

from agency.sandbox.avatars import png_response

bp = Blueprint("sandbox_photos", __name__)
WIDTH, HEIGHT = 160, 120


def photo_url(key: str) -> str:
    """The address of a picture on the sandbox serving the current request."""
    return f"{request.host_url}_media/photos/{key}.png"


def has_photo(item_id: str) -> bool:
    """Whether an item (comment, message) carries a photo: about one in six, the same on every call."""
    return hashlib.sha256(f"photo:{item_id}".encode()).digest()[0] % 6 == 0


def landscape_png(key: str) -> bytes:
    """A sky, a hill and a sun in colours taken from ``key``'s hash."""
    digest = hashlib.sha256(key.encode()).digest()
    sky = bytes((120 + digest[0] % 100, 160 + digest[1] % 80, 200 + digest[2] % 55))
    hill = bytes((40 + digest[3] % 80, 110 + digest[4] % 100, 40 + digest[5] % 60))
    sun = b"\xff\xd5\x4f"
    crest, sun_x = 60 + digest[6] % 30, 30 + digest[7] % 100
    rows = []
    for y in range(HEIGHT):
        line = bytearray(b"\x00")
        for x in range(WIDTH):
            ground = y > crest + ((x - WIDTH // 2) ** 2) // 180
            in_sun = (x - sun_x) ** 2 + (y - 25) ** 2 < 140
            line += hill if ground else sun if in_sun else sky
        rows.append(bytes(line))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
            + chunk(b"IEND", b""))


@bp.get("/_media/photos/<key>.png")
def photo(key: str):
    if not key or len(key) > 120:
        abort(404)
    return png_response(landscape_png(key))
