"""Cross-tenant harness resolvers for the moderation routes: objects of agency A's workspace ws_a."""

from agency import db
from agency.moderation.models import ModerationAction
from tests.inbox.crosstenant import _interaction


def _action(world) -> int:
    row = getattr(world, "_moderation_action", None)
    if row is None:
        interaction = _interaction(world)
        row = ModerationAction(agency_id=world.agency_a.id, workspace_id=world.ws_a.id,
                               interaction_id=interaction.id, action="hide", status="failed",
                               error="Facebook refused the request.", actor_id=world.owner_a.id)
        db.session.add(row)
        db.session.flush()
        world._moderation_action = row
    return row.id


RESOLVERS = {"action_id": _action}
