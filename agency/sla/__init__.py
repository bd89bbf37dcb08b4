"""The SLA engine: business calendars, policies, due times on interactions, warnings and breaches."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.sla import jobs, services
    from agency.sla.views import bp

    app.register_blueprint(bp)
    services.init_signals()
    wiring.add_nav(app, _l("SLA"), "sla.board", "inbox.work", order=20)
    wiring.add_periodic(app, jobs.scan_sla, interval=60)
