"""The staff home page: numbers from every domain's queries."""

from flask import Flask


def init_app(app: Flask) -> None:
    from agency.dashboard.views import bp

    app.register_blueprint(bp)
