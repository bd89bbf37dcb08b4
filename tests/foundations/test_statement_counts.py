"""SQL statements per page: a fixed number, whatever the number of rows, workspaces or channels.

A count is behaviour, not timing: a page that starts loading something per row or per workspace
(an N+1) fails here long before it shows up as slowness under load.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from agency import db
from agency.inbox.models import Interaction
from tests.conftest import login, make_channel, make_user, make_workspace

#: The most statements each page may run (the request's scope statements included). Lower is better; raising
#: one needs a reason in the commit.
#: The session's user comes with its memberships and workspaces in one query run in its agency's scope (one scope
#: statement, no second user query, no workspace query for community managers), and a GET reads open crisis
#: incidents once, and the header timer's menu (every activity) is loaded when opened: 11/5/20/23/33/14 became
#: 7/3/16/19/28/8.
LIMITS = {
    "dashboard": 7,
    "healthz": 3,
    # Moderation adds a fixed four to the lists (the newest id for the live bar; the rows' moderation states, their
    # authors and bans, for all rows at once) and five to the thread (its approval and moderation states).
    # Auto-moderation adds one to each: the open rule suggestions of the rows (all at once) or of the thread.
    # People add one to the thread: the person card (the person, labels and earlier items across channels, one
    # query; only an author's first view also makes their identity).
    # Replies waiting for approval cost the lists and the thread nothing (the moderation states' query reads them);
    # the SLA board lists the items waiting for approval in one statement of its own: 8 became 9.
    # Our sent replies in the thread (edit, delete on the platform) add two for all of them (their actions, their
    # copies on the platform) and one for the workspace's approval setting (who may edit): 28 became 31.
    "all inboxes": 16,
    "workspace inbox": 19,
    "thread": 31,
    "sla board": 9,
}


@contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        # The tests' savepoints stand for the transaction a real request begins and commits without a statement.
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_items(workspaces, per_workspace: int, *, offset: int) -> list[Interaction]:
    rows = []
    for ws in workspaces:
        channel = make_channel(ws)
        for n in range(per_workspace):
            rows.append(Interaction(
                agency_id=ws.agency_id, workspace_id=ws.id, channel_id=channel.id, platform="facebook_page",
                external_id=f"sc-{offset}-{ws.id}-{n}", kind=("comment", "review", "direct_message")[n % 3],
                author_name=f"Fan {n}", author_external_id=f"fan-{n % 4}", text=f"Frage {n}",
                thread_external_id=f"t-{ws.id}-{n % 3}", platform_created_at=db.utcnow(),
                status=("new", "open", "waiting")[n % 3], sla_state=("on_track", "at_risk", "breached")[n % 3],
                sla_due_at=db.utcnow()))
    db.session.add_all(rows)
    db.session.flush()
    # Some items have a reply waiting for approval: the lists' and the thread's SLA badges say since when, and the
    # SLA board lists them — read once per page, whatever their number.
    from agency.moderation.models import ReplyApproval

    db.session.add_all([ReplyApproval(agency_id=row.agency_id, workspace_id=row.workspace_id, interaction_id=row.id,
                                      text="Freigabe?", reason="always", approver="staff", status="waiting")
                        for row in rows[::2]])
    # Others have our sent replies: the thread shows what may be done to each (edit, delete on the platform),
    # read for all of its replies at once.
    from agency.inbox.models import Reply

    db.session.add_all([Reply(agency_id=row.agency_id, workspace_id=row.workspace_id, interaction_id=row.id,
                              text="Danke!", status="sent", external_id=f"reply-{row.external_id}",
                              sent_at=db.utcnow()) for row in rows[::3]])
    db.session.flush()
    return rows


def _pages(client, world, item) -> dict[str, int]:
    urls = {
        "dashboard": "/",
        "healthz": "/healthz",
        "all inboxes": "/inbox/",
        "workspace inbox": f"/w/{world.ws_a.slug}/inbox/",
        "thread": f"/w/{world.ws_a.slug}/inbox/{item.id}",
        "sla board": "/sla",
    }
    counts = {}
    for name, url in urls.items():
        client.get(url)  # a first visit may write once (the time a thread was opened); count the next one
        with counting() as statements:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements)
    return counts


@pytest.mark.parametrize("role", ["community_manager", "owner"])
def test_statements_per_page_do_not_grow_with_rows_or_workspaces(client, world, role):
    extra = [make_workspace(world.agency_a) for _ in range(2)]
    user = make_user(world.agency_a, role, workspaces=[world.ws_a, world.ws_a2, *extra])
    first = _add_items([world.ws_a, world.ws_a2, *extra], 4, offset=1)
    login(client, user)
    small = _pages(client, world, first[0])

    more = [make_workspace(world.agency_a) for _ in range(3)]
    user = db.session.merge(user)
    from agency.accounts.models import Membership

    db.session.add_all([Membership(agency_id=world.agency_a.id, user_id=user.id, workspace_id=ws.id) for ws in more])
    _add_items([world.ws_a, world.ws_a2, *extra, *more], 12, offset=2)
    db.session.commit()
    large = _pages(client, world, first[0])

    assert large == small, "a page runs more statements with more rows or workspaces (a query per row?)"
    over = {name: (n, LIMITS[name]) for name, n in large.items() if n > LIMITS[name]}
    assert not over, f"pages over their statement budget (count, limit): {over}"
