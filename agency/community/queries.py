"""Reads of the community package: the thread panel, escalations with response times, incidents and
their timeline, banners, and the month's numbers for the monthly report (``monthly_summary``)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from agency import db
from agency.accounts.models import User, Workspace
from agency.community.models import (
    CommunitySettings,
    CrisisIncident,
    Escalation,
    Expert,
    IncidentEvent,
    ProactiveReply,
    ToneGuide,
)
from agency.community.services import escalations as escalation_services
from agency.community.services import settings as settings_services
from agency.community.services import voice
from agency.inbox.models import Interaction
from agency.sla.policy import effective_policy


@dataclass
class ThreadPanel:
    """What the composer and the sidebar of a thread show from this package."""

    workspace: Workspace
    guide: ToneGuide | None
    signature: str
    experts: list[Expert]
    escalations: list[EscalationRow]
    settings: CommunitySettings
    incident: CrisisIncident | None


@dataclass
class EscalationRow:
    escalation: Escalation
    expert: Expert
    asked_by: User | None
    response: timedelta | None = None  # wall clock from asking to answering
    business_response: timedelta | None = None  # counted in the workspace's business hours
    interaction: Interaction | None = None
    extra: dict = field(default_factory=dict)


def thread_panel(workspace: Workspace, interaction: Interaction) -> ThreadPanel:
    guide = voice.guide_of(workspace.id)
    return ThreadPanel(
        workspace=workspace, guide=guide, signature=voice.signature_of(guide),
        experts=escalation_services.experts_of(workspace.id, active_only=True),
        escalations=escalation_rows(workspace, interaction_id=interaction.id),
        settings=settings_services.effective(workspace), incident=open_incident(workspace.id))


def open_incident(workspace_id: int) -> CrisisIncident | None:
    return next(iter(open_incidents([workspace_id])), None)


def open_incidents(workspace_ids: list[int]) -> list[CrisisIncident]:
    """Open incidents of these workspaces, newest first. A page asks twice (the banner and the thread's panel):
    a GET request reads them once (it changes nothing that could open or close one in between)."""
    if not workspace_ids:
        return []
    memo = _get_request_memo()
    key = tuple(sorted(set(workspace_ids)))
    if memo is not None and key in memo:
        return list(memo[key])
    rows = list(db.session.scalars(select(CrisisIncident).where(CrisisIncident.workspace_id.in_(key),
                                                                CrisisIncident.status == "open")
                                   .order_by(CrisisIncident.opened_at.desc())))
    if memo is not None:
        memo[key] = rows
    return rows


def _get_request_memo() -> dict | None:
    from flask import g, has_request_context, request

    if not has_request_context() or request.method != "GET":
        return None
    return g.setdefault("_open_incidents", {})


def escalation_rows(workspace: Workspace, *, interaction_id: int | None = None, limit: int = 200
                    ) -> list[EscalationRow]:
    """Escalations, newest first, with the time the expert took (wall clock and business hours)."""
    stmt = select(Escalation, Expert).join(Expert, Expert.id == Escalation.expert_id).where(
        Escalation.workspace_id == workspace.id)
    if interaction_id is not None:
        stmt = stmt.where(Escalation.interaction_id == interaction_id)
    rows = db.session.execute(stmt.order_by(Escalation.created_at.desc(), Escalation.id.desc()).limit(limit)).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({e.asked_by_id for e, _x in rows if e.asked_by_id})))} if rows else {}
    interactions = {i.id: i for i in db.session.scalars(select(Interaction).where(
        Interaction.id.in_({e.interaction_id for e, _x in rows})))} if rows else {}
    calendar = effective_policy(workspace).calendar if rows else None
    result = []
    for escalation, expert in rows:
        row = EscalationRow(escalation, expert, users.get(escalation.asked_by_id),
                            interaction=interactions.get(escalation.interaction_id))
        if escalation.answered_at is not None:
            row.response = escalation.answered_at - escalation.created_at
            row.business_response = calendar.between(escalation.created_at, escalation.answered_at)
        result.append(row)
    return result


def response_summary(rows: list[EscalationRow]) -> dict[str, object]:
    """Count, answered, waiting and the median response (wall clock and business hours)."""
    answered = [r for r in rows if r.response is not None]
    return {
        "count": len(rows), "answered": len(answered),
        "waiting": sum(1 for r in rows if r.escalation.status == "waiting"),
        "median": timedelta(seconds=statistics.median(r.response.total_seconds() for r in answered))
        if answered else None,
        "median_business": timedelta(seconds=statistics.median(r.business_response.total_seconds() for r in answered))
        if answered else None,
    }


def incidents_of(workspace_id: int, limit: int = 50) -> list[CrisisIncident]:
    return list(db.session.scalars(select(CrisisIncident).where(CrisisIncident.workspace_id == workspace_id)
                                   .order_by(CrisisIncident.opened_at.desc()).limit(limit)))


def timeline(incident: CrisisIncident) -> list[IncidentEvent]:
    return list(db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
                                   .order_by(IncidentEvent.created_at, IncidentEvent.id)))


def incident_interactions(incident: CrisisIncident, *, limit: int = 200) -> list[Interaction]:
    """The customers' items from an hour before the incident to its end (newest first), negative ones first."""
    until = incident.closed_at or db.utcnow()
    stmt = (select(Interaction).where(Interaction.workspace_id == incident.workspace_id,
                                      Interaction.is_own.is_(False),
                                      Interaction.platform_created_at >= incident.opened_at - timedelta(hours=1),
                                      Interaction.platform_created_at <= until)
            .order_by((Interaction.sentiment_label == "negative").desc(), Interaction.platform_created_at.desc())
            .limit(limit))
    return list(db.session.scalars(stmt))


def users_by_id(ids: set[int]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def monthly_summary(workspace: Workspace, start: datetime, end: datetime) -> dict[str, object]:
    """The community numbers of a month (``start`` ≤ t < ``end``) for the monthly report.

    Incidents (with their summaries), escalations with the experts' median response time, and the
    proactive replies sent.
    """
    incidents = list(db.session.scalars(select(CrisisIncident).where(
        CrisisIncident.workspace_id == workspace.id, CrisisIncident.opened_at < end,
        (CrisisIncident.closed_at.is_(None)) | (CrisisIncident.closed_at >= start))
        .order_by(CrisisIncident.opened_at)))
    rows = [r for r in escalation_rows(workspace, limit=10_000) if start <= r.escalation.created_at < end]
    proactive = db.session.scalar(select(func.count()).select_from(ProactiveReply).where(
        ProactiveReply.workspace_id == workspace.id, ProactiveReply.sent_at >= start, ProactiveReply.sent_at < end))
    return {"incidents": [{"title": i.title, "opened_at": i.opened_at, "closed_at": i.closed_at,
                           "summary": i.summary, "explanation": i.explanation} for i in incidents],
            "escalations": response_summary(rows), "proactive_replies": int(proactive or 0)}
