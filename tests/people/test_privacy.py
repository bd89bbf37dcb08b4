"""DSGVO: a person's profile (name, labels, note) is in their data export and goes with their erasure."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from agency import db
from agency.people import services
from agency.people.models import Person, PersonIdentity
from agency.privacy import services as privacy
from tests.conftest import make_channel
from tests.people.conftest import person_of


def test_profile_is_exported_and_erased(app, world, said):
    fb, ig = make_channel(world.ws_a, "facebook_page"), make_channel(world.ws_a, "instagram_business")
    said(fb, "fb-erika", "Ich möchte meine Daten", name="Erika Mustermann")
    said(ig, "ig-erika", "Hallo von Instagram", name="erika.m")
    said(fb, "fb-otto", "Ich bin jemand anderes", name="Otto Normal")
    erika = person_of(world.ws_a, "facebook_page", "fb-erika")
    services.merge(world.owner_a, erika, person_of(world.ws_a, "instagram_business", "ig-erika"))
    services.add_label(world.owner_a, erika, "press")
    services.save_note(world.owner_a, erika, name="Erika Mustermann", note="Journalistin beim Tagesblatt")
    [subject] = [p for p in privacy.find_people(world.ws_a, "Erika Mustermann") if p.platform == "facebook_page"]
    exported = privacy.collect(world.ws_a, subject)
    assert exported["profile"]["note"] == "Journalistin beim Tagesblatt"
    assert exported["profile"]["labels"] == ["Press"]
    assert {i["platform_id"] for i in exported["profile"]["identities"]} == {"fb-erika", "ig-erika"}

    erika_id = erika.id
    privacy.erase(world.owner_a, world.ws_a, subject, received_on=date.today())
    db.session.expire_all()
    assert db.session.get(Person, erika_id) is None
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.note.contains("Journalistin"))) == 0
    # Linking again makes no profile for the erased, pseudonymised author; others keep theirs.
    services.link_authors(world.agency_a.id, world.ws_a.id)
    names = set(db.session.scalars(select(PersonIdentity.author_name).where(
        PersonIdentity.workspace_id == world.ws_a.id)))
    assert "[erased]" not in names and "Erika Mustermann" not in names and "Otto Normal" in names
