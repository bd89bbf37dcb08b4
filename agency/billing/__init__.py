"""Billing: rates, retainers and fixed fees, invoice drafts from approved time, invoices of record (German
§14 UStG PDF/A-3 with an embedded EN 16931 e-invoice), payment through Stripe and Stripe's webhooks.

Wired here: the billing pages and the Stripe webhook, the "Billing" navigation entry, the jobs, the
providers the portal and reports read (``invoiced_amount``, ``portal_invoices``) and the audit phrases.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.billing import jobs, queries
    from agency.billing.views import bp
    from agency.billing.webhooks import bp as webhooks_bp

    app.register_blueprint(bp)
    app.register_blueprint(webhooks_bp)
    wiring.add_nav(app, _l("Billing"), "billing.overview", "billing.manage", order=40)
    wiring.provide(app, "invoiced_amount", queries.invoiced_amount)
    wiring.provide(app, "portal_invoices", queries.portal_invoices)
    wiring.add_periodic(app, jobs.sweep_lost_sends, interval=600)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit

    audit.describe(app, actions={
        "billing.details_saved": _l("Changed the agency's legal details"),
        "billing.workspace_saved": _l("Changed a client's billing settings"),
        "billing.rate_saved": _l("Set an hourly rate"),
        "billing.drafted": _l("Drafted an invoice"),
        "billing.line_added": _l("Added an invoice line"),
        "billing.line_changed": _l("Changed an invoice line"),
        "billing.line_removed": _l("Removed an invoice line"),
        "billing.draft_discarded": _l("Discarded an invoice draft"),
        "billing.finalised": _l("Finalised an invoice"),
        "billing.cancelled": _l("Cancelled an invoice"),
        "billing.send_requested": _l("Sent an invoice for payment"),
        "billing.sent": _l("Stripe sent an invoice"),
        "billing.stripe_status": _l("Stripe changed an invoice's status"),
    }, objects={"invoice": audit.ObjectKind(_l("Invoice"))})
