"""The inbox UI: list, filters, search, pagination, thread, notes, updates, bulk, saved views."""

from __future__ import annotations

import re

from sqlalchemy import select

from agency import db
from agency.inbox.models import Interaction, Note, SavedView
from agency.inbox.queries import InboxFilter, list_page
from tests.conftest import login, post_form


def _texts(html: str) -> list[str]:
    return re.findall(r'<p class="conv-text">(.*?)</p>', html, re.S)


def test_list_filters_search_and_counts(client, world, make_interaction):
    ws = world.ws_a
    make_interaction(ws, text="Wann habt ihr am Sonntag geöffnet?", language="de", is_question=True)
    make_interaction(ws, text="Die Brötchen waren alt und hart", language="de", sentiment_label="negative",
                     assignee_id=world.cm_a.id, status="open")
    make_interaction(ws, text="Your shipping was super fast", language="en", sentiment_label="positive",
                     kind="review", rating=5, tags=["lob"])
    make_interaction(ws, text="Schon erledigt", status="closed")
    make_interaction(world.ws_a2, text="Nicht im Arbeitsbereich des CM")
    make_interaction(world.ws_b, text="Andere Agentur")
    login(client, world.cm_a)
    html = client.get(f"/w/{ws.slug}/inbox/").get_data(as_text=True)
    texts = _texts(html)
    assert len(texts) == 3 and not any("erledigt" in t for t in texts)
    all_html = client.get("/inbox/").get_data(as_text=True)
    assert "Nicht im Arbeitsbereich" not in all_html and "Andere Agentur" not in all_html
    assert _texts(client.get("/inbox/?assignee=mine").get_data(as_text=True)) == ["Die Brötchen waren alt und hart"]
    assert len(_texts(client.get("/inbox/?assignee=unassigned").get_data(as_text=True))) == 2
    assert _texts(client.get("/inbox/?sentiment=negative").get_data(as_text=True)) == \
        ["Die Brötchen waren alt und hart"]
    assert _texts(client.get("/inbox/?kind=review").get_data(as_text=True)) == ["Your shipping was super fast"]
    assert _texts(client.get("/inbox/?tag=lob").get_data(as_text=True)) == ["Your shipping was super fast"]
    assert len(_texts(client.get("/inbox/?status=closed").get_data(as_text=True))) == 1
    # Full-text search with stemming in each item's language.
    assert _texts(client.get("/inbox/?q=brötchen").get_data(as_text=True)) == ["Die Brötchen waren alt und hart"]
    assert _texts(client.get("/inbox/?q=shipped").get_data(as_text=True)) == ["Your shipping was super fast"]
    assert _texts(client.get("/inbox/?q=geöffnet").get_data(as_text=True)) == ["Wann habt ihr am Sonntag geöffnet?"]
    assert _texts(client.get("/inbox/?q=nothing-like-this").get_data(as_text=True)) == []
    # Hostile values in the query string are ignored or answered with an empty list, never a 500.
    for bad in ("?status=drop+table", "?assignee=1%3B", "?sort=evil", "?after=%%%", "?workspace=x&channel=y",
                "?q=" + "a" * 5000, "?q=%22unterminated", "?q=!!!&&&"):
        assert client.get("/inbox/" + bad).status_code == 200, bad
    counts = re.findall(r'<span class="count">(\d+)</span>', html)
    assert counts[:3] == ["3", "1", "2"]  # open, mine, unassigned


