"""``/_media/avatars/<author>.png``: the sandbox's profile pictures, as the platforms' CDNs serve them.

An identicon per author id (``agency.identicon``), so that the demo's avatars go through the same image
proxy as a real platform's.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from agency.identicon import identicon_png

bp = Blueprint("sandbox_avatars", __name__)


def avatar_url(author_id: str) -> str:
    """The address of an author's picture on the sandbox serving the current request."""
    return f"{request.host_url}_media/avatars/{author_id}.png"


def png_response(data: bytes) -> Response:
    """A picture as a platform's CDN serves it: PNG, cacheable for a day (the sandbox's avatars and photos)."""
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/_media/avatars/<author_id>.png")
def avatar(author_id: str):
    if not author_id or len(author_id) > 100:
        abort(404)
    return png_response(identicon_png(author_id))
