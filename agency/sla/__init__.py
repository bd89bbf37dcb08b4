"""The SLA engine: business calendars, policies, due times on interactions, warnings and breaches."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.sla import jobs, services
    from agency.sla.views import bp

    app.register_blueprint(bp)
    app.add_template_global(badge_texts, "sla_badge_texts")
    services.init_signals()
    wiring.add_nav(app, _l("SLA"), "sla.board", "inbox.work", order=20)
    wiring.add_periodic(app, jobs.scan_sla, interval=60)
    _describe_audit(app)


def badge_texts() -> dict[str, str]:
    """The SLA badge's words, translated once per request (a list shows a badge on every row)."""
    from flask import g
    from flask_babel import gettext as _

    texts = g.get("_sla_badge_texts")
    if texts is None:
        texts = g._sla_badge_texts = {
            "on_track": _("on track"), "at_risk": _("at risk"), "breached": _("breached"), "met": _("SLA met"),
            "missed": _("SLA missed"), "paused": _("paused"), "due_in": _("due in {t}"),
            "overdue_by": _("overdue by {t}"), "units": "|".join((_("d"), _("h"), _("min"))),
            "due": _("due %(when)s")}
    return texts


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.sla.models import SlaCalendar
    from agency.sla.queries import policy_names

    audit.describe(app, actions={
        "sla.calendar_created": _l("Created a business calendar"),
        "sla.calendar_changed": _l("Changed a business calendar"),
        "sla.calendar_deleted": _l("Deleted a business calendar"),
        "sla.policy_saved": _l("Saved an SLA policy"),
        "sla.policy_reset": _l("Reset a workspace's SLA policy to the agency default"),
    }, objects={
        "slacalendar": audit.ObjectKind(_l("Business calendar"), audit.names_from(SlaCalendar)),
        "slapolicy": audit.ObjectKind(_l("SLA policy"), policy_names),
    })