def test_keyset_pagination_is_complete_and_stable(app, world, make_interaction):
    for i in range(120):
        make_interaction(world.ws_a, text=f"Nummer {i}", minutes_ago=i)
    flt = InboxFilter(workspace_ids=[world.ws_a.id])
    seen, cursor = [], None
    while True:
        page = list_page(flt, world.cm_a.id, after=cursor, limit=50)
        seen += [i.text for i in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
        make_interaction(world.ws_a, text="Neu während des Blätterns")  # new arrivals do not shift pages
    numbered = [t for t in seen if t.startswith("Nummer")]
    assert numbered == [f"Nummer {i}" for i in range(120)]
    oldest = list_page(InboxFilter(workspace_ids=[world.ws_a.id], sort="oldest"), world.cm_a.id, limit=3)
    assert [i.text for i in oldest.items] == ["Nummer 119", "Nummer 118", "Nummer 117"]


def test_pagination_across_workspaces_merges_in_order(app, world, make_interaction):
    """Several workspaces take the per-workspace (LATERAL) path; the merged order must be global."""
    for i in range(90):
        make_interaction(world.ws_a if i % 3 else world.ws_a2, text=f"Eintrag {i}", minutes_ago=i,
                         sla_due_at=db.utcnow() if i % 2 else None)
    both = [world.ws_a.id, world.ws_a2.id]
    for sort, expected in (("newest", [f"Eintrag {i}" for i in range(90)]),
                           ("oldest", [f"Eintrag {i}" for i in reversed(range(90))])):
        seen, cursor = [], None
        while True:
            page = list_page(InboxFilter(workspace_ids=both, sort=sort), world.owner_a.id, after=cursor, limit=25)
            seen += [i.text for i in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert seen == expected, sort
    due = list_page(InboxFilter(workspace_ids=both, sort="due"), world.owner_a.id, limit=100).items
    assert [i.sla_due_at is None for i in due] == sorted(i.sla_due_at is None for i in due)  # burning first
    only_a2 = list_page(InboxFilter(workspace_ids=both, q="Eintrag", kind="comment"), world.owner_a.id, limit=100)
    assert len(only_a2.items) == 90


def test_thread_view_shows_thread_notes_history_and_escapes(client, world, make_interaction):
    first = make_interaction(world.ws_a, text="Erste Frage", author_external_id="u1", author_name="Hanna",
                             minutes_ago=600)
    hostile = make_interaction(world.ws_a, text='<img src=x onerror="alert(1)"> Hallo', author_external_id="u1",
                               author_name="<b>Hanna</b>", thread_external_id="post-1")
    make_interaction(world.ws_a, text="Antwort der Seite", thread_external_id="post-1", is_own=True)
    login(client, world.cm_a)
    page = client.get(f"/w/{world.ws_a.slug}/inbox/{hostile.id}").get_data(as_text=True)
    assert '<img src=x onerror' not in page and "&lt;img src=x onerror=" in page
    assert "&lt;b&gt;Hanna&lt;/b&gt;" in page
    assert "Antwort der Seite" in page  # the thread
    assert "Erste Frage" in page  # the author's history
    assert 'id="shortcuts"' in page and "<kbd>j</kbd>" in page  # keyboard help overlay
    response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{hostile.id}/note", {"note_text": "Kundin ist VIP"})
    assert response.status_code == 302
    assert db.session.scalars(select(Note).where(Note.interaction_id == hostile.id)).one().text == "Kundin ist VIP"
    assert first.id != hostile.id


def test_update_actions(client, world, make_interaction):
    it = make_interaction(world.ws_a, text="Bitte um Rückruf")
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{it.id}/update"
    assert post_form(client, url, {"field": "assignee", "assignee": str(world.cm_a.id)}).status_code == 302
    assert post_form(client, url, {"field": "priority", "priority": "urgent"}).status_code == 302
    assert post_form(client, url, {"field": "tags", "tags": "Rückruf, VIP , vip"}).status_code == 302
    assert post_form(client, url, {"field": "snooze", "until": "1h"}).status_code == 302
    row = db.session.get(Interaction, it.id)
    # Tags keep their spelling (no silent lower-casing) and count once whatever the case.
    assert (row.assignee_id, row.priority, row.tags, row.status) == (world.cm_a.id, "urgent", ["Rückruf", "VIP"],
                                                                    "open")
    assert row.snoozed_until is not None
    assert post_form(client, url, {"field": "status", "status": "closed"}).status_code == 302
    row = db.session.get(Interaction, it.id)
    assert row.status == "closed" and row.handled_at is not None and row.snoozed_until is None


def test_note_and_update_reject_bad_input(client, world, make_interaction):
    it = make_interaction(world.ws_a)
    login(client, world.owner_a)
    base = f"/w/{world.ws_a.slug}/inbox/{it.id}"
    for data in ({}, {"note_text": ""}, {"note_text": "   "}, {"note_text": "x" * 20_001}, {"note_text": "\x00 \x00"}):
        assert post_form(client, f"{base}/note", data).status_code == 400, data
    for data in ({}, {"field": "nope"}, {"field": "status", "status": "deleted"},
                 {"field": "priority", "priority": "ultra"}, {"field": "assignee", "assignee": str(world.owner_b.id)},
                 {"field": "tags", "tags": "<script>"}, {"field": "snooze", "until": "forever"}):
        response = post_form(client, f"{base}/update", data)
        assert response.status_code in (303, 400, 404), (data, response.status_code)
    row = db.session.get(Interaction, it.id)
    assert (row.status, row.priority, row.assignee_id, row.tags) == ("new", "normal", None, [])
    assert db.session.scalars(select(Note)).all() == []


def test_bulk_actions_and_bad_input(client, world, make_interaction):
    items = [make_interaction(world.ws_a, text=f"Bulk {i}") for i in range(3)]
    foreign = make_interaction(world.ws_b, text="fremd")
    login(client, world.owner_a)
    ids = [str(i.id) for i in items]
    assert post_form(client, "/inbox/bulk", {"ids": ids, "action": "assign", "assignee": str(world.cm_a.id)})\
        .status_code == 302
    assert post_form(client, "/inbox/bulk", {"ids": ids, "action": "tag", "tags": "aktion"}).status_code == 302
    assert post_form(client, "/inbox/bulk", {"ids": ids[:2], "action": "close"}).status_code == 302
    rows = [db.session.get(Interaction, i.id) for i in items]
    assert all(r.assignee_id == world.cm_a.id and r.tags == ["aktion"] for r in rows)
    assert [r.status for r in rows] == ["closed", "closed", "open"]
    # Another agency's id anywhere in the selection: 404, nothing changed.
    response = post_form(client, "/inbox/bulk", {"ids": [ids[2], str(foreign.id)], "action": "spam"})
    assert response.status_code == 404
    assert db.session.get(Interaction, items[2].id).status == "open"
    for data in ({}, {"ids": ids, "action": "explode"}, {"ids": ["x"], "action": "close"},
                 {"ids": ids, "action": "assign"}, {"ids": ids, "action": "tag", "tags": ""},
                 {"ids": ids, "action": "priority", "priority": "ultra"}):
        assert post_form(client, "/inbox/bulk", data).status_code in (303, 400), data


def test_saved_views(client, world):
    login(client, world.cm_a)
    response = post_form(client, "/inbox/views", {"name": "Meine Negativen",
                                                   "query": '{"sentiment": "negative", "evil": "x"}'})
    assert response.status_code == 302 and "sentiment=negative" in response.headers["Location"]
    view = db.session.scalars(select(SavedView)).one()
    assert view.query == {"sentiment": "negative"} and view.user_id == world.cm_a.id
    assert "Meine Negativen" in client.get("/inbox/").get_data(as_text=True)
    for data in ({}, {"name": "", "query": "{}"}, {"name": "x" * 81, "query": "{}"}, {"name": "ok", "query": "[1]"},
                 {"name": "ok", "query": "not json"}):
        assert post_form(client, "/inbox/views", data).status_code in (303, 400), data
    assert post_form(client, f"/inbox/views/{view.id}/delete").status_code == 302
    assert db.session.scalars(select(SavedView)).all() == []


def test_client_users_and_other_agencies_cannot_use_the_inbox(client, world, make_interaction):
    it = make_interaction(world.ws_a)
    login(client, world.client_a)
    assert client.get("/inbox/").status_code == 404
    assert client.get(f"/w/{world.ws_a.slug}/inbox/{it.id}").status_code == 404


def test_dashboard_shows_inbox_numbers(client, world, make_interaction):
    make_interaction(world.ws_a, assignee_id=world.cm_a.id, status="open", awaiting_since=db.utcnow())
    make_interaction(world.ws_a)
    login(client, world.cm_a)
    html = client.get("/").get_data(as_text=True)
    card = html[html.index(f'id="ws-{world.ws_a.slug}"'):]
    numbers = re.findall(r"<dd[^>]*>\s*([\d–]+)", card)[:3]
    assert numbers == ["2", "1", "1"]
