"""Saved replies: agency-wide or per workspace, du/Sie variants, placeholders filled on insert, usage counts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.community import placeholders
from agency.community.inputs import clean_text
from agency.community.models import SAVED_REPLY_KINDS, SavedReply, ToneGuide
from agency.community.services.voice import signature_of
from agency.errors import ValidationError
from agency.inbox.models import Interaction
from agency.inbox.services import normalise_tags

MAX_TEXT = 5000


def available(agency_id: int, workspace_id: int | None, *, kind: str | None = None) -> list[SavedReply]:
    """The agency's shared saved replies plus the workspace's own, by title."""
    stmt = select(SavedReply).where(SavedReply.agency_id == agency_id)
    if workspace_id is None:
        stmt = stmt.where(SavedReply.workspace_id.is_(None))
    else:
        stmt = stmt.where(or_(SavedReply.workspace_id.is_(None), SavedReply.workspace_id == workspace_id))
    if kind is not None:
        stmt = stmt.where(SavedReply.kind == kind)
    return list(db.session.scalars(stmt.order_by(func.lower(SavedReply.title), SavedReply.id)))


def _title_taken(agency_id: int, workspace_id: int | None, title: str, exclude_id: int | None) -> bool:
    stmt = select(SavedReply.id).where(SavedReply.agency_id == agency_id,
                                       func.coalesce(SavedReply.workspace_id, 0) == (workspace_id or 0),
                                       func.lower(SavedReply.title) == title.lower())
    if exclude_id is not None:
        stmt = stmt.where(SavedReply.id != exclude_id)
    return db.session.scalar(stmt) is not None


def save(actor: User, *, agency_id: int, workspace: Workspace | None, title: str, language: str, tags: list[str],
         text_formal: str, text_informal: str, kind: str = "reply", reply: SavedReply | None = None,
         ip: str = "") -> SavedReply:
    """Create (``reply`` None) or update a saved reply; ``workspace`` None makes it agency-wide."""
    title = clean_text(title, "title", max_length=120, multiline=False)
    if language not in ("de", "en"):
        raise ValidationError(_("Choose German or English."), "language")
    if kind not in SAVED_REPLY_KINDS:
        raise ValidationError(_("Unknown kind."), "kind")
    if kind == "holding" and workspace is None:
        raise ValidationError(_("A holding statement belongs to one workspace's crisis plan."), "kind")
    text_formal = clean_text(text_formal, "text_formal", max_length=MAX_TEXT, required=False)
    text_informal = clean_text(text_informal, "text_informal", max_length=MAX_TEXT, required=False)
    if not text_formal and not text_informal:
        raise ValidationError(_("Write at least one variant (Sie or du)."), "text_formal")
    for field, text in (("text_formal", text_formal), ("text_informal", text_informal)):
        unknown = placeholders.unknown_placeholders(text)
        if unknown:
            raise ValidationError(_("Unknown placeholder %(names)s. Known ones: %(known)s.",
                                    names=", ".join("{" + u + "}" for u in unknown),
                                    known=", ".join("{" + k + "}" for k in placeholders.PLACEHOLDERS)), field)
    tags = normalise_tags(tags)
    workspace_id = workspace.id if workspace is not None else None
    if _title_taken(agency_id, workspace_id, title, reply.id if reply is not None else None):
        raise ValidationError(_("A saved reply with this title already exists here."), "title")
    if reply is None:
        reply = SavedReply(agency_id=agency_id, workspace_id=workspace_id, created_by_id=actor.id)
        db.session.add(reply)
    reply.kind, reply.title, reply.language, reply.tags = kind, title, language, tags
    reply.text_formal, reply.text_informal = text_formal, text_informal
    reply.updated_at = db.utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two people (or a double click) saved the same title at once: the unique index decided.
        raise ValidationError(_("A saved reply with this title already exists here."), "title") from None
    audit.record("community.saved_reply_saved", agency_id=agency_id, actor=actor, obj=reply, ip=ip,
                 details={"title": title, "workspace_id": workspace_id, "kind": kind})
    return reply


def delete(actor: User, reply: SavedReply, *, ip: str = "") -> None:
    audit.record("community.saved_reply_deleted", agency_id=reply.agency_id, actor=actor, obj=reply, ip=ip,
                 details={"title": reply.title})
    db.session.delete(reply)
    db.session.flush()


def record_use(reply: SavedReply) -> int:
    """Count one insertion (a single UPDATE, so concurrent inserts all count); returns the new count."""
    count = db.session.execute(
        update(SavedReply).where(SavedReply.id == reply.id)
        .values(usage_count=SavedReply.usage_count + 1, last_used_at=db.utcnow())
        .returning(SavedReply.usage_count)).scalar_one()
    db.session.expire(reply, ["usage_count", "last_used_at"])
    return count


def variant(reply: SavedReply, address_form: str) -> str:
    """The Sie or du text; the other one when only that exists (the checker then points it out)."""
    preferred, other = ((reply.text_formal, reply.text_informal) if address_form == "sie"
                        else (reply.text_informal, reply.text_formal))
    return preferred or other


def placeholder_values(workspace: Workspace, guide: ToneGuide | None, *, interaction: Interaction | None,
                       actor: User | None, channel_name: str | None = None, now: datetime | None = None,
                       locale: str | None = None) -> dict[str, str | None]:
    """What each placeholder stands for in this conversation (None where we do not know)."""
    now = now or db.utcnow()
    today = format_date(now.astimezone(ZoneInfo(workspace.timezone)).date(), "long",
                        locale=locale or workspace.locale or "de")
    author = interaction.author_name if interaction is not None else None
    agent = (actor.name.split()[0] if actor is not None and actor.name.strip() else None)
    return {
        "author_first_name": placeholders.first_name(author),
        "author_name": author if author and author != "—" else None,
        "persona": (guide.persona_name or None) if guide is not None else None,
        "signature": signature_of(guide) or None,
        "workspace": workspace.name,
        "channel": channel_name,
        "agent_name": agent,
        "today": today,
    }


def render(reply: SavedReply, workspace: Workspace, values: dict[str, str | None]) -> tuple[str, list[str]]:
    """The text to insert for this workspace (its address form) with placeholders filled."""
    return placeholders.fill(variant(reply, workspace.address_form), values)
