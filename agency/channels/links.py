"""Links that come from platforms (permalinks, post and conversation links), checked before any ``href``.

A link in platform data is written by whoever can put data there: a ``javascript:`` or ``data:``
URL, a look-alike host (``facebook.com.evil.example``), a userinfo trick
(``https://facebook.com@evil.example``) or a backslash that browsers read as a slash. Only
``https:``/``http:`` links to the platform's own hosts pass — its public web hosts and the host of
the API base URL we are configured with (the sandbox in the demo and in tests). Anything else
shows no link at all. Templates use the ``platform_link`` filter for every platform link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from agency.channels.models import Platform

#: The platforms' public web hosts; their subdomains count too (www., m., business. …).
PUBLIC_HOSTS: dict[str, tuple[str, ...]] = {
    Platform.FACEBOOK_PAGE: ("facebook.com", "fb.com", "messenger.com"),
    Platform.INSTAGRAM_BUSINESS: ("instagram.com", "facebook.com"),
    Platform.GOOGLE_BUSINESS_PROFILE: ("google.com", "g.page"),
    Platform.YOUTUBE_CHANNEL: ("youtube.com", "youtu.be"),
}
#: Where a path-only link of a platform points (Graph gives conversation links as paths).
WEB_ORIGINS: dict[str, str] = {
    Platform.FACEBOOK_PAGE: "https://www.facebook.com",
    Platform.INSTAGRAM_BUSINESS: "https://www.instagram.com",
    Platform.GOOGLE_BUSINESS_PROFILE: "https://www.google.com",
    Platform.YOUTUBE_CHANNEL: "https://www.youtube.com",
}
MAX_LENGTH = 2000
_HOST_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
_DEFAULT_PORTS = {"https": 443, "http": 80}


def platform_link(url: object, platform: str | None) -> str | None:
    """``url`` when it is a web link to ``platform``'s own hosts, else None (show no link)."""
    if not isinstance(url, str) or not url or len(url) > MAX_LENGTH or platform not in PUBLIC_HOSTS:
        return None
    if "\\" in url or any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in url):
        return None  # browsers drop tabs/newlines and read "\" as "/", so the URL they see differs
    if url.startswith("/") and not url.startswith("//"):
        url = WEB_ORIGINS[platform] + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or "@" in parts.netloc:
        return None
    host = (parts.hostname or "").lower()
    if _is_public_host(host, platform) and port in (None, _DEFAULT_PORTS[parts.scheme.lower()]):
        return url
    if parts.netloc.lower() in _configured_netlocs(platform):
        return url
    return None


def _is_public_host(host: str, platform: str) -> bool:
    if not _HOST_RE.fullmatch(host):
        return False
    return any(host == domain or host.endswith("." + domain) for domain in PUBLIC_HOSTS[platform])


def _configured_netlocs(platform: str) -> set[str]:
    """host[:port] of the API base URLs we talk to for ``platform`` (the sandbox in the demo and tests)."""
    if not has_app_context():
        return set()
    config = current_app.config["AGENCY"]
    bases = {
        Platform.FACEBOOK_PAGE: (config.meta_graph_base,),
        Platform.INSTAGRAM_BUSINESS: (config.meta_graph_base,),
        Platform.GOOGLE_BUSINESS_PROFILE: (config.google_api_base, config.google_accounts_base,
                                           config.google_info_base),
        Platform.YOUTUBE_CHANNEL: (config.youtube_api_base,),
    }[Platform(platform)]
    return {urlsplit(base).netloc.lower() for base in bases if base}
