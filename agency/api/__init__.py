"""The public JSON API (``/api/v1``: personal access tokens, OpenAPI 3.1, rate limits, ETags) and outbound
webhooks (signed, retried for a day on the ``webhooks`` queue, refused for non-public targets).

It sits last among the packages: it exposes what the others built, through their own services.
"""

import os

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.api import hooks, webhooks  # noqa: F401  (webhooks registers its job)
    from agency.api.views import bp
    from agency.api.views.profile import pages
    from agency.api.views.webhook_pages import pages as webhook_pages
    from agency.billing.signals import invoice_paid
    from agency.community.signals import incident_opened
    from agency.extensions import csrf, limiter
    from agency.inbox.signals import interaction_changed, interactions_received, reply_sent
    from agency.reports.signals import report_published
    from agency.sla.signals import sla_alerted

    # Bearer tokens only (never the session cookie), so the API needs no CSRF token; Flask-Limiter's
    # per-IP limits are replaced by the per-token limit with RateLimit-* headers (agency.api.auth).
    csrf.exempt(bp)
    limiter.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(pages)
    app.register_blueprint(webhook_pages)
    allowed = os.environ.get("AGENCY_WEBHOOK_ALLOWED_TARGETS", "")
    app.config.setdefault("WEBHOOK_ALLOWED_TARGETS", tuple(t.strip().lower() for t in allowed.split(",") if t.strip()))
    wiring.add_slot(app, "profile", "api/_profile_link.html")
    interactions_received.connect(hooks.on_interactions_received, weak=False)
    interaction_changed.connect(hooks.on_interaction_changed, weak=False)
    reply_sent.connect(hooks.on_reply_sent, weak=False)
    sla_alerted.connect(hooks.on_sla_alerted, weak=False)
    incident_opened.connect(hooks.on_incident_opened, weak=False)
    report_published.connect(hooks.on_report_published, weak=False)
    invoice_paid.connect(hooks.on_invoice_paid, weak=False)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit

    audit.describe(app, actions={
        "api.token_created": _l("Created an API token"),
        "api.token_revoked": _l("Revoked an API token"),
        "api.webhook_created": _l("Subscribed a webhook"),
        "api.webhook_deleted": _l("Deleted a webhook"),
    }, objects={
        "api_token": audit.ObjectKind(_l("API token")),
        "webhook": audit.ObjectKind(_l("Webhook")),
    })
