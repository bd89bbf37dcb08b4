"""Experts (Ansprechpersonen) and escalations: a question to a person at the client, answered through a
signed, expiring, single-purpose link — no account needed.

The link carries ``{agency, workspace, escalation, nonce}`` signed with the app's secret and a
purpose of its own (itsdangerous salt ``community.expert-answer``), so it cannot be replayed as an
invitation or a session. It works while the escalation waits and its nonce matches: once
answered or cancelled it is dead, and after ``expires_at`` it is expired. Checking a link names
its agency, and the answer page then runs under row-level security for that agency alone.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.accounts.notifications import notify, workspace_team
from agency.community.inputs import clean_text
from agency.community.models import Escalation, Expert
from agency.community.services.settings import effective as effective_settings
from agency.errors import ValidationError
from agency.inbox.models import Interaction, Note
from agency.mail import absolute_url, queue_mail
from agency.sla import services as sla_services
from agency.sla.policy import effective_policy

log = logging.getLogger(__name__)

LINK_SALT = "community.expert-answer"
MAX_LINK_AGE = timedelta(days=61)  # the longest lifetime a workspace may choose, plus a day
MAX_QUESTION = 5000
MAX_ANSWER = 10_000


# --- experts ------------------------------------------------------------------------------

def experts_of(workspace_id: int, *, active_only: bool = False) -> list[Expert]:
    stmt = select(Expert).where(Expert.workspace_id == workspace_id)
    if active_only:
        stmt = stmt.where(Expert.is_active.is_(True))
    return list(db.session.scalars(stmt.order_by(func.lower(Expert.name), Expert.id)))


def save_expert(actor: User, workspace: Workspace, *, name: str, email: str, phone: str, topics: list[str],
                availability: str, is_active: bool = True, expert: Expert | None = None, ip: str = "") -> Expert:
    """Create or update an expert of the workspace."""
    from email_validator import EmailNotValidError, validate_email

    name = clean_text(name, "name", max_length=120, multiline=False)
    email = clean_text(email, "email", max_length=320, multiline=False)
    try:
        # Special-use domains (.test, .example) are allowed: deliverability is the mail server's business.
        email = validate_email(email, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid e-mail address."), "email") from None
    phone = clean_text(phone, "phone", max_length=40, required=False, multiline=False)
    if phone and not all(ch.isdigit() or ch in "+-/() ." for ch in phone):
        raise ValidationError(_("A phone number has digits, spaces and + - / ( ) only."), "phone")
    availability = clean_text(availability, "availability", max_length=300, required=False, multiline=False)
    cleaned_topics: list[str] = []
    for topic in topics:
        topic = clean_text(topic, "topics", max_length=60, required=False, multiline=False)
        if topic and topic.lower() not in (t.lower() for t in cleaned_topics):
            cleaned_topics.append(topic)
    if len(cleaned_topics) > 30:
        raise ValidationError(_("At most %(n)d topics.", n=30), "topics")
    duplicate = db.session.scalar(select(Expert.id).where(
        Expert.workspace_id == workspace.id, func.lower(Expert.email) == email.lower(),
        Expert.id != (expert.id if expert is not None else 0)))
    if duplicate is not None:
        raise ValidationError(_("This workspace already has an expert with this e-mail address."), "email")
    if expert is None:
        expert = Expert(agency_id=workspace.agency_id, workspace_id=workspace.id)
        db.session.add(expert)
    expert.name, expert.email, expert.phone = name, email, phone
    expert.topics, expert.availability, expert.is_active = cleaned_topics, availability, is_active
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ValidationError(_("This workspace already has an expert with this e-mail address."), "email") from None
    audit.record("community.expert_saved", agency_id=workspace.agency_id, actor=actor, obj=expert, ip=ip,
                 details={"name": name, "workspace": workspace.slug, "active": is_active})
    return expert


def remove_expert(actor: User, expert: Expert, *, ip: str = "") -> str:
    """Delete an expert nobody asked yet; one with escalations on record is deactivated (history stays)."""
    asked = db.session.scalar(select(func.count(Escalation.id)).where(Escalation.expert_id == expert.id)) or 0
    audit.record("community.expert_removed", agency_id=expert.agency_id, actor=actor, obj=expert, ip=ip,
                 details={"name": expert.name, "deactivated": bool(asked)})
    if asked:
        expert.is_active = False
        db.session.flush()
        return "deactivated"
    db.session.delete(expert)
    db.session.flush()
    return "deleted"


# --- the link -------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def link_token(escalation: Escalation) -> str:
    return _serializer().dumps({"a": escalation.agency_id, "w": escalation.workspace_id, "e": escalation.id,
                                "n": escalation.nonce})


def link_path(escalation: Escalation) -> str:
    return f"/expert/{link_token(escalation)}"


class LinkProblem(Exception):
    """Why a link does not open the answer form: ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaims:
    agency_id: int
    workspace_id: int
    escalation_id: int
    nonce: str


