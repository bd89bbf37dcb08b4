"""Monthly client reports: figures from every domain (SQL), server-side SVG charts, one template for the web
and a tagged PDF, a lifecycle (generating → draft → published), share links, staff analytics.

Reports reads the other domains through their queries (and billing and moderation through the providers of
``agency.wiring``) and writes only its own tables.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
