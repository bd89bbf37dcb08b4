"""Every page names its icon, and browsers that ask for /favicon.ico get one too."""

from __future__ import annotations

import re


def test_favicon(client):
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert match, "no favicon link"
    icon = client.get(match.group(1))
    assert icon.status_code == 200 and icon.mimetype.startswith("image/")
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 200 and legacy.mimetype.startswith("image/")
