"""Cross-tenant harness resolvers for the channels routes."""

from agency import db
from agency.channels.models import Channel


def _channel_of_a(world):
    channel = getattr(world, "_channel", None)
    if channel is None:
        channel = Channel(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, platform="facebook_page",
                          external_account_id="crosstenant-1", name="A's page", access_token="secret")
        db.session.add(channel)
        db.session.flush()
        world._channel = channel
    return channel.id


RESOLVERS = {
    "channel_id": _channel_of_a,
    "provider": lambda world: "meta",
}
