"""The profile page (timeline across channels, keyset paged; labels, note, identities), the list, and the
person card beside the thread."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.audit import AuditEvent
from agency.people import services
from agency.people.models import Person
from tests.conftest import login, make_channel, post_form
from tests.people.conftest import person_of


def test_timeline_shows_every_channel_newest_first_and_pages(client, world, said):
    fb, ig = make_channel(world.ws_a, "facebook_page", name="Seite"), make_channel(world.ws_a, "instagram_business",
                                                                                  name="@insta")
    items = [said(fb if n % 2 else ig, "fb-1" if n % 2 else "ig-1", f"Nachricht {n}", minutes_ago=100 - n)
             for n in range(34)]
    keep, other = person_of(world.ws_a, "facebook_page", "fb-1"), person_of(world.ws_a, "instagram_business", "ig-1")
    services.merge(world.owner_a, keep, other)
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/people/{keep.id}").get_data(as_text=True)
    shown = [int(x) for x in __import__("re").findall(r'data-timeline-item="(\d+)"', page)]
    newest_first = [i.id for i in reversed(items)]
    assert shown == newest_first[:services.PAGE]
    assert "Facebook" in page and "Instagram" in page and "@insta" in page and "Seite" in page
    assert f'/w/{world.ws_a.slug}/inbox/{items[-1].id}"' in page  # each item links to its thread
    older = __import__("re").search(r'href="([^"]+)" data-next-page', page).group(1).replace("&amp;", "&")
    rest = client.get(older).get_data(as_text=True)
    assert [int(x) for x in __import__("re").findall(r'data-timeline-item="(\d+)"', rest)] == \
        newest_first[services.PAGE:]
    assert "data-next-page" not in rest
    assert client.get(f"/w/{world.ws_a.slug}/people/{keep.id}?before=garbage\x00").status_code == 200


def test_labels_and_note_are_edited_and_audited(client, world, said):
    said(make_channel(world.ws_a), "fan-1", "Hallo")
    person = person_of(world.ws_a, "facebook_page", "fan-1")
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/people/{person.id}"
    assert post_form(client, url + "/labels", {"op": "add", "label": "VIP"}).status_code == 303
    assert post_form(client, url + "/labels", {"op": "add", "label": "  Stamm   kundin "}).status_code == 303
    again = post_form(client, url + "/labels", {"op": "add", "label": "vip"})
    assert again.status_code == 400 and "has this label already" in again.get_data(as_text=True)
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.labels == ["vip", "Stamm kundin"]
    assert post_form(client, url + "/labels", {"op": "remove", "label": "Stamm kundin"}).status_code == 303
    assert post_form(client, url + "/note", {"display_name": "Frau Fan", "note": "Presse-Kontakt"}).status_code == 303
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert (person.labels, person.display_name, person.note) == (["vip"], "Frau Fan", "Presse-Kontakt")
    page = client.get(url).get_data(as_text=True)
    assert 'data-person-label="vip"' in page and "Presse-Kontakt" in page
    actions = [a for a, in db.session.execute(select(AuditEvent.action).where(
        AuditEvent.object_type == "person", AuditEvent.object_id == str(person.id)).order_by(AuditEvent.id))]
    assert actions == ["people.label_added", "people.label_added", "people.label_removed", "people.note_saved"]


def test_label_and_note_forms_refuse_bad_input(client, world, said):
    said(make_channel(world.ws_a), "fan-2", "Hallo")
    person = person_of(world.ws_a, "facebook_page", "fan-2")
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/people/{person.id}"
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for payload in ({}, {"op": "add"}, {"op": "add", "label": "   "}, {"op": "explode", "label": "vip"},
                    {"op": "add", "label": "x" * 41}, {"op": "remove", "label": "nicht da"},
                    {"op": "add", "label": "\x00"}, {"op": "add", "label": "y" * 100_000}):
        response = post_form(client, url + "/labels", payload)
        assert response.status_code == 400, payload
        body = response.get_data(as_text=True)
        assert 'class="error"' in body or "alert-error" in body, payload
    for payload in ({}, {"display_name": "   "}, {"display_name": "Name", "note": "n" * 5001},
                    {"display_name": "x" * 301}):
        response = post_form(client, url + "/note", payload)
        assert response.status_code == 400, payload
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.labels == [] and person.display_name == "Fan fan-2" and person.note == ""
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_people_list_searches_filters_sorts_and_has_an_empty_state(client, world, said):
    login(client, world.cm_a)
    empty = client.get(f"/w/{world.ws_a.slug}/people").get_data(as_text=True)
    assert "No people yet" in empty
    channel = make_channel(world.ws_a)
    for n in range(3):
        said(channel, "many", f"oft {n}", name="Viel Schreiber")
    said(channel, "once", "einmal", name="Anna Einmal", minutes_ago=-1)
    services.link_authors(world.agency_a.id, world.ws_a.id)
    person_of(world.ws_a, "facebook_page", "once").labels = ["press"]
    db.session.commit()
    base = f"/w/{world.ws_a.slug}/people"
    listing = client.get(base).get_data(as_text=True)
    assert listing.index("Anna Einmal") < listing.index("Viel Schreiber")  # latest activity first
    by_count = client.get(base + "?sort=count").get_data(as_text=True)
    assert by_count.index("Viel Schreiber") < by_count.index("Anna Einmal")
    found = client.get(base + "?q=schreib").get_data(as_text=True)
    assert "Viel Schreiber" in found and "Anna Einmal" not in found
    assert "Anna Einmal" in client.get(base + "?q=once").get_data(as_text=True)  # the platform id
    labelled = client.get(base + "?label=press").get_data(as_text=True)
    assert "Anna Einmal" in labelled and "Viel Schreiber" not in labelled
    assert "Nobody found" in client.get(base + "?q=niemand&sort=bogus&page=x").get_data(as_text=True)


def test_thread_card_shows_the_person_across_channels(client, world, said):
    fb, ig = make_channel(world.ws_a, "facebook_page"), make_channel(world.ws_a, "instagram_business")
    said(fb, "fb-9", "früher auf Facebook", minutes_ago=60)
    said(ig, "ig-9", "früher auf Instagram", minutes_ago=30)
    services.link_authors(world.agency_a.id, world.ws_a.id)
    keep = person_of(world.ws_a, "facebook_page", "fb-9")
    services.merge(world.owner_a, keep, person_of(world.ws_a, "instagram_business", "ig-9"))
    keep.labels = ["troll"]
    current = said(fb, "fb-9", "jetzt")  # not linked yet: the thread page makes its identity first if needed
    own = said(fb, "page", "unsere Antwort", is_own=True)
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{current.id}").get_data(as_text=True)
    assert f'data-person-card="{keep.id}"' in page and 'data-person-earlier="2"' in page
    assert 'data-person-label="troll"' in page and f"/w/{world.ws_a.slug}/people/{keep.id}" in page
    newcomer = said(fb, "new-1", "zum ersten Mal")
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{newcomer.id}").get_data(as_text=True)
    assert 'data-person-earlier="0"' in page  # the first view made the identity
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.display_name == "Fan new-1")) == 1
    assert "data-person-card" not in client.get(f"/w/{world.ws_a.slug}/inbox/{own.id}").get_data(as_text=True)
