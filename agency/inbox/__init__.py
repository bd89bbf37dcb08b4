"""The inbox: interactions, ingest, sync jobs, the webhook endpoint and replies."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.channels.signals import sync_requested
    from agency.inbox import jobs, queries, replies  # (importing jobs and replies registers their jobs)
    from agency.inbox.cli import sync_command
    from agency.inbox.views import bp
    from agency.inbox.webhooks import bp as webhooks_bp

    app.register_blueprint(bp)
    app.register_blueprint(webhooks_bp)
    app.cli.add_command(sync_command)

    def _queue_sync(channel, **_kwargs):
        jobs.enqueue_sync(channel.agency_id, channel.id)

    sync_requested.connect(_queue_sync, weak=False)

    wiring.provide(app, "channel_item_counts", queries.counts_per_channel)
    wiring.add_nav(app, _l("Inbox"), "inbox.all_inboxes", "inbox.work", order=10)
    wiring.add_workspace_link(app, _l("Inbox"), "inbox.index", order=10)
    wiring.add_workspace_link(app, _l("Rules"), "inbox.rules", permission="channels.manage", order=30)
    wiring.add_periodic(app, jobs.dispatch_due_syncs, interval=15)
    wiring.add_periodic(app, replies.sweep_stuck_replies, interval=300)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.inbox.models import InboxRule

    audit.describe(app, actions={
        "inbox.rule_saved": _l("Saved an inbox rule"),
        "inbox.rule_deleted": _l("Deleted an inbox rule"),
    }, objects={"inboxrule": audit.ObjectKind(_l("Inbox rule"), audit.names_from(InboxRule))})
