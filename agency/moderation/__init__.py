"""Moderation on the platforms: hide, delete, like, ban, private replies and deleting our own replies,
queued like replies (at most once), audited, shown on the inbox's pages through slots."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.moderation import jobs, services, templating
    from agency.moderation.views import bp

    app.register_blueprint(bp)
    templating.init_app(app)
    wiring.add_slot(app, "thread.sidebar", "moderation/_thread.html")
    wiring.add_slot(app, "thread.reply", "moderation/_reply.html")
    wiring.add_slot(app, "inbox.row", "moderation/_row.html")
    wiring.add_slot(app, "inbox.bulk", "moderation/_bulk.html")
    wiring.provide(app, "moderation_counts", services.moderation_counts)
    wiring.add_periodic(app, jobs.sweep_stuck_actions, interval=300)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit

    audit.describe(app, actions={
        "moderation.queued": _l("Asked for a moderation action on the platform"),
        "moderation.retried": _l("Retried a moderation action"),
        "moderation.done": _l("The platform confirmed a moderation action"),
        "moderation.failed": _l("A moderation action failed"),
    }, objects={"moderationaction": audit.ObjectKind(_l("Moderation action"))})
