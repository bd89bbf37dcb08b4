"""The SLA engine: business calendars, policies, due times on interactions, warnings and breaches."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency.sla import services
    from agency.sla.views import bp

    app.register_blueprint(bp)
    services.init_signals()
    app.extensions.setdefault("agency.nav", []).append((_l("SLA"), "sla.board", "inbox.work"))
