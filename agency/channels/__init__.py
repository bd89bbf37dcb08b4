"""Channels: connected social accounts, their credentials, connectors and webhook parsing."""

from flask import Flask


def init_app(app: Flask) -> None:
    from agency.channels.views import bp, oauth_bp

    app.register_blueprint(bp)
    app.register_blueprint(oauth_bp)
