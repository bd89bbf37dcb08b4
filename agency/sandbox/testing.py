"""Run the sandbox in a background thread for tests: ``with running_sandbox() as sb: ...``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from agency.sandbox.app import GRAPH_PREFIX, create_sandbox_app


class _QuietHandler(WSGIRequestHandler):
    """Keeps test output readable: no access log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class RunningSandbox:
    """Handle on a sandbox served on 127.0.0.1; ``admin()`` calls the /_sandbox JSON API."""

    def __init__(self, url: str, app: Any) -> None:
        self.url = url
        self.app = app
        self.graph_base = f"{url}{GRAPH_PREFIX}"
        self.google_base = f"{url}/google"
        self.youtube_base = f"{url}/youtube/v3"
        self.http = requests.Session()

    @property
    def state(self) -> Any:
        """The live ``SandboxState`` (for assertions in tests)."""
        return self.app.extensions["sandbox_state"]

    def admin(self, method: str, path: str, **json_body: Any) -> Any:
        """Call an admin endpoint, e.g. ``admin("POST", "faults", kind="slow", seconds=2)``."""
        url = f"{self.url}/_sandbox/{path.lstrip('/')}"
        if method.upper() == "GET":
            response = self.http.get(url, params=json_body, timeout=10)
        else:
            response = self.http.request(method.upper(), url, json=json_body, timeout=10)
        response.raise_for_status()
        return response.json()

    def add_account(self, platform: str, account_id: str, name: str = "Test account", **options: Any) -> dict:
        """Create an account and return it (with its token)."""
        return self.admin("POST", "accounts", platform=platform, account_id=account_id, name=name, **options)

    def fault(self, kind: str, account_id: str = "*", count: int = 1, seconds: float = 60, **options: Any) -> dict:
        """Inject a fault for the next ``count`` requests."""
        return self.admin("POST", "faults", kind=kind, account_id=account_id, count=count, seconds=seconds,
                          **options)

    def fan(self, account_id: str, kind: str, text: str = "", **fields: Any) -> dict:
        """Post as a fan; returns the stored record."""
        return self.admin("POST", "fan", account_id=account_id, kind=kind, text=text, **fields)


@contextmanager
def running_sandbox(**kwargs: Any) -> Iterator[RunningSandbox]:
    """Start ``create_sandbox_app(**kwargs)`` on a free port in a daemon thread; stop it after."""
    app = create_sandbox_app(**kwargs)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    # A short poll interval makes shutdown() return quickly (tests start many sandboxes).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox",
                              daemon=True)
    thread.start()
    handle = RunningSandbox(f"http://127.0.0.1:{server.server_port}", app)
    try:
        yield handle
    finally:
        handle.http.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
