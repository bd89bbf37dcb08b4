"""The demo agency's staff at work: its items are answered and closed on a realistic schedule.

A visitor of ``agency demo`` should meet a well-run agency, and the monthly report needs a history
to report on. So every customer item of the demo agency that nobody has touched gets a fate drawn
from its id (the same on every run): most are answered by the workspace's community manager within
15–90 % of their SLA target, some cut it close, about one in fifty is answered late; positive
comments that ask nothing are often just closed. The answer time is counted in the SLA's own
business calendar, so nobody replies at three in the morning. Items whose answer time has not
come yet stay open: they are the open inbox of the last hours (on track, a few at risk, rarely one
breached). ``tend()`` stores what is due; the demo runs it when it starts and every 30 seconds
(``tend_demo_inbox``, scheduled only when ``AGENCY_DEMO_STAFF=1``), so items synced later get
their answer in time too. What a person did to an item (a reply, an assignment, a status, a
snooze) is never overridden.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import exists, insert, select, update

from agency import db, wiring
from agency.accounts.models import Agency, Membership, Role, User, Workspace
from agency.demo import DEMO_AGENCY_SLUG
from agency.inbox.models import Interaction, Reply, Status
from agency.queue import job
from agency.sla.calendar import BusinessCalendar
from agency.sla.policy import effective_policies
from agency.sla.services import recompute_interactions

TEND_INTERVAL_SECONDS = 30
#: Used when a workspace has switched the response target off: two business hours.
FALLBACK_TARGET_MINUTES = 120

# Share of the SLA target after which the answer is sent: (cumulative probability, low, high).
_DELAYS = ((0.80, 0.15, 0.60), (0.94, 0.60, 0.90), (0.98, 0.90, 0.99), (1.00, 1.05, 1.60))
# Positive items without a question that are closed without a written answer (liked on the platform).
_CLOSE_WITHOUT_REPLY = 0.4

REPLY_TEXTS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("de", "du"): {
        "thanks": ("Danke dir für die lieben Worte! 😊 Wir freuen uns, dass es dir gefallen hat.",
                   "Vielen Dank, das freut uns riesig! Bis bald bei uns."),
        "sorry": ("Oh nein, das tut uns leid! Schreib uns bitte eine Direktnachricht mit deiner Bestellnummer, "
                  "dann kümmern wir uns sofort darum.",
                  "Danke, dass du uns Bescheid gibst – das sollte so nicht sein. Wir melden uns gleich per "
                  "Nachricht bei dir."),
        "answer": ("Gute Frage! Ja, das geht – alle Details findest du auf unserer Website unter „Service“. "
                   "Sag Bescheid, wenn noch etwas offen ist.",
                   "Hallo! Wir haben Montag bis Samstag von 7 bis 18 Uhr für dich geöffnet."),
        "message": ("Hallo, danke für deine Nachricht! Wir schauen uns das gleich an und melden uns in Kürze.",),
    },
    ("de", "sie"): {
        "thanks": ("Vielen Dank für Ihre freundlichen Worte! Wir freuen uns sehr, dass Sie zufrieden sind.",
                   "Herzlichen Dank für Ihre Bewertung – wir freuen uns auf Ihren nächsten Besuch."),
        "sorry": ("Das tut uns sehr leid. Bitte senden Sie uns Ihre Bestellnummer per Direktnachricht, dann "
                  "kümmern wir uns umgehend darum.",
                  "Vielen Dank für Ihren Hinweis – so soll es nicht sein. Wir melden uns gleich persönlich bei "
                  "Ihnen."),
        "answer": ("Vielen Dank für Ihre Frage! Ja, das ist möglich – alle Details finden Sie auf unserer Website "
                   "unter „Service“.",
                   "Guten Tag! Wir sind Montag bis Samstag von 9 bis 18 Uhr für Sie da."),
        "message": ("Guten Tag, vielen Dank für Ihre Nachricht! Wir prüfen Ihr Anliegen und melden uns in Kürze "
                    "bei Ihnen.",),
    },
    ("en", ""): {
        "thanks": ("Thank you so much for the kind words! We're glad you enjoyed it.",
                   "Thanks a lot – that made our day! See you soon."),
        "sorry": ("We're sorry to hear that. Please send us a direct message with your order number and we'll sort "
                  "it out right away.",
                  "Thanks for letting us know – that's not how it should be. We'll get in touch by message "
                  "shortly."),
        "answer": ("Great question! Yes, you can – all the details are on our website under 'Service'. Let us "
                   "know if anything else comes up.",
                   "Hi! We're open Monday to Saturday, 9 am to 6 pm."),
        "message": ("Hi, thanks for your message! We're looking into it and will get back to you shortly.",),
    },
}


def init_app(app: Flask) -> None:
    """Schedule the demo staff (only ``agency demo`` turns this on, through AGENCY_DEMO_STAFF=1)."""
    wiring.add_periodic(app, tend_demo_inbox, interval=TEND_INTERVAL_SECONDS)


@dataclass(frozen=True)
class Fate:
    """What the demo staff do with one item, and when."""

    at: datetime
    reply: bool
    late: bool


@dataclass
class TendResult:
    """How many items the staff answered, closed without a reply, and left for later."""

    answered: int = 0
    closed: int = 0
    waiting: int = 0


def fate(interaction_id: int, created_at: datetime, *, target_minutes: int, clock: BusinessCalendar,
         positive_remark: bool) -> Fate:
    """The item's fate, drawn from its id: the same on every run."""
    rng = random.Random(f"demo-staff-{interaction_id}")
    roll = rng.random()
    low, high = next((lo, hi) for limit, lo, hi in _DELAYS if roll < limit)
    share = rng.uniform(low, high)
    at = clock.add(created_at, timedelta(minutes=target_minutes * share))
    return Fate(at=at, reply=not (positive_remark and rng.random() < _CLOSE_WITHOUT_REPLY), late=share > 1)


