"""Cross-tenant harness resolvers for the people routes: a person (with two identities) of agency A's ws_a."""

from agency import db
from agency.people.models import Person, PersonIdentity


def _person(world) -> Person:
    found = getattr(world, "_person", None)
    if found is None:
        found = Person(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, display_name="Anna Fan",
                       labels=["vip"], note="A's fan")
        db.session.add(found)
        db.session.flush()
        for platform, author in (("facebook_page", "ct-fan-fb"), ("instagram_business", "ct-fan-ig")):
            db.session.add(PersonIdentity(agency_id=world.agency_a.id, workspace_id=world.ws_a.id,
                                          person_id=found.id, platform=platform, author_external_id=author,
                                          author_name="Anna Fan"))
        db.session.flush()
        world._person = found
    return found


def _identity(world) -> int:
    person = _person(world)
    return db.session.query(PersonIdentity.id).filter(PersonIdentity.person_id == person.id).first()[0]


RESOLVERS = {"person_id": lambda world: _person(world).id, "identity_id": _identity}
