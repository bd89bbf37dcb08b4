"""The sandbox app factory: Meta Graph, Google Business Profile, YouTube and their OAuth pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider

from agency.sandbox.common import escape_surrogates
from agency.sandbox.state import SandboxState

log = logging.getLogger(__name__)

GRAPH_PREFIX = "/graph/v26.0"

#: Accounts a fresh sandbox starts with, so `agency sandbox` and the demo have something to show.
DEFAULT_ACCOUNTS = [
    {"platform": "facebook_page", "account_id": "1001", "name": "Bäckerei Sonnenschein",
     "token": "sandbox-facebook-1001"},
    {"platform": "instagram_business", "account_id": "17841400000001", "name": "Bäckerei Sonnenschein IG",
     "token": "sandbox-instagram-17841400000001", "username": "baeckerei.sonnenschein", "page_id": "1001"},
    {"platform": "google_business_profile", "account_id": "accounts/2001/locations/3001",
     "name": "Bäckerei Sonnenschein Berlin-Mitte", "token": "sandbox-google-3001"},
    {"platform": "youtube_channel", "account_id": "UCsandbox0000000000000001", "name": "Sonnenschein TV",
     "token": "sandbox-youtube-1"},
]


class _SandboxJSON(DefaultJSONProvider):
    """Readable UTF-8 (no \\u escapes for umlauts), but every string stays sendable."""

    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return escape_surrogates(super().dumps(obj, **kwargs))


def create_sandbox_app(
    seed: int = 42,
    now: Callable[[], datetime] | None = None,
    state_file: str | None = None,
    *,
    default_accounts: bool = True,
    webhook_url: str | None = None,
    app_secret: str | None = None,
) -> Flask:
    """Build the sandbox: same paths, paging and error shapes as the real APIs.

    ``now`` drives the traffic timeline (items up to now() are visible); ``state_file`` keeps
    accounts and posted items across restarts; ``webhook_url`` + ``app_secret`` make fan posts
    send signed Meta webhooks.
    """
    from agency.sandbox import (  # noqa: F401
        admin,
        avatars,
        google,
        graph,
        graph_moderation,
        graph_writes,
        oauth_pages,
        photos,
        youtube,
    )

    app = Flask(__name__)
    app.json = _SandboxJSON(app)
    app.config.update(SANDBOX_WEBHOOK_URL=webhook_url, SANDBOX_APP_SECRET=app_secret, JSON_SORT_KEYS=False)
    state = SandboxState(seed, now or (lambda: datetime.now(UTC)), state_file)
    app.extensions["sandbox_state"] = state
    if default_accounts and not state.accounts:
        for spec in DEFAULT_ACCOUNTS:
            state.add_account(**spec)
    app.register_blueprint(graph.bp, url_prefix=GRAPH_PREFIX)
    app.register_blueprint(google.bp, url_prefix="/google")
    app.register_blueprint(youtube.bp, url_prefix="/youtube/v3")
    app.register_blueprint(admin.bp, url_prefix="/_sandbox")
    app.register_blueprint(oauth_pages.bp)
    app.register_blueprint(avatars.bp)
    app.register_blueprint(photos.bp)

    @app.errorhandler(404)
    def unknown_path(_error):  # type: ignore[no-untyped-def]
        # An unknown path answers in the platform's own error shape, as the real APIs do.
        from flask import request

        if request.path.startswith(GRAPH_PREFIX):
            return graph.graph_error("Unknown path components", 2500, 400)
        if request.path.startswith(("/google/", "/youtube/")):
            return google.google_error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
        return jsonify({"error": "not found"}), 404

    @app.get("/")
    def index():  # type: ignore[no-untyped-def]
        return jsonify({"graph": GRAPH_PREFIX, "google": "/google", "youtube": "/youtube/v3",
                        "admin": "/_sandbox/"})

    return app


def run_sandbox(host: str = "127.0.0.1", port: int = 5055, *, seed: int = 42, state_file: str | None = None,
                **options: object) -> None:
    """Serve the sandbox until interrupted (used by ``agency sandbox``)."""
    from werkzeug.serving import run_simple

    app = create_sandbox_app(seed=seed, state_file=state_file, **options)  # type: ignore[arg-type]
    base = f"http://{host}:{port}"
    log.info("sandbox on %s: META_GRAPH_BASE=%s%s GOOGLE_API_BASE=%s/google YOUTUBE_API_BASE=%s/youtube/v3",
             base, base, GRAPH_PREFIX, base, base)
    run_simple(host, port, app, threaded=True, use_reloader=False)
