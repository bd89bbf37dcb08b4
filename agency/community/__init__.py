"""Community management practice: one voice (tone guide, persona, the reply checker), saved replies,
experts and escalations, crisis plans, shitstorm detection and incidents, engagement opportunities."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.community import jobs, templating
    from agency.community.services import engagement, voice
    from agency.community.views import bp
    from agency.inbox.signals import reply_sent

    app.register_blueprint(bp)
    templating.init_app(app)
    reply_sent.connect(engagement.on_reply_sent, weak=False)
    reply_sent.connect(voice.on_reply_sent, weak=False)  # the checker's verdict on every reply that went out
    # Where the inbox shows us: beside the composer, in the thread's sidebar, across the inbox.
    wiring.add_slot(app, "thread.composer", "community/_composer.html")
    wiring.add_slot(app, "thread.sidebar", "community/_sidebar.html")
    wiring.add_slot(app, "inbox.banner", "community/_banner.html")
    wiring.add_slot(app, "inbox.side", "community/_inbox_side.html")
    wiring.provide(app, "banned_word_matcher", voice.banned_word_matcher)  # inbox rules' "word to avoid"
    wiring.add_workspace_link(app, _l("Opportunities"), "community.opportunities", order=20)
    wiring.add_workspace_link(app, _l("Saved replies"), "community.saved_replies_index", order=40)
    wiring.add_workspace_link(app, _l("Tone"), "community.tone_settings", order=41)
    wiring.add_workspace_link(app, _l("Experts"), "community.experts_index", order=42)
    wiring.add_workspace_link(app, _l("Crisis plan"), "community.crisis_plan", order=43)
    wiring.add_periodic(app, jobs.detect_storms, interval=300)
    wiring.add_periodic(app, jobs.remind_experts, interval=300)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.community.models import CrisisIncident, Expert, SavedReply

    audit.describe(app, actions={
        "community.tone_saved": _l("Changed the tone of voice"),
        "community.saved_reply_saved": _l("Saved a saved reply"),
        "community.saved_reply_deleted": _l("Deleted a saved reply"),
        "community.expert_saved": _l("Saved an expert"),
        "community.expert_removed": _l("Removed an expert"),
        "community.escalated": _l("Escalated to an expert"),
        "community.escalation_cancelled": _l("Withdrew an escalation"),
        "community.escalation_settings_saved": _l("Changed the escalation settings"),
        "community.expert_answered": _l("An expert answered"),
        "community.crisis_plan_saved": _l("Changed the crisis plan"),
        "community.detection_settings_saved": _l("Changed the shitstorm detection"),
        "community.incident_opened": _l("Opened a crisis incident"),
        "community.incident_closed": _l("Closed a crisis incident"),
    }, objects={
        "savedreply": audit.ObjectKind(_l("Saved reply"), audit.names_from(SavedReply, SavedReply.title)),
        "expert": audit.ObjectKind(_l("Expert"), audit.names_from(Expert)),
        "crisisincident": audit.ObjectKind(_l("Crisis incident"), audit.names_from(CrisisIncident,
                                                                                   CrisisIncident.title)),
        "escalation": audit.ObjectKind(_l("Escalation")),
        "toneguide": audit.ObjectKind(_l("Tone of voice")),
        "crisisplan": audit.ObjectKind(_l("Crisis plan")),
        "communitysettings": audit.ObjectKind(_l("Community settings")),
    })
