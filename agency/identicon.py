"""Identicons: a small symmetric pattern per key, encoded as PNG by hand (zlib and a CRC are all PNG needs).

The sandbox serves them as its fans' profile pictures; the image proxy shows one where a platform's
picture cannot be fetched, so a row never shows a broken image.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

SIZE = 5  # cells per side
CELL = 8  # pixels per cell


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def identicon_png(key: str) -> bytes:
    """A 40×40 PNG: a mirrored 5×5 pattern in a colour taken from ``key``'s hash on a light ground."""
    digest = hashlib.sha256(key.encode()).digest()
    colour = bytes((digest[0] // 2 + 40, digest[1] // 2 + 40, digest[2] // 2 + 40))
    ground = b"\xee\xf1\xf5"
    cells = [[(digest[3 + row * 3 + min(col, SIZE - 1 - col)] & 1) == 1 for col in range(SIZE)]
             for row in range(SIZE)]
    rows = []
    for row in cells:
        line = b"".join((colour if on else ground) * CELL for on in row)
        rows.extend([b"\x00" + line] * CELL)  # filter type 0 per scanline
    width = height = SIZE * CELL
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + _chunk(b"IEND", b""))
