"""Crisis plans (Notfallplan) and crisis incidents with their timeline.

An incident is opened by the detector's alarm (``storms``) or by a person; it copies the plan's
checklist, tells the workspace team and the account managers (in-app and e-mail, each recorded
on the timeline), collects notes and ticked steps, and is closed with a summary.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.accounts.notifications import notify, workspace_team
from agency.community.inputs import clean_text
from agency.community.models import CrisisIncident, CrisisPlan, IncidentEvent
from agency.community.signals import incident_opened
from agency.errors import ValidationError
from agency.mail import absolute_url, queue_mail
from agency.sla.alerts import account_managers

MAX_NOTE = 5000
MAX_SUMMARY = 10_000


# --- the plan -----------------------------------------------------------------------------------

def plan_of(workspace_id: int) -> CrisisPlan | None:
    return db.session.scalar(select(CrisisPlan).where(CrisisPlan.workspace_id == workspace_id))


def parse_pairs(lines: list[str], field: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Lines of "a | b | c" into dicts with ``keys`` (missing parts empty)."""
    if len(lines) > 50:
        raise ValidationError(_("At most %(n)d lines, please.", n=50), field)
    rows = []
    for line in lines:
        parts = [" ".join(part.split()) for part in line.split("|")]
        if len(parts) > len(keys):
            raise ValidationError(_("At most %(n)d parts separated by |.", n=len(keys)), field)
        if any(len(part) > 300 for part in parts):
            raise ValidationError(_("A line may have at most %(n)d characters.", n=300), field)
        row = dict(zip(keys, parts + [""] * (len(keys) - len(parts)), strict=True))
        if not row[keys[0]]:
            raise ValidationError(_("Each line starts with a name."), field)
        rows.append(row)
    return rows


def save_plan(actor: User, workspace: Workspace, *, severity_levels: list[dict[str, str]], checklist: list[str],
              contacts: list[dict[str, str]], approval_chain: list[str], ip: str = "") -> CrisisPlan:
    """Create or replace the workspace's crisis plan (lists already parsed and checked by the form)."""
    plan = plan_of(workspace.id)
    if plan is None:
        plan = CrisisPlan(agency_id=workspace.agency_id, workspace_id=workspace.id)
        db.session.add(plan)
    plan.severity_levels, plan.checklist = severity_levels, checklist
    plan.contacts, plan.approval_chain = contacts, approval_chain
    plan.updated_at = db.utcnow()
    db.session.flush()
    audit.record("community.crisis_plan_saved", agency_id=workspace.agency_id, actor=actor, obj=plan, ip=ip,
                 details={"workspace": workspace.slug, "steps": len(checklist), "contacts": len(contacts)})
    return plan


# --- incidents ----------------------------------------------------------------------------------

def open_incident_of(workspace_id: int) -> CrisisIncident | None:
    return db.session.scalar(select(CrisisIncident).where(CrisisIncident.workspace_id == workspace_id,
                                                          CrisisIncident.status == "open"))


def event(incident: CrisisIncident, kind: str, text: str = "", *, user: User | None = None,
          data: dict[str, Any] | None = None) -> IncidentEvent:
    row = IncidentEvent(agency_id=incident.agency_id, workspace_id=incident.workspace_id, incident_id=incident.id,
                        kind=kind, text=text[:10_000], user_id=getattr(user, "id", None), data=data or {})
    db.session.add(row)
    db.session.flush()
    return row


