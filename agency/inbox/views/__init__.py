"""Inbox pages: the list (all workspaces or one), the thread, rules settings."""

from flask import Blueprint, g

bp = Blueprint("inbox", __name__)


@bp.app_template_global()
def inbox_url_args() -> dict:
    """The current list's filter as query arguments (thread links keep the list's context)."""
    flt = g.get("inbox_filter")
    return flt.as_args() if flt is not None else {}


from agency.inbox.views import listing, settings, thread  # noqa: E402,F401  (routes register on bp)
