"""The client portal: what a client user sees of their own workspace."""

from flask import Flask


def init_app(app: Flask) -> None:
    from agency.portal.views import bp

    app.register_blueprint(bp)
