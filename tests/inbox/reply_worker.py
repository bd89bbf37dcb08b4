"""``python -m tests.inbox.reply_worker``: the ``agency worker replies --burst`` of the tests, with a short
platform timeout, so that a test waits for a timed-out platform call a second, not half a minute."""

from __future__ import annotations

from agency.app import create_app
from agency.config import Config
from agency.queue import AppWorker, get_queue


def main() -> None:
    app = create_app(Config.from_env().with_overrides(platform_timeout=(2.0, 0.5)))
    with app.app_context():
        AppWorker([get_queue("replies")], flask_app=app).work(burst=True)


if __name__ == "__main__":
    main()