def reply_text(interaction_id: int, *, language: str, address_form: str, kind: str, sentiment: str | None,
               rating: int | None, is_question: bool) -> str:
    """A staff answer that fits the item: thanks, an apology, an answer or a message reply."""
    form = ("sie" if address_form == "sie" else "du") if language == "de" else ""
    texts = REPLY_TEXTS[("de" if language == "de" else "en", form)]
    if (rating is not None and rating <= 2) or sentiment == "negative":
        topic = "sorry"
    elif is_question:
        topic = "answer"
    elif kind == "direct_message":
        topic = "message"
    else:
        topic = "thanks"
    options = texts[topic]
    return options[interaction_id % len(options)]


def demo_agency_id() -> int | None:
    """The id of the demo agency, None before ``seed-demo`` created it."""
    with db.system_scope("find the demo agency by its slug"):
        return db.session.scalar(select(Agency.id).where(Agency.slug == DEMO_AGENCY_SLUG))


def _responders(agency_id: int) -> dict[int, list[int]]:
    """Per workspace, the staff who answer there: its community managers, else its account managers."""
    rows = db.session.execute(
        select(Membership.workspace_id, User.id, User.role).join(User, User.id == Membership.user_id)
        .where(Membership.agency_id == agency_id, User.is_active_user.is_(True),
               User.role.in_((Role.COMMUNITY_MANAGER, Role.ACCOUNT_MANAGER))).order_by(User.id))
    by_role: dict[int, dict[str, list[int]]] = {}
    for workspace_id, user_id, role in rows:
        by_role.setdefault(workspace_id, {}).setdefault(str(role), []).append(user_id)
    return {ws: roles.get(Role.COMMUNITY_MANAGER) or roles.get(Role.ACCOUNT_MANAGER) or []
            for ws, roles in by_role.items()}


