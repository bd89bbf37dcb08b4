"""Cross-tenant harness resolvers for the community routes: objects of agency A's workspace ws_a."""

from datetime import UTC, datetime, timedelta

from agency import db
from agency.community.models import CrisisIncident, Escalation, Expert, SavedReply
from tests.inbox.crosstenant import _interaction


def _saved_reply(world) -> int:
    reply = getattr(world, "_saved_reply", None)
    if reply is None:
        reply = SavedReply(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, title="A's reply",
                           text_formal="Vielen Dank, {author_first_name}!", language="de")
        db.session.add(reply)
        db.session.flush()
        world._saved_reply = reply
    return reply.id


def _expert(world) -> Expert:
    found = getattr(world, "_expert", None)
    if found is None:
        found = Expert(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, name="A's expert",
                       email="expert@alpha.test")
        db.session.add(found)
        db.session.flush()
        world._expert = found
    return found


def _escalation(world) -> int:
    escalation = getattr(world, "_escalation", None)
    if escalation is None:  # one waiting question per conversation and expert
        escalation = Escalation(agency_id=world.agency_a.id, workspace_id=world.ws_a.id,
                                interaction_id=_interaction(world).id, expert_id=_expert(world).id,
                                asked_by_id=world.owner_a.id, question="Enthält das Brot Nüsse?", nonce="0" * 32,
                                expires_at=datetime.now(UTC) + timedelta(days=7))
        db.session.add(escalation)
        db.session.flush()
        world._escalation = escalation
    return escalation.id


def _incident(world) -> int:
    incident = getattr(world, "_incident", None)
    if incident is None:  # at most one incident of a workspace is open
        incident = CrisisIncident(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, title="A's crisis",
                                  checklist=[{"text": "Breathe", "done_at": None, "done_by": None}])
        db.session.add(incident)
        db.session.flush()
        world._incident = incident
    return incident.id


RESOLVERS = {
    "saved_reply_id": _saved_reply,
    "expert_id": lambda world: _expert(world).id,
    "escalation_id": _escalation,
    "incident_id": _incident,
}

# The expert's page is opened with a signed link instead of a login: whoever holds the link may answer,
# as the link's own tests show (tests/community/test_escalations.py). It has no object id to hide.
EXEMPT = {"community.expert_page": "a signed bearer link, not an object id (tested in test_escalations)"}