def open_incident(workspace: Workspace, *, title: str, actor: User | None = None, explanation: str = "",
                  trigger: dict[str, Any] | None = None, severity: str = "", ip: str = "") -> CrisisIncident:
    """Open a crisis incident and alert the team; ValidationError when one is open already."""
    title = clean_text(title, "title", max_length=200, multiline=False)
    severity = clean_text(severity, "severity", max_length=80, required=False, multiline=False)
    if open_incident_of(workspace.id) is not None:
        raise ValidationError(_("An incident is already open for this workspace."), "title")
    plan = plan_of(workspace.id)
    steps = [{"text": str(step), "done_at": None, "done_by": None} for step in (plan.checklist if plan else [])]
    incident = CrisisIncident(agency_id=workspace.agency_id, workspace_id=workspace.id, title=title, status="open",
                              severity=severity, opened_at=db.utcnow(), opened_by_id=getattr(actor, "id", None),
                              trigger=trigger or {}, explanation=explanation, checklist=steps)
    db.session.add(incident)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # The detector and a person (or two detector runs) opened one at the same moment.
        raise ValidationError(_("An incident is already open for this workspace."), "title") from None
    event(incident, "opened", explanation or title, user=actor, data={"trigger": trigger or {}})
    _alert_team(workspace, incident)
    audit.record("community.incident_opened", agency_id=workspace.agency_id, actor=actor, obj=incident, ip=ip,
                 details={"title": title, "automatic": actor is None})
    incident_opened.send(incident, actor=actor)
    return incident


def incident_recipients(workspace: Workspace) -> list[User]:
    """The workspace team and its account managers (each once)."""
    seen: dict[int, User] = {}
    for user in [*workspace_team(workspace.agency_id, workspace.id), *account_managers(workspace)]:
        seen.setdefault(user.id, user)
    return list(seen.values())


def _alert_team(workspace: Workspace, incident: CrisisIncident) -> None:
    users = incident_recipients(workspace)
    link = f"/w/{workspace.slug}/incidents/{incident.id}"
    title = _l("Crisis in %(workspace)s: %(title)s", workspace=workspace.name, title=incident.title)
    body = incident.explanation or incident.title
    sent = notify(users, kind="community.incident", title=title, body=body, link=link,
                  dedupe_key=f"incident-opened:{incident.id}", workspace_id=workspace.id)
    emails = []
    for user in users:
        if not user.email:
            continue
        with force_locale(user.locale or workspace.locale or "de"):
            text = "\n\n".join([str(title), body, str(_l("Open the incident: %(link)s", link=absolute_url(link)))])
            queue_mail(user.email, str(title), text)
        emails.append(user.email)
    with force_locale(workspace.locale or "de"):
        event(incident, "notification",
              _("Alerted %(n)d people in the app and %(m)d by e-mail.", n=sent, m=len(emails)),
              data={"in_app": [u.name for u in users], "emails": emails})


def set_step(actor: User, incident: CrisisIncident, index: int, done: bool) -> CrisisIncident:
    """Tick (or untick) step ``index`` of the incident's checklist."""
    if incident.status != "open":
        raise ValidationError(_("The incident is closed."), "step")
    steps = [dict(step) for step in incident.checklist or []]
    if not 0 <= index < len(steps):
        raise ValidationError(_("Unknown step."), "step")
    step = steps[index]
    if bool(step.get("done_at")) == done:
        return incident  # a double submit changes nothing
    step["done_at"] = db.utcnow().isoformat() if done else None
    step["done_by"] = actor.name if done else None
    incident.checklist = steps
    event(incident, "checklist", step["text"], user=actor, data={"index": index, "done": done})
    return incident


def add_note(actor: User, incident: CrisisIncident, text: str) -> IncidentEvent:
    text = clean_text(text, "text", max_length=MAX_NOTE)
    last = db.session.scalar(select(IncidentEvent).where(
        IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "note", IncidentEvent.user_id == actor.id)
        .order_by(IncidentEvent.id.desc()).limit(1))
    if last is not None and last.text == text:
        raise ValidationError(_("This note is already on the timeline."), "text")
    return event(incident, "note", text, user=actor)


def close_incident(actor: User, incident: CrisisIncident, summary: str, *, ip: str = "") -> CrisisIncident:
    """Close with a summary of what happened and what was done (it goes into the monthly report)."""
    summary = clean_text(summary, "summary", max_length=MAX_SUMMARY)
    if incident.status != "open":
        raise ValidationError(_("The incident is already closed."), "summary")
    incident.status, incident.closed_at, incident.closed_by_id = "closed", db.utcnow(), actor.id
    incident.summary = summary
    db.session.flush()
    event(incident, "closed", summary, user=actor)
    audit.record("community.incident_closed", agency_id=incident.agency_id, actor=actor, obj=incident, ip=ip,
                 details={"title": incident.title})
    return incident
