"""The demo has one fan whose Facebook and Instagram history shows in one profile."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.people import demo, services
from agency.people.models import Person


def test_demo_fan_has_one_profile_across_facebook_and_instagram(app):
    from agency.demo import seed_demo

    assert seed_demo()
    person = db.session.scalars(select(Person).where(Person.display_name == demo.FAN)).one()
    assert {i.platform for i in services.identities_of(person)} == {"facebook_page", "instagram_business"}
    assert set(person.labels) == {"vip", "customer"} and person.note
    items, _next = services.timeline(person)
    assert {i.platform for i in items} == {"facebook_page", "instagram_business"} and len(items) == len(demo.ITEMS)
