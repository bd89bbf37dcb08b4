"""The thread's actions: they keep the list's context (filter, all-clients inbox) and say what they did;
the reply and the note box keep their own text; the composer's limit is the one the server checks."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from agency import db
from agency.channels.models import Channel
from agency.inbox.models import Interaction, Reply
from agency.inbox.queries import tags_in_use
from tests.conftest import login, post_form


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


def _path(location: str) -> str:
    return urlsplit(location).path


def _attr(html: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]*)"', html)
    assert match, name
    return unescape(match.group(1))


def _row_link(html: str) -> str:
    """The first row's thread link (its author link)."""
    match = re.search(r'<a class="conv-author" href="([^"]*)"', html)
    assert match, "no row in the list"
    return unescape(match.group(1))


def _textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, name
    return unescape(match.group(1)).strip()


def test_actions_never_leak_into_the_lists_filter(client, world, make_interaction):
    """Close-and-next walks the open comments of the filter; assign, priority and tags keep the filter as it was."""
    ws = world.ws_a
    first, second, third = (make_interaction(ws, text=f"Kommentar {i}", minutes_ago=i) for i in (1, 2, 3))
    make_interaction(ws, text="Eine Bewertung", kind="review", minutes_ago=4)
    login(client, world.cm_a)
    base = f"/w/{ws.slug}/inbox"
    response = post_form(client, f"{base}/{first.id}/update?kind=comment",
                         {"field": "status", "status": "closed", "then": "next"})
    assert response.status_code == 302
    assert _path(response.location) == f"{base}/{second.id}" and _query(response.location) == {"kind": ["comment"]}
    # The next thread's forms carry the filter in their URL, not in fields named like the filter's.
    page = client.get(response.location).get_data(as_text=True)
    close_form = page[page.index("data-close-form") - 300:page.index("data-close-form")]
    assert _query(_attr(close_form, "action")) == {"kind": ["comment"]}
    assert 'name="kind"' not in page.split('class="thread-layout"')[1]
    for data in ({"field": "assignee", "assignee": str(world.cm_a.id)}, {"field": "priority", "priority": "high"},
                 {"field": "tags", "tags": "VIP"}, {"field": "snooze", "until": "wake"}):
        response = post_form(client, f"{base}/{second.id}/update?kind=comment", data)
        assert response.status_code == 302, data
        assert _path(response.location) == f"{base}/{second.id}", data
        assert _query(response.location) == {"kind": ["comment"]}, data
    # The status filter of the list stays that of the list (open items), whatever the action's status was.
    response = post_form(client, f"{base}/{second.id}/update?kind=comment",
                         {"field": "status", "status": "closed", "then": "next"})
    assert _path(response.location) == f"{base}/{third.id}" and "status" not in _query(response.location)
    # After the last open comment: back to the list, with its filter.
    response = post_form(client, f"{base}/{third.id}/update?kind=comment",
                         {"field": "status", "status": "closed", "then": "next"})
    assert _path(response.location) == f"{base}/" and _query(response.location) == {"kind": ["comment"]}
    assert [db.session.get(Interaction, i.id).status for i in (first, second, third)] == ["closed"] * 3


def test_thread_from_the_all_clients_inbox_stays_in_it(client, world, make_interaction):
    in_a = make_interaction(world.ws_a, text="In Alpha", minutes_ago=1)
    in_a2 = make_interaction(world.ws_a2, text="In Alpha Two", minutes_ago=2)
    login(client, world.owner_a)
    listing = client.get("/inbox/").get_data(as_text=True)
    link = _row_link(listing)
    assert _path(link) == f"/w/{world.ws_a.slug}/inbox/{in_a.id}" and _query(link) == {"inbox": ["all"]}
    page = client.get(link).get_data(as_text=True)
    assert _attr(page, "data-back") == "/inbox/"  # u goes back to the all-clients inbox
    nxt = _attr(page, "data-next")  # j walks that list, across workspaces
    assert _path(nxt) == f"/w/{world.ws_a2.slug}/inbox/{in_a2.id}" and _query(nxt) == {"inbox": ["all"]}
    response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{in_a.id}/update?inbox=all",
                         {"field": "status", "status": "closed", "then": "next"})
    assert response.location == nxt
    # A workspace chosen in the all-clients inbox is kept, as that list's own argument.
    page = client.get(f"/w/{world.ws_a2.slug}/inbox/{in_a2.id}?inbox=all&inbox_ws={world.ws_a2.id}&kind=comment")\
        .get_data(as_text=True)
    back = _attr(page, "data-back")
    assert _path(back) == "/inbox/" and _query(back) == {"workspace": [str(world.ws_a2.id)], "kind": ["comment"]}
    # The all-clients list itself keeps that choice in its links, and a view saved from it too.
    listing = client.get(f"/inbox/?workspace={world.ws_a2.id}").get_data(as_text=True)
    mine = re.search(r'<a href="([^"]*)" class="side-link[^"]*">Mine', listing).group(1)
    assert _query(unescape(mine)) == {"workspace": [str(world.ws_a2.id)], "assignee": ["mine"]}
    thread_link = _row_link(listing)
    assert _query(thread_link) == {"inbox": ["all"], "inbox_ws": [str(world.ws_a2.id)]}
    query = unescape(re.search(r'<input[^>]*name="query"[^>]*value="([^"]*)"', listing).group(1))
    saved = post_form(client, "/inbox/views", {"name": "Nur Alpha Two", "query": query})
    assert _query(saved.location) == {"workspace": [str(world.ws_a2.id)]}
    # Opened from one client's inbox, u returns there.
    page = client.get(f"/w/{world.ws_a2.slug}/inbox/{in_a2.id}").get_data(as_text=True)
    assert _attr(page, "data-back") == f"/w/{world.ws_a2.slug}/inbox/"


