"""Interactions: the inbox's list (its filters, keyset cursor), one item, changes, replies and notes."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from agency import db
from agency.accounts.models import User
from agency.accounts.tenancy import get_scoped_or_404, visible_workspace_ids
from agency.api import schemas as s
from agency.api.framework import ApiError, operation
from agency.api.views import bp, require
from agency.inbox import queries, replies, services
from agency.inbox.models import Interaction, Note, Reply


def interaction_out(i: Interaction) -> s.Interaction:
    return s.Interaction(
        id=i.id, workspace_id=i.workspace_id, channel_id=i.channel_id, platform=i.platform, kind=i.kind,
        external_id=i.external_id, parent_external_id=i.parent_external_id,
        thread_external_id=i.thread_external_id, author_name=i.author_name,
        author_external_id=i.author_external_id, text=i.text, rating=i.rating, permalink=i.permalink,
        platform_created_at=i.platform_created_at, status=i.status, priority=i.priority, assignee_id=i.assignee_id,
        tags=list(i.tags or []), language=i.language, sentiment=i.sentiment_label, is_question=i.is_question,
        is_spam=i.is_spam, is_deleted=i.is_deleted, sla_state=i.sla_state, sla_due_at=i.sla_due_at,
        snoozed_until=i.snoozed_until)


def reply_out(r: Reply) -> s.Reply:
    return s.Reply(id=r.id, interaction_id=r.interaction_id, text=r.text, status=r.status, author_id=r.author_id,
                   created_at=r.created_at, sent_at=r.sent_at, error=r.error)


def note_out(n: Note) -> s.Note:
    return s.Note(id=n.id, interaction_id=n.interaction_id, text=n.text, author_id=n.author_id,
                  created_at=n.created_at)


def inbox_filter(query: s.InteractionQuery) -> queries.InboxFilter:
    """The inbox's own filter for validated query values (workspaces limited to the visible ones)."""
    visible = visible_workspace_ids()
    wanted = set(query.workspace)
    if wanted - visible:
        raise ApiError(404, "not_found", "Unknown workspace.", {"workspace": "not one of your workspaces"})
    ids = sorted(wanted or visible)
    return queries.InboxFilter(
        workspace_ids=ids, workspace_choice=sorted(wanted), channel_id=query.channel, kind=query.kind,
        status=query.status, assignee=query.assignee, priority=query.priority, sentiment=query.sentiment,
        language=query.language, tag=query.tag, q=query.q, sla=query.sla, sort=query.sort)


@operation(bp, "/interactions", "GET", area="interactions", access="read", tag="Interactions",
           summary="List interactions with the inbox's filters", query=s.InteractionQuery, response=s.InteractionPage,
           description="Keyset-paginated: pass ``next_cursor`` as ``cursor`` for the next page.")
def list_interactions(query: s.InteractionQuery):
    require("inbox.work")
    if query.cursor is not None and queries.decode_cursor(query.cursor) is None:
        raise ApiError(422, "invalid", "The cursor is not valid.", {"cursor": "use a next_cursor of this API"})
    page = queries.list_page(inbox_filter(query), current_user.id, after=query.cursor, limit=query.limit)
    return s.InteractionPage(items=[interaction_out(i) for i in page.items], next_cursor=page.next_cursor)


def _interaction(interaction_id: int) -> Interaction:
    require("inbox.work")
    return get_scoped_or_404(Interaction, interaction_id)


@operation(bp, "/interactions/<int:interaction_id>", "GET", area="interactions", access="read",
           tag="Interactions", summary="One interaction", response=s.Interaction)
def get_interaction(interaction_id: int):
    return interaction_out(_interaction(interaction_id))


@operation(bp, "/interactions/<int:interaction_id>", "PATCH", area="interactions", access="write",
           tag="Interactions", summary="Assign, tag, prioritise or change the status", body=s.InteractionChange,
           response=s.Interaction)
def change_interaction(interaction_id: int, body: s.InteractionChange):
    interaction = _interaction(interaction_id)
    given = body.model_fields_set
    with db.session.begin_nested():  # all of the change or none of it
        if "assignee_id" in given:
            assignee = None
            if body.assignee_id is not None:
                assignee = db.get_in_agency(User, body.assignee_id, current_user.agency_id)
                if assignee is None:
                    raise ApiError(422, "invalid", "Choose someone who works in this workspace.",
                                   {"assignee_id": "unknown person"})
            services.assign(current_user, interaction, assignee)
        if body.status is not None:
            services.set_status(current_user, interaction, body.status)
        if body.priority is not None:
            services.set_priority(current_user, interaction, body.priority)
        if body.tags is not None or body.add_tags or body.remove_tags:
            tags = list(body.tags if body.tags is not None else interaction.tags)
            tags += body.add_tags or []
            removed = {t.lower() for t in body.remove_tags or []}
            services.set_tags(current_user, interaction, [t for t in tags if t.lower() not in removed])
    return interaction_out(interaction)


@operation(bp, "/interactions/<int:interaction_id>/replies", "GET", area="interactions", access="read",
           tag="Interactions", summary="Replies sent or queued to an interaction", response=s.ReplyList)
def list_replies(interaction_id: int):
    interaction = _interaction(interaction_id)
    rows = db.session.scalars(select(Reply).where(Reply.interaction_id == interaction.id).order_by(Reply.id))
    return s.ReplyList(items=[reply_out(r) for r in rows])


@operation(bp, "/interactions/<int:interaction_id>/replies", "POST", area="interactions", access="write",
           tag="Interactions", summary="Answer on the platform (sent by a job, at most once)", body=s.ReplyIn,
           response=s.Reply, status=202)
def create_reply(interaction_id: int, body: s.ReplyIn):
    interaction = _interaction(interaction_id)
    return reply_out(replies.queue_reply(current_user, interaction, body.text))


@operation(bp, "/interactions/<int:interaction_id>/notes", "GET", area="interactions", access="read",
           tag="Interactions", summary="Internal notes of an interaction", response=s.NoteList)
def list_notes(interaction_id: int):
    return s.NoteList(items=[note_out(n) for n in queries.notes_of(_interaction(interaction_id))])


@operation(bp, "/interactions/<int:interaction_id>/notes", "POST", area="interactions", access="write",
           tag="Interactions", summary="Add an internal note", body=s.NoteIn, response=s.Note, status=201)
def create_note(interaction_id: int, body: s.NoteIn):
    return note_out(services.add_note(current_user, _interaction(interaction_id), body.text))
