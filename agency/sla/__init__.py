"""The SLA engine: business calendars, policies, due times on interactions, warnings and breaches."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.sla import jobs, services
    from agency.sla.views import bp

    app.register_blueprint(bp)
    app.add_template_global(badge_texts, "sla_badge_texts")
    app.add_template_global(approval_waits, "sla_approval_waits")
    app.add_template_global(waited, "sla_waited")
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
            "due": _("due %(when)s"),
            "approval": _("waiting for approval since %(when)s (%(duration)s)"),
            "approval_tip": _("A reply waits for approval. The SLA clock keeps running: the time waiting for "
                              "approval counts against the SLA.")}
    return texts


def approval_waits(items) -> dict:
    """Since when a reply of each of these items has waited for approval, read once for the whole page (through
    the ``approval_waits`` provider; without one nothing waits)."""
    from agency import wiring

    provider = wiring.provided("approval_waits")
    return provider(items) if provider is not None and items else {}  # the same list: reads are kept per list


def waited(since) -> str:
    """How long something has waited since ``since``, in the countdown's words ("1 h 35 min"; static/js/sla.js
    writes its spans the same way)."""
    from agency import db

    minutes = max(0, round((db.utcnow() - since).total_seconds() / 60))
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    day, hour, minute = badge_texts()["units"].split("|")
    parts = [f"{days} {day}"] if days else []
    if hours and days < 3:
        parts.append(f"{hours} {hour}")
    if not days and (mins or not hours):
        parts.append(f"{mins} {minute}")
    return " ".join(parts)


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
