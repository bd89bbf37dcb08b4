"""Handlers of the inbox's signals that turn its events into webhook events."""

from __future__ import annotations

from agency import db
from agency.api.models import WebhookSubscription
from agency.api.webhooks import emit


def _summary(interaction) -> dict:
    return {"interaction": {
        "id": interaction.id, "workspace_id": interaction.workspace_id, "channel_id": interaction.channel_id,
        "platform": interaction.platform, "kind": interaction.kind, "status": interaction.status,
        "priority": interaction.priority, "assignee_id": interaction.assignee_id, "tags": list(interaction.tags or []),
        "author_name": interaction.author_name, "text": interaction.text,
        "platform_created_at": interaction.platform_created_at.isoformat()}}


def _anyone_listens(agency_id: int) -> bool:
    # One cheap query before building payloads: most agencies have no webhooks.
    return db.session.query(WebhookSubscription.id).filter(
        WebhookSubscription.agency_id == agency_id, WebhookSubscription.is_active.is_(True)).first() is not None


def on_interactions_received(channel, interaction_ids=(), **_kwargs) -> None:
    from agency.inbox.models import Interaction

    if not interaction_ids or not _anyone_listens(channel.agency_id):
        return
    for interaction in db.session.query(Interaction).filter(Interaction.id.in_(list(interaction_ids))):
        emit(interaction.agency_id, interaction.workspace_id, "interaction.created", _summary(interaction))


def on_interaction_changed(interaction, fields=(), **_kwargs) -> None:
    if not _anyone_listens(interaction.agency_id):
        return
    emit(interaction.agency_id, interaction.workspace_id, "interaction.updated",
         {**_summary(interaction), "changed": sorted(fields)})


def on_reply_sent(interaction, reply=None, **_kwargs) -> None:
    if reply is None or not _anyone_listens(interaction.agency_id):
        return
    emit(interaction.agency_id, interaction.workspace_id, "reply.sent", {
        **_summary(interaction), "reply": {"id": reply.id, "text": reply.text, "author_id": reply.author_id,
                                           "sent_at": reply.sent_at.isoformat() if reply.sent_at else None}})
