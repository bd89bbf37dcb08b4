"""The SLA shows the time a reply waits for approval: the inbox row's and the thread's SLA badge say since when
(and that the SLA clock keeps running), and the SLA board lists the items waiting, longest or latest first."""

from __future__ import annotations

import re
from datetime import timedelta

from agency import db
from agency.moderation.models import ReplyApproval
from tests.conftest import login


def _held(item, author, *, minutes_ago: int, status: str = "waiting", text: str = "Bitte freigeben") -> ReplyApproval:
    row = ReplyApproval(agency_id=item.agency_id, workspace_id=item.workspace_id, interaction_id=item.id,
                        author_id=author.id, text=text, reason="always", approver="staff", status=status,
                        created_at=db.utcnow() - timedelta(minutes=minutes_ago))
    db.session.add(row)
    db.session.flush()
    return row


def _item(make_interaction, workspace, text: str, **fields):
    return make_interaction(workspace, text=text, status="open", sla_state="on_track",
                            sla_due_at=db.utcnow() + timedelta(hours=2), **fields)


def test_row_and_thread_badges_say_since_when_a_reply_waits(client, world, make_interaction):
    waiting = _item(make_interaction, world.ws_a, "Wartet auf Freigabe")
    plain = _item(make_interaction, world.ws_a, "Nichts gehalten")
    decided = _item(make_interaction, world.ws_a, "Schon entschieden")
    _held(waiting, world.cm_a, minutes_ago=95)
    _held(waiting, world.cm_a, minutes_ago=10, text="Zweiter Versuch")  # the oldest waiting reply counts
    _held(decided, world.cm_a, minutes_ago=30, status="rejected")
    world.cm_a.locale = "en"  # the texts asserted below are the English ones
    login(client, world.cm_a)

    page = client.get(f"/w/{world.ws_a.slug}/inbox/").get_data(as_text=True)
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<li class="conv[^"]*" data-row>.*?value="(\d+)".*?</li>',
                                                          page, re.S)}
    assert "data-approval-since" in rows[str(waiting.id)]
    row = rows[str(waiting.id)]
    assert "waiting for approval since" in row and re.search(r"\(1 h \d+ min\)", row)
    assert "SLA clock keeps running" in rows[str(waiting.id)]  # the tooltip: approval time counts
    assert "data-approval-since" not in rows[str(plain.id)]
    assert "data-approval-since" not in rows[str(decided.id)]

    thread = client.get(f"/w/{world.ws_a.slug}/inbox/{waiting.id}").get_data(as_text=True)
    assert "data-approval-since" in thread and "waiting for approval since" in thread
    assert "data-approval-since" not in client.get(f"/w/{world.ws_a.slug}/inbox/{plain.id}").get_data(as_text=True)

    everything = client.get("/inbox/").get_data(as_text=True)
    assert everything.count("data-approval-since") == 1


def test_sla_board_lists_items_waiting_for_approval_sortable(client, world, make_interaction):
    old = _item(make_interaction, world.ws_a, "Alte Frage")
    new = _item(make_interaction, world.ws_a, "Neue Frage")
    other = _item(make_interaction, world.ws_a2, "Anderer Arbeitsbereich")
    _held(old, world.cm_a, minutes_ago=240)
    _held(new, world.cm_a, minutes_ago=3)
    _held(other, world.cm_unassigned, minutes_ago=60)
    world.cm_a.locale = "en"
    login(client, world.cm_a)

    page = client.get("/sla").get_data(as_text=True)
    assert "data-approvals-waiting" in page
    listed = re.findall(r'data-waiting-item="(\d+)"', page)
    assert listed == [str(old.id), str(new.id)]  # longest waiting first; ws_a2 is not the user's
    assert re.search(r">4 h( \d+ min)?<", page)
    latest = re.findall(r'data-waiting-item="(\d+)"', client.get("/sla?waiting=shortest").get_data(as_text=True))
    assert latest == [str(new.id), str(old.id)]
    for junk in ("x" * 5000, "\x00", "   ", "99999999999999999999999"):
        response = client.get("/sla", query_string={"waiting": junk})
        assert response.status_code == 200
        assert re.findall(r'data-waiting-item="(\d+)"', response.get_data(as_text=True)) == listed

    # Approved: off the board.
    db.session.get(ReplyApproval, db.session.query(ReplyApproval.id).filter_by(interaction_id=new.id).scalar()) \
        .status = "approved"
    db.session.commit()
    assert re.findall(r'data-waiting-item="(\d+)"', client.get("/sla").get_data(as_text=True)) == [str(old.id)]


def test_sla_board_shows_no_other_agencys_waiting_items(client, world, make_interaction):
    item = _item(make_interaction, world.ws_a, "Geheim")
    _held(item, world.cm_a, minutes_ago=20)
    login(client, world.owner_b)
    page = client.get("/sla").get_data(as_text=True)
    assert "data-waiting-item" not in page and "Geheim" not in page and "data-none-waiting" in page
