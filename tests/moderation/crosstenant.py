"""Cross-tenant harness resolvers for the moderation routes: objects of agency A's workspace ws_a."""

from agency import db
from agency.moderation.models import ModerationAction, ReplyApproval, RuleRun, Team
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


def _approval(world) -> int:
    row = getattr(world, "_reply_approval", None)
    if row is None:
        row = ReplyApproval(agency_id=world.agency_a.id, workspace_id=world.ws_a.id,
                            interaction_id=_interaction(world).id, author_id=world.cm_a.id, text="Danke!",
                            reason="always", approver="staff", status="waiting")
        db.session.add(row)
        db.session.flush()
        world._reply_approval = row
    return row.id


def _rule_run(world) -> int:
    row = getattr(world, "_rule_run", None)
    if row is None:
        row = RuleRun(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, rule_name="Spam-Links",
                      interaction_id=_interaction(world).id, action="hide", mode="suggest", outcome="suggested")
        db.session.add(row)
        db.session.flush()
        world._rule_run = row
    return row.id


def _team(world) -> int:
    row = getattr(world, "_team", None)
    if row is None:
        row = Team(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, name="Wochenende")
        db.session.add(row)
        db.session.flush()
        world._team = row
    return row.id


RESOLVERS = {"action_id": _action, "approval_id": _approval, "run_id": _rule_run, "team_id": _team}
