"""Cross-tenant harness resolvers for the inbox routes: objects of agency A's workspace ws_a."""

from datetime import UTC, datetime

from agency import db
from agency.inbox.models import InboxRule, Interaction, Reply, SavedView


def _interaction(world) -> Interaction:
    found = getattr(world, "_interaction", None)
    if found is None:
        found = Interaction(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, platform="facebook_page",
                            external_id="ct-1", kind="comment", author_name="Anna", text="Hallo",
                            platform_created_at=datetime.now(UTC),
                            # Not a platform host: the proxy refuses it without a request (a placeholder for A).
                            media={"images": ["https://pictures.invalid/1.png"]})
        db.session.add(found)
        db.session.flush()
        world._interaction = found
    return found


def _reply(world) -> int:
    interaction = _interaction(world)
    reply = Reply(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, interaction_id=interaction.id,
                  author_id=world.owner_a.id, text="Danke!", status="failed")
    db.session.add(reply)
    db.session.flush()
    return reply.id


def _view(world) -> int:
    view = SavedView(agency_id=world.agency_a.id, user_id=world.owner_a.id, name="A's view", query={})
    db.session.add(view)
    db.session.flush()
    return view.id


def _rule(world) -> int:
    rule = InboxRule(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, name="A's rule",
                     conditions={"kind": "review"}, actions={"tag": "review"})
    db.session.add(rule)
    db.session.flush()
    return rule.id


RESOLVERS = {
    "interaction_id": lambda world: _interaction(world).id,
    "reply_id": _reply,
    "view_id": _view,
    "rule_id": _rule,
    "which": lambda world: "1",  # the item's first picture
}
