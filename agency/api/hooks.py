"""Handlers of the lower packages' signals (inbox, SLA, community, reports, billing) that turn their events
into webhook events."""

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


def on_sla_alerted(alert, interaction=None, **_kwargs) -> None:
    if interaction is None or not _anyone_listens(interaction.agency_id):
        return
    event_type = "sla.warning" if alert.level == "at_risk" else "sla.breached"
    emit(interaction.agency_id, interaction.workspace_id, event_type, {
        **_summary(interaction),
        "sla": {"target": alert.target, "level": alert.level, "due_at": alert.due_at.isoformat()}})


def on_incident_opened(incident, actor=None, **_kwargs) -> None:
    if not _anyone_listens(incident.agency_id):
        return
    emit(incident.agency_id, incident.workspace_id, "incident.opened", {"incident": {
        "id": incident.id, "workspace_id": incident.workspace_id, "title": incident.title,
        "severity": incident.severity, "status": incident.status, "opened_at": incident.opened_at.isoformat(),
        "opened_by_id": getattr(actor, "id", None), "automatic": actor is None,
        "explanation": incident.explanation}})


def on_report_published(report, **_kwargs) -> None:
    if not _anyone_listens(report.agency_id):
        return
    emit(report.agency_id, report.workspace_id, "report.published", {"report": {
        "id": report.id, "workspace_id": report.workspace_id, "month": report.month_key,
        "published_at": report.published_at.isoformat(), "published_by_id": report.published_by_id,
        "checksum": report.checksum, "pdf_url": f"/api/v1/reports/{report.id}/pdf"}})


def on_invoice_paid(invoice, **_kwargs) -> None:
    if not _anyone_listens(invoice.agency_id):
        return
    emit(invoice.agency_id, invoice.workspace_id, "invoice.paid", {"invoice": {
        "id": invoice.id, "workspace_id": invoice.workspace_id, "number": invoice.number,
        "currency": invoice.currency, "gross_cents": invoice.gross_cents,
        "period_start": invoice.period_start.isoformat(), "period_end": invoice.period_end.isoformat(),
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
        "pdf_url": f"/api/v1/invoices/{invoice.id}/pdf"}})
