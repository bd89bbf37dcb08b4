"""Community pages: tone settings, saved replies, experts and escalations, crisis plan and incidents,
engagement opportunities, the JSON endpoints behind the composer, and the expert's public answer page."""

from flask import Blueprint

bp = Blueprint("community", __name__)

from agency.community.views import (  # noqa: E402,F401  (routes register on bp)
    composer,
    crisis,
    experts,
    opportunities,
    public,
    saved_replies,
    tone,
)
