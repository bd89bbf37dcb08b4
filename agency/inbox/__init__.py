"""The inbox: interactions, ingest, sync jobs, the webhook endpoint and replies."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency.channels.signals import sync_requested
    from agency.inbox import jobs, queries
    from agency.inbox.views import bp
    from agency.inbox.webhooks import bp as webhooks_bp

    app.register_blueprint(bp)
    app.register_blueprint(webhooks_bp)

    def _queue_sync(channel, **_kwargs):
        jobs.enqueue_sync(channel.agency_id, channel.id)

    sync_requested.connect(_queue_sync, weak=False)

    app.extensions["agency.channel_item_counts"] = queries.counts_per_channel
    app.extensions.setdefault("agency.workspace_links", []).extend([
        {"endpoint": "inbox.index", "label": _l("Inbox")},
        {"endpoint": "channels.index", "label": _l("Channels")},
        {"endpoint": "inbox.rules", "label": _l("Rules"), "permission": "channels.manage"},
    ])
    app.extensions.setdefault("agency.nav", []).insert(0, (_l("Inbox"), "inbox.all_inboxes", "inbox.work"))