def test_reopen_is_offered_only_out_of_the_open_list(client, world, make_interaction):
    login(client, world.cm_a)
    for status, offered in (("new", False), ("open", False), ("waiting", False), ("replied", True),
                            ("closed", True), ("spam", True)):
        item = make_interaction(world.ws_a, status=status)
        db.session.commit()
        page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
        assert ('name="status" value="open"' in page) is offered, status


def test_changes_are_confirmed(client, world, make_interaction):
    item = make_interaction(world.ws_a)
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{item.id}/update"
    for data, confirmation in (
            ({"field": "assignee", "assignee": str(world.cm_a.id)}, f"Assigned to {world.cm_a.name}."),
            ({"field": "assignee", "assignee": ""}, "Unassigned."),
            ({"field": "priority", "priority": "urgent"}, "Priority set to “Urgent”."),
            ({"field": "tags", "tags": "Rückruf, VIP"}, "Tags saved: Rückruf, VIP."),
            ({"field": "tags", "tags": ""}, "Tags removed."),
            ({"field": "snooze", "until": "1h"}, "Snoozed until"),
            ({"field": "status", "status": "closed"}, "Conversation closed.")):
        page = post_form(client, url, data, follow_redirects=True).get_data(as_text=True)
        assert confirmation in unescape(page), data


def test_tags_keep_their_spelling_and_match_in_any_case(client, world, make_interaction):
    tagged = make_interaction(world.ws_a, text="Mit Tag", tags=["VIP"])
    make_interaction(world.ws_a, text="Anders geschrieben", tags=["vip", "Rückruf"])
    make_interaction(world.ws_a, text="Ohne Tag")
    login(client, world.cm_a)
    for spelling in ("vip", "VIP", "Vip"):
        html = client.get(f"/w/{world.ws_a.slug}/inbox/?tag={spelling}").get_data(as_text=True)
        assert "Mit Tag" in html and "Anders geschrieben" in html and "Ohne Tag" not in html, spelling
    assert sorted(t.lower() for t in tags_in_use([world.ws_a.id])) == ["rückruf", "vip"]
    post_form(client, f"/w/{world.ws_a.slug}/inbox/{tagged.id}/update", {"field": "tags", "tags": "VIP, vip, Neu"})
    assert db.session.get(Interaction, tagged.id).tags == ["VIP", "Neu"]


def test_rejected_reply_comes_back_in_the_reply_box(app, world, synced_channel):
    from tests.inbox.test_replies import _customer_comment

    target = _customer_comment(synced_channel)
    me, colleague = app.test_client(), app.test_client()
    login(me, world.cm_a)
    login(colleague, world.owner_a)
    url = f"/w/{world.ws_a.slug}/inbox/{target.id}/reply?kind=comment"
    too_long = "Viel zu lang. " * 600
    response = post_form(me, url, {"reply_text": too_long, "opened_at": db.utcnow().isoformat()})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _textarea(page, "reply_text") == too_long.strip() and _textarea(page, "note_text") == ""
    opened_at = db.utcnow().isoformat()
    post_form(colleague, url, {"reply_text": "Schon beantwortet", "opened_at": db.utcnow().isoformat()})
    response = post_form(me, url, {"reply_text": "Meine Antwort", "opened_at": opened_at})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert _textarea(page, "reply_text") == "Meine Antwort" and _textarea(page, "note_text") == ""
    # The filter of the list is still in the composer's URL, not in its fields.
    assert _query(_attr(page.split("data-composer")[0].rsplit("<form", 1)[1], "action")) == {"kind": ["comment"]}


def test_double_submit_queues_one_reply(client, world, synced_channel):
    from tests.inbox.test_replies import _customer_comment

    target = _customer_comment(synced_channel)
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/inbox/{target.id}/reply"
    data = {"reply_text": "Einmal reicht", "opened_at": db.utcnow().isoformat()}
    assert post_form(client, url, data).status_code == 302
    second = post_form(client, url, data, follow_redirects=True)
    assert "This reply is already queued." in second.get_data(as_text=True)
    assert len(db.session.scalars(select(Reply).where(Reply.interaction_id == target.id)).all()) == 1


def test_composer_hint_and_error_name_the_same_limit(client, world, synced_channel, make_interaction):
    from tests.inbox.test_replies import _customer_comment

    comment = _customer_comment(synced_channel)
    google = Channel(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, platform="google_business_profile",
                     external_account_id="accounts/1/locations/2", name="Google", access_token="token")
    db.session.add(google)
    db.session.flush()
    review = make_interaction(world.ws_a, kind="review", channel=google, rating=2, text="Naja")
    login(client, world.cm_a)
    for item, hint, long_text, error in (
            (comment, "at most 8000 characters", "x" * 20_001, "at most 8000 characters here (20001 now)"),
            (review, "at most 4096 bytes", "ä" * 2100, "at most 4096 bytes here (4200 now")):
        page = client.get(f"/w/{world.ws_a.slug}/inbox/{item.id}").get_data(as_text=True)
        assert hint in page and 'maxlength="' not in page.split("data-composer")[1].split("</form>")[0]
        response = post_form(client, f"/w/{world.ws_a.slug}/inbox/{item.id}/reply", {"reply_text": long_text})
        assert response.status_code == 400
        assert error in response.get_data(as_text=True) and "20000" not in response.get_data(as_text=True)