def read_link(token: str) -> LinkClaims:
    """The signed claims of a link, or LinkProblem("invalid"/"expired"). Touches no database."""
    if not token or len(token) > 1000:
        raise LinkProblem("invalid")
    try:
        data: Any = _serializer().loads(token, max_age=int(MAX_LINK_AGE.total_seconds()))
    except SignatureExpired:
        raise LinkProblem("expired") from None
    except BadData:
        raise LinkProblem("invalid") from None
    try:
        claims = LinkClaims(int(data["a"]), int(data["w"]), int(data["e"]), str(data["n"]))
    except (KeyError, TypeError, ValueError):
        raise LinkProblem("invalid") from None
    return claims


def escalation_for_link(claims: LinkClaims, *, for_update: bool = False) -> Escalation:
    """The escalation a verified link names (inside ``db.tenant`` of ``claims.agency_id``), or LinkProblem."""
    stmt = select(Escalation).where(Escalation.id == claims.escalation_id,
                                    Escalation.agency_id == claims.agency_id,
                                    Escalation.workspace_id == claims.workspace_id)
    if for_update:
        stmt = stmt.with_for_update()
    escalation = db.session.scalar(stmt)
    if escalation is None or not secrets.compare_digest(escalation.nonce, claims.nonce):
        raise LinkProblem("invalid")
    if escalation.status != "waiting":
        raise LinkProblem("used")
    if escalation.expires_at <= db.utcnow():
        raise LinkProblem("expired")
    return escalation


# --- escalating -------------------------------------------------------------------------------

def _business_deadline(workspace: Workspace, start, hours: int):
    try:
        return effective_policy(workspace).calendar.add(start, timedelta(hours=hours))
    except ValueError:  # a calendar that never opens: fall back to wall-clock hours
        return start + timedelta(hours=hours)


def _internal_note(interaction: Interaction, text: str, author_id: int | None) -> Note:
    note = Note(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                interaction_id=interaction.id, author_id=author_id, text=text[:10_000])
    db.session.add(note)
    db.session.flush()
    return note


def escalate(actor: User, workspace: Workspace, interaction: Interaction, expert: Expert, question: str, *,
             ip: str = "") -> Escalation:
    """Ask ``expert`` about ``interaction``: e-mail a signed link, pause the SLA clock (per settings)."""
    question = clean_text(question, "question", max_length=MAX_QUESTION)
    if expert.workspace_id != workspace.id or interaction.workspace_id != workspace.id:
        raise ValidationError(_("Choose an expert of this workspace."), "expert")
    if not expert.is_active:
        raise ValidationError(_("This expert is no longer active."), "expert")
    waiting = db.session.scalar(select(Escalation.id).where(
        Escalation.interaction_id == interaction.id, Escalation.expert_id == expert.id,
        Escalation.status == "waiting"))
    if waiting is not None:
        raise ValidationError(_("%(name)s has already been asked about this conversation and has not answered yet.",
                                name=expert.name), "expert")
    settings = effective_settings(workspace)
    now = db.utcnow()
    escalation = Escalation(
        agency_id=workspace.agency_id, workspace_id=workspace.id, interaction_id=interaction.id,
        expert_id=expert.id, asked_by_id=actor.id, question=question, status="waiting",
        nonce=secrets.token_hex(16), expires_at=now + timedelta(days=settings.link_days),
        reminder_due_at=_business_deadline(workspace, now, settings.reminder_hours))
    db.session.add(escalation)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ValidationError(_("%(name)s has already been asked about this conversation and has not answered yet.",
                                name=expert.name), "expert") from None
    if settings.escalation_pauses_sla and interaction.status in ("new", "open", "waiting"):
        sla_services.start_pause(interaction, "waiting_on_expert", at=now, actor=actor)
        escalation.paused_sla = True
    with force_locale(workspace.locale or "de"):
        _internal_note(interaction, _("Asked %(expert)s: %(question)s", expert=expert.name, question=question),
                       actor.id)
    db.session.flush()
    _mail_expert(workspace, interaction, expert, escalation, actor, reminder=False)
    audit.record("community.escalated", agency_id=workspace.agency_id, actor=actor, obj=escalation, ip=ip,
                 details={"expert": expert.name, "interaction_id": interaction.id})
    return escalation


def _mail_expert(workspace: Workspace, interaction: Interaction, expert: Expert, escalation: Escalation,
                 asker: User | None, *, reminder: bool) -> None:
    link = absolute_url(link_path(escalation))
    with force_locale(workspace.locale or "de"):
        subject = (_("Reminder: a question from %(workspace)s's social media team", workspace=workspace.name)
                   if reminder else _("A question from %(workspace)s's social media team", workspace=workspace.name))
        excerpt = " ".join((interaction.text or "").split())[:600]
        body = "\n\n".join(part for part in [
            _("Hello %(name)s,", name=expert.name),
            _("%(asker)s from the team that answers %(workspace)s's social media needs your help with this "
              "conversation:", asker=asker.name if asker else _("The team"), workspace=workspace.name),
            f"“{excerpt}”" if excerpt else "",
            _("The question: %(question)s", question=escalation.question),
            _("Answer here (no login needed; the link works once and until %(date)s):",
              date=escalation.expires_at.strftime("%Y-%m-%d")),
            link,
        ] if part)
    queue_mail(expert.email, subject, body)


