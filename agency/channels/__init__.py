"""Channels: connected social accounts, their credentials, connectors and webhook parsing."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.channels.cli import channel_add_command
    from agency.channels.links import platform_link
    from agency.channels.views import bp, oauth_bp

    # Every link from platform data goes through this filter before it becomes an href.
    app.add_template_filter(platform_link, "platform_link")
    app.register_blueprint(bp)
    app.register_blueprint(oauth_bp)
    app.cli.add_command(channel_add_command)
    wiring.add_workspace_link(app, _l("Channels"), "channels.index", order=20)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.channels.models import Channel

    audit.describe(app, actions={
        "channel.connected": _l("Connected a channel"),
        "channel.reconnected": _l("Reconnected a channel"),
        "channel.paused": _l("Paused a channel"),
        "channel.resumed": _l("Resumed a channel"),
        "channel.disconnected": _l("Disconnected a channel"),
        "channel.needs_reauth": _l("Channel lost its access"),
    }, objects={"channel": audit.ObjectKind(_l("Channel"), audit.names_from(Channel))})
