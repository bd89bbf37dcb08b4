"""Moderation on the platforms: hide, delete, like, ban, private replies and deleting our own replies,
queued like replies (at most once), audited, shown on the inbox's pages through slots."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.inbox.signals import interaction_changed, interactions_received, rule_moderation
    from agency.moderation import (  # noqa: F401  (routes)
        approval_views,
        approvals,
        assignment,
        assignment_views,
        automod,
        automod_views,
        desktop,
        jobs,
        live,
        services,
        team_views,
        teams,
        templating,
    )
    from agency.moderation.views import bp
    from agency.sla.signals import sla_alerted

    app.register_blueprint(bp)
    templating.init_app(app)
    interactions_received.connect(live.on_received, weak=False)  # the live inbox hears of new items...
    interaction_changed.connect(live.on_changed, weak=False)  # ...and of changed ones, after the commit
    interaction_changed.connect(assignment.on_assignee_changed, weak=False)  # a person's choice wins
    rule_moderation.connect(automod.on_rule_moderation, weak=False)  # inbox rules hide/delete or suggest it
    sla_alerted.connect(live.on_sla_alerted, weak=False)  # SLA warnings reach desktop notifications
    wiring.add_slot(app, "inbox.banner", "moderation/_suggestions.html")  # the thread's "Rule … suggests" banner
    wiring.add_slot(app, "inbox.banner", "moderation/_live.html")
    wiring.add_slot(app, "thread.sidebar", "moderation/_thread.html")
    wiring.add_slot(app, "thread.reply", "moderation/_reply.html")
    wiring.add_slot(app, "thread.composer", "moderation/_approvals_thread.html")
    wiring.add_slot(app, "inbox.row", "moderation/_row.html")
    wiring.add_slot(app, "inbox.bulk", "moderation/_bulk.html")
    wiring.add_slot(app, "header", "moderation/_notify.html")  # desktop notifications, when the user wants them
    wiring.add_slot(app, "profile", "moderation/_notify_profile.html")
    wiring.provide(app, "moderation_counts", services.moderation_counts)
    wiring.provide(app, "reply_approval", approvals.hold_for_approval)
    wiring.provide(app, "client_approvals", approvals.client_approvals)
    wiring.provide(app, "approval_waits", templating.approval_waits)
    wiring.provide(app, "approvals_waiting", approvals.approvals_waiting)
    wiring.provide(app, "team_items", teams.team_items)
    wiring.add_workspace_link(app, _l("Approvals"), "moderation.approvals_page", order=44)
    wiring.add_workspace_link(app, _l("Rules log"), "moderation.rule_log", permission="inbox.work", order=46)
    wiring.add_workspace_link(app, _l("Auto-assignment"), "moderation.assignment_page",
                              permission="workspaces.manage", order=45)
    wiring.add_workspace_link(app, _l("Teams"), "moderation.teams_page", permission="inbox.work", order=47)
    wiring.add_periodic(app, jobs.sweep_stuck_actions, interval=300)
    wiring.add_periodic(app, jobs.assign_open_items, interval=60)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.moderation.models import Team

    audit.describe(app, actions={
        "moderation.queued": _l("Asked for a moderation action on the platform"),
        "moderation.retried": _l("Retried a moderation action"),
        "moderation.done": _l("The platform confirmed a moderation action"),
        "moderation.failed": _l("A moderation action failed"),
        "moderation.approval_settings_saved": _l("Changed the reply approval setting"),
        "moderation.reply_held": _l("A reply was held for approval"),
        "moderation.reply_approved": _l("Approved a reply"),
        "moderation.reply_rejected": _l("Rejected a reply"),
        "moderation.assignment_settings_saved": _l("Changed the auto-assignment setting"),
        "moderation.team_created": _l("Created a team"),
        "moderation.team_renamed": _l("Renamed a team"),
        "moderation.team_deleted": _l("Deleted a team"),
        "moderation.team_member_added": _l("Added someone to a team"),
        "moderation.team_member_removed": _l("Removed someone from a team"),
        "moderation.rule_acted": _l("An inbox rule did a moderation action on the platform"),
        "moderation.rule_undone": _l("Undid what an inbox rule did on the platform"),
        "moderation.suggestion_accepted": _l("Accepted a rule's moderation suggestion"),
        "moderation.suggestion_dismissed": _l("Dismissed a rule's moderation suggestion"),
    }, objects={"moderationaction": audit.ObjectKind(_l("Moderation action")),
                "approvalsettings": audit.ObjectKind(_l("Reply approval setting")),
                "replyapproval": audit.ObjectKind(_l("Reply waiting for approval")),
                "assignmentsettings": audit.ObjectKind(_l("Auto-assignment setting")),
                "rulerun": audit.ObjectKind(_l("Auto-moderation by a rule")),
                "team": audit.ObjectKind(_l("Team"), audit.names_from(Team))})