def _untouched(agency_id: int) -> Sequence:
    """Customer items of the agency nobody has answered, resolved, assigned or snoozed.

    Locked until the commit, skipping rows a person is changing right now: their change wins.
    """
    replied = exists().where(Reply.interaction_id == Interaction.id)
    return db.session.execute(
        select(Interaction.id, Interaction.workspace_id, Interaction.kind, Interaction.priority,
               Interaction.language, Interaction.sentiment_label, Interaction.is_question, Interaction.rating,
               Interaction.platform_created_at)
        .where(Interaction.agency_id == agency_id, Interaction.is_own.is_(False), Interaction.is_deleted.is_(False),
               Interaction.status.in_((Status.NEW, Status.CLOSED)), Interaction.first_responded_at.is_(None),
               Interaction.resolved_at.is_(None), Interaction.assignee_id.is_(None),
               Interaction.snoozed_until.is_(None), ~replied)
        .order_by(Interaction.id).with_for_update(skip_locked=True, of=Interaction)).all()


def tend(agency_id: int, now: datetime | None = None) -> TendResult:
    """Answer and close the agency's untouched items whose time has come; flushes, never commits."""
    now = now or db.utcnow()
    result = TendResult()
    items = _untouched(agency_id)
    if not items:
        return result
    workspaces = {ws.id: ws for ws in db.session.scalars(select(Workspace).where(Workspace.agency_id == agency_id))}
    policies = effective_policies(list(workspaces))
    responders = _responders(agency_id)
    replies, changes = [], []
    for item in items:
        policy = policies[item.workspace_id]
        target = policy.target("first_response", item.kind, item.priority)
        clock = policy.clock(target) if target is not None else policy.calendar
        positive_remark = item.sentiment_label == "positive" and not item.is_question
        chosen = fate(item.id, item.platform_created_at, clock=clock, positive_remark=positive_remark,
                      target_minutes=target.minutes if target is not None else FALLBACK_TARGET_MINUTES)
        if chosen.at > now:
            result.waiting += 1
            continue
        staff = responders.get(item.workspace_id) or [None]
        author_id = staff[item.id % len(staff)]
        change = {"id": item.id, "status": Status.CLOSED, "first_responded_at": chosen.at, "resolved_at": chosen.at,
                  "handled_at": chosen.at, "awaiting_since": None, "is_opportunity": False}
        if chosen.reply:
            workspace = workspaces[item.workspace_id]
            text = reply_text(item.id, language=item.language or workspace.locale, kind=item.kind,
                              address_form=workspace.address_form, sentiment=item.sentiment_label,
                              rating=item.rating, is_question=item.is_question)
            replies.append({"agency_id": agency_id, "workspace_id": item.workspace_id, "interaction_id": item.id,
                            "author_id": author_id, "text": text, "status": "sent", "attempts": 1,
                            "first_attempt_at": chosen.at, "sent_at": chosen.at, "created_at": chosen.at})
            change["last_reply_at"] = chosen.at
            result.answered += 1
        else:
            result.closed += 1
        changes.append(change)
    if replies:
        db.session.execute(insert(Reply), replies)
    if changes:
        # Bulk UPDATE by primary key; rows that were never replied keep last_reply_at as it was.
        with_reply = [c for c in changes if "last_reply_at" in c]
        without = [c for c in changes if "last_reply_at" not in c]
        for batch in (with_reply, without):
            if batch:
                db.session.execute(update(Interaction), batch)
        recompute_interactions([c["id"] for c in changes], now=now)
    db.session.flush()
    return result


@job("default", timeout=300)
def tend_demo_inbox() -> dict:
    """Demo only: the demo agency's simulated staff answer and close what is due (every 30 seconds)."""
    agency_id = demo_agency_id()
    if agency_id is None:
        return {"skipped": True}
    with db.tenant(db.session(), agency_id):
        result = tend(agency_id)
    return {"answered": result.answered, "closed": result.closed, "waiting": result.waiting}
