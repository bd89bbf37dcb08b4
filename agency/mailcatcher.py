"""A local SMTP server that keeps every message as an .eml file (the demo's mail catcher).

``agency demo`` points SMTP_URL at it, so SLA warnings and other mail can be read in
``<instance>/mail`` without a real mail server.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path


class SaveToFolder:
    """aiosmtpd handler: write each accepted message to ``folder/<time>-<n>.eml``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers):04d}.eml"
        header = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        (self.folder / name).write_bytes(header.encode() + envelope.original_content)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, folder: Path) -> None:
    """Run until interrupted."""
    from aiosmtpd.controller import Controller

    controller = Controller(SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
