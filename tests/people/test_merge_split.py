"""Merge (with a confirmation; identities, labels and notes move; audited) and split; the timelines follow."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.audit import AuditEvent
from agency.people import services
from agency.people.models import Person, PersonIdentity
from tests.conftest import login, make_channel, post_form
from tests.people.conftest import person_of


def _timeline_texts(person) -> list[str]:
    return [i.text for i in services.timeline(person)[0]]


def test_merge_after_confirmation_and_split_back(client, world, said):
    fb, ig = make_channel(world.ws_a, "facebook_page"), make_channel(world.ws_a, "instagram_business")
    said(fb, "fb-lena", "Facebook eins", minutes_ago=50, name="Lena H.")
    said(ig, "ig-lena", "Instagram eins", minutes_ago=40, name="lena.backt")
    said(fb, "fb-lena", "Facebook zwei", minutes_ago=30, name="Lena H.")
    lena, insta = person_of(world.ws_a, "facebook_page", "fb-lena"), person_of(world.ws_a, "instagram_business",
                                                                               "ig-lena")
    lena.labels, lena.note = ["vip"], "Stammkundin"
    insta.labels, insta.note = ["customer", "VIP"], "bestellt für Feiern"
    insta_id, lena_id = insta.id, lena.id
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/people/{lena.id}/merge"
    search = client.get(url + "?q=lena.backt").get_data(as_text=True)
    assert f'data-candidate="{insta.id}"' in search and f'data-candidate="{lena.id}"' not in search
    confirm = client.get(f"{url}?other={insta.id}").get_data(as_text=True)
    assert "data-merge-confirm" in confirm and "lena.backt" in confirm
    assert db.session.get(Person, insta.id) is not None  # showing the confirmation changes nothing
    response = post_form(client, url, {"other": str(insta.id)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, insta_id) is None
    lena = db.session.get(Person, lena.id)
    assert lena.labels == ["vip", "customer"]
    assert lena.note == "Stammkundin\n\nlena.backt: bestellt für Feiern"
    assert lena.interaction_count == 3
    assert _timeline_texts(lena) == ["Facebook zwei", "Instagram eins", "Facebook eins"]
    assert client.get(f"/w/{world.ws_a.slug}/people/{insta_id}").status_code == 404
    merged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "people.merged")).one()
    assert merged.details["merged_id"] == insta_id and merged.actor_id == world.cm_a.id

    ig_identity = db.session.scalars(select(PersonIdentity).where(PersonIdentity.platform == "instagram_business",
                                                                  PersonIdentity.person_id == lena_id)).one()
    response = post_form(client, f"/w/{world.ws_a.slug}/people/{lena_id}/identities/{ig_identity.id}/split")
    assert response.status_code == 303
    db.session.expire_all()
    new = db.session.get(Person, db.session.get(PersonIdentity, ig_identity.id).person_id)
    assert new.id != lena_id and new.display_name == "lena.backt" and new.labels == []
    assert response.headers["Location"].endswith(f"/people/{new.id}")
    assert _timeline_texts(new) == ["Instagram eins"] and new.interaction_count == 1
    assert db.session.get(Person, lena_id).interaction_count == 2
    assert _timeline_texts(db.session.get(Person, lena_id)) == ["Facebook zwei", "Facebook eins"]
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "people.split")).one()
    # The last identity cannot be split off.
    fb_identity = db.session.scalars(select(PersonIdentity).where(PersonIdentity.person_id == lena_id)).one()
    post_form(client, f"/w/{world.ws_a.slug}/people/{lena_id}/identities/{fb_identity.id}/split")
    db.session.expire_all()
    assert db.session.get(PersonIdentity, fb_identity.id).person_id == lena_id


def test_merge_refuses_bad_input(client, world, said):
    channel = make_channel(world.ws_a)
    said(channel, "a-1", "A")
    said(channel, "b-1", "B")
    said(make_channel(world.ws_a2), "c-1", "C")
    a, b = person_of(world.ws_a, "facebook_page", "a-1"), person_of(world.ws_a, "facebook_page", "b-1")
    elsewhere = person_of(world.ws_a2, "facebook_page", "c-1")
    login(client, world.owner_a)
    url = f"/w/{world.ws_a.slug}/people/{a.id}/merge"
    people = db.session.scalar(select(func.count()).select_from(Person))
    for payload in ({}, {"other": ""}, {"other": "abc"}, {"other": "9" * 30}, {"other": str(a.id)},
                    {"other": "\x00"}, {"other": " " * 10}, {"other": "-1"}):
        response = post_form(client, url, payload)
        assert response.status_code == 400, payload
        assert "alert-error" in response.get_data(as_text=True), payload
    # Someone of another workspace, or no one, is not found.
    assert post_form(client, url, {"other": str(elsewhere.id)}).status_code == 404
    assert post_form(client, url, {"other": "999999999"}).status_code == 404
    assert client.get(f"{url}?other={elsewhere.id}").status_code == 404
    assert client.get(f"{url}?other=x").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Person)) == people
    assert db.session.get(Person, b.id) is not None