def answer(escalation: Escalation, text: str) -> Escalation:
    """The expert's answer: an internal note in the thread, the SLA clock running again, the asker told."""
    text = clean_text(text, "answer", max_length=MAX_ANSWER)
    if escalation.status != "waiting":
        raise ValidationError(_("This question has already been answered."), "answer")
    now = db.utcnow()
    interaction = db.session.get(Interaction, escalation.interaction_id)
    expert = db.session.get(Expert, escalation.expert_id)
    workspace = db.session.get(Workspace, escalation.workspace_id)
    escalation.answer, escalation.answered_at, escalation.closed_at = text, now, now
    escalation.status = "answered"
    with force_locale(workspace.locale or "de"):
        _internal_note(interaction, _("Answer from %(expert)s: %(answer)s", expert=expert.name, answer=text), None)
    if escalation.paused_sla:
        sla_services.end_pause(interaction, "waiting_on_expert", at=now)
    db.session.flush()
    _tell_asker(escalation, interaction, workspace, expert)
    audit.record("community.expert_answered", agency_id=escalation.agency_id, obj=escalation,
                 details={"expert": expert.name, "interaction_id": interaction.id})
    return escalation


def _tell_asker(escalation: Escalation, interaction: Interaction, workspace: Workspace, expert: Expert) -> None:
    asker = db.session.get(User, escalation.asked_by_id) if escalation.asked_by_id else None
    recipients = [asker] if asker is not None and asker.is_active else workspace_team(workspace.agency_id,
                                                                                       workspace.id)
    link = f"/w/{workspace.slug}/inbox/{interaction.id}"
    title = _l("%(expert)s answered your question about %(author)s", expert=expert.name,
               author=(interaction.author_name or "")[:80])
    notify(recipients, kind="community.expert_answered", title=title, body=(escalation.answer or "")[:500],
           link=link, dedupe_key=f"escalation-answered:{escalation.id}", workspace_id=workspace.id)
    for user in recipients:
        if not user.email:
            continue
        with force_locale(user.locale or workspace.locale or "de"):
            body = "\n\n".join([str(title), escalation.answer or "",
                                str(_l("Open the conversation: %(link)s", link=absolute_url(link)))])
            queue_mail(user.email, str(title), body)


def cancel(actor: User, escalation: Escalation, *, ip: str = "") -> Escalation:
    """Withdraw a question (answered some other way): the link dies, the SLA clock runs again."""
    if escalation.status != "waiting":
        raise ValidationError(_("Only a waiting question can be withdrawn."))
    now = db.utcnow()
    escalation.status, escalation.closed_at = "cancelled", now
    interaction = db.session.get(Interaction, escalation.interaction_id)
    if escalation.paused_sla:
        sla_services.end_pause(interaction, "waiting_on_expert", at=now)
    workspace = db.session.get(Workspace, escalation.workspace_id)
    expert = db.session.get(Expert, escalation.expert_id)
    with force_locale(workspace.locale or "de"):
        _internal_note(interaction, _("Question to %(expert)s withdrawn.", expert=expert.name), actor.id)
    audit.record("community.escalation_cancelled", agency_id=escalation.agency_id, actor=actor, obj=escalation,
                 ip=ip, details={"expert": expert.name})
    return escalation


def send_due_reminders(now=None) -> int:
    """Remind experts whose answer is overdue (once per escalation) and tell the asker; for the current agency."""
    now = now or db.utcnow()
    due = list(db.session.execute(
        update(Escalation).where(Escalation.status == "waiting", Escalation.reminded_at.is_(None),
                                 Escalation.reminder_due_at <= now, Escalation.expires_at > now)
        .values(reminded_at=now).returning(Escalation.id)).scalars())
    for escalation_id in due:
        escalation = db.session.get(Escalation, escalation_id)
        db.session.refresh(escalation)
        interaction = db.session.get(Interaction, escalation.interaction_id)
        expert = db.session.get(Expert, escalation.expert_id)
        workspace = db.session.get(Workspace, escalation.workspace_id)
        asker = db.session.get(User, escalation.asked_by_id) if escalation.asked_by_id else None
        _mail_expert(workspace, interaction, expert, escalation, asker, reminder=True)
        recipients = [asker] if asker is not None and asker.is_active else workspace_team(workspace.agency_id,
                                                                                           workspace.id)
        notify(recipients, kind="community.expert_waiting",
               title=_l("Still waiting for %(expert)s", expert=expert.name),
               body=_l("Your question about %(author)s has not been answered yet; we reminded %(expert)s.",
                       author=(interaction.author_name or "")[:80], expert=expert.name),
               link=f"/w/{workspace.slug}/inbox/{interaction.id}", dedupe_key=f"escalation-reminder:{escalation.id}",
               workspace_id=workspace.id)
    return len(due)
