"""DSGVO tools: find a person across a workspace's channels, export what we hold about them, erase them,
and retention (anonymise or delete what is older than N months). Services flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import String, Text, and_, delete, func, or_, select, update

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.channels.connectors.base import PLACEHOLDER_AUTHOR_NAMES
from agency.errors import ValidationError
from agency.inbox import media
from agency.inbox.models import Interaction, Note, Reply
from agency.people import services as people
from agency.privacy.models import (
    ErasedIdentity,
    ErasureKind,
    PrivacyRequest,
    RequestKind,
    RetentionAction,
    RetentionSetting,
)

ERASED = "[erased]"
MAX_PEOPLE = 50
MIN_QUERY = 2
# A person's own texts shorter than this are not hunted for elsewhere ("ok", "danke" are everybody's words).
MIN_SCRUB_LENGTH = 8


@dataclass(frozen=True)
class Person:
    """One commenter/messenger of a workspace, as the platforms identify them."""

    platform: str
    external_id: str | None
    names: tuple[str, ...] = ()
    count: int = 0
    last_seen: datetime | None = None

    @property
    def key(self) -> str:
        return json.dumps([self.platform, self.external_id, None if self.external_id else self.names[0]])

    def condition(self):
        if self.external_id:
            return and_(Interaction.platform == self.platform, Interaction.author_external_id == self.external_id)
        return and_(Interaction.platform == self.platform, Interaction.author_external_id.is_(None),
                    Interaction.author_name == self.names[0])


def find_people(workspace: Workspace, query: str) -> list[Person]:
    """People whose name contains ``query`` or whose platform id is ``query``, across the workspace's channels."""
    query = " ".join((query or "").split())
    if len(query) < MIN_QUERY or len(query) > 200:
        return []
    matches = or_(func.strpos(func.lower(Interaction.author_name), query.lower()) > 0,
                  Interaction.author_external_id == query)
    stmt = (select(Interaction.platform, Interaction.author_external_id,
                   func.array_agg(func.distinct(Interaction.author_name)), func.count(), func.max(
                       Interaction.platform_created_at))
            .where(Interaction.workspace_id == workspace.id, Interaction.is_own.is_(False),
                   Interaction.author_name != ERASED, matches)
            .group_by(Interaction.platform, Interaction.author_external_id)
            .order_by(func.count().desc()).limit(MAX_PEOPLE))
    people = []
    for platform, external_id, names, count, last in db.session.execute(stmt):
        if external_id is None:  # without a platform id, each name is its own person
            people += [Person(platform, None, (name,), count, last) for name in sorted(names)]
        else:
            people.append(Person(platform, external_id, tuple(sorted(names)), count, last))
    return people


def person_from_key(workspace: Workspace, key: str) -> Person:
    """The person a form names (by ``Person.key``), with their current names; ValidationError if unknown."""
    try:
        platform, external_id, name = json.loads(key)
        if not isinstance(platform, str) or not (isinstance(external_id, str) or isinstance(name, str)):
            raise ValueError
    except (ValueError, TypeError):
        raise ValidationError(_("Choose a person from the search results."), "person") from None
    probe = Person(platform, external_id, (name,) if name else ())
    names = sorted(set(db.session.scalars(select(Interaction.author_name).where(
        Interaction.workspace_id == workspace.id, probe.condition()))) - {ERASED})
    if not names:
        raise ValidationError(_("Nobody of that name or id is left in this workspace."), "person")
    return Person(platform, external_id, tuple(names))


def _their_interactions(workspace: Workspace, person: Person) -> list[Interaction]:
    return list(db.session.scalars(select(Interaction).where(
        Interaction.workspace_id == workspace.id, Interaction.is_own.is_(False), person.condition())
        .order_by(Interaction.platform_created_at)))


def pseudonym(workspace: Workspace, person: Person) -> str:
    """A stable stand-in for the person's platform id (the same person gets the same one again)."""
    return _keyed(f"{workspace.id}:{person.platform}:{person.external_id or person.names[0]}")


def _keyed(raw: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return "person-" + hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:16]


# --- export ------------------------------------------------------------------------------------------

def collect(workspace: Workspace, person: Person) -> dict:
    """Everything we hold about the person in this workspace, as plain data."""
    items = _their_interactions(workspace, person)
    ids = [i.id for i in items]
    replies = list(db.session.scalars(select(Reply).where(Reply.interaction_id.in_(ids or [-1])).order_by(Reply.id)))
    notes = list(db.session.scalars(select(Note).where(Note.interaction_id.in_(ids or [-1])).order_by(Note.id)))
    return {
        "workspace": workspace.name,
        "exported_at": db.utcnow().isoformat(),
        "person": {"platform": person.platform, "platform_id": person.external_id, "names": list(person.names),
                   "avatar_urls": sorted({i.author_avatar_url for i in items if i.author_avatar_url}),
                   "picture_urls": sorted({u for i in items for u in _pictures(i.media)})},
        "interactions": [{
            "id": i.id, "kind": i.kind, "platform": i.platform, "text": i.text, "rating": i.rating,
            "created_at": i.platform_created_at.isoformat(), "permalink": i.permalink, "labels": list(i.tags or []),
            "status": i.status, "language": i.language, "sentiment": i.sentiment_label, "deleted": i.is_deleted,
            "in_reply_to_post": i.context_text} for i in items],
        "replies_to_them": [{"interaction_id": r.interaction_id, "text": r.text, "status": r.status,
                             "sent_at": r.sent_at.isoformat() if r.sent_at else None} for r in replies],
        "internal_notes": [{"interaction_id": n.interaction_id, "text": n.text,
                            "created_at": n.created_at.isoformat()} for n in notes],
        "profile": people.profile_of(workspace.id, person.platform, person.external_id),
    }


def export_zip(actor: User, workspace: Workspace, person: Person, *, received_on: date) -> tuple[bytes, PrivacyRequest]:
    """A ZIP of ``data.json`` and a readable ``summary.html``; the request is recorded and audited."""
    data = collect(workspace, person)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("summary.html", render_template("privacy/export_summary.html", data=data))
    counts = {"interactions": len(data["interactions"]), "replies": len(data["replies_to_them"]),
              "notes": len(data["internal_notes"])}
    record = _record(actor, workspace, RequestKind.EXPORT, pseudonym(workspace, person), received_on, counts)
    audit.record("privacy.exported", agency_id=workspace.agency_id, actor=actor, object_type="privacy_request",
                 object_id=record.id, details={"subject": record.subject, **counts})
    return buffer.getvalue(), record


def _record(actor: User, workspace: Workspace, kind: str, subject: str, received_on: date,
            outcome: dict) -> PrivacyRequest:
    if received_on > date.today():
        raise ValidationError(_("The request cannot be received in the future."), "received_on")
    record = PrivacyRequest(agency_id=workspace.agency_id, workspace_id=workspace.id, kind=kind, subject=subject,
                            received_on=received_on, done_at=db.utcnow(), outcome=outcome, handled_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    return record


# --- erasure -----------------------------------------------------------------------------------------

def _text_columns():
    """(table, [text columns]) of every table holding a workspace's rows, for the final sweep."""
    for table in db.Base.metadata.sorted_tables:
        if "workspace_id" not in table.c or "agency_id" not in table.c:
            continue
        columns = [c for c in table.c if isinstance(c.type, String | Text) and not c.primary_key
                   and c.name not in ("external_id", "parent_external_id", "thread_external_id")]
        if columns:
            yield table, columns


def _sweep(workspace: Workspace, strings: list[str]) -> tuple[int, set[tuple[int, str]]]:
    """Replace each string (case-insensitively) in every text column of the workspace's rows.

    Returns how many fields changed and the (channel id, platform id) of every interaction changed: those
    rows are erased items too, so that a later sync does not bring the quote back.
    """
    changed, items = 0, set()
    for table, columns in _text_columns():
        for column in columns:
            for needle in strings:
                pattern = "(?i)" + re.escape(needle).replace("\\ ", " ")
                stmt = (table.update().where(table.c.workspace_id == workspace.id,
                                             func.strpos(func.lower(column), needle.lower()) > 0)
                        .values({column: func.regexp_replace(column, pattern, ERASED, "g")}))
                if table.name == Interaction.__tablename__:
                    touched = db.session.execute(stmt.returning(table.c.channel_id, table.c.external_id)).all()
                    items.update((channel_id, external_id) for channel_id, external_id in touched)
                    changed += len(touched)
                else:
                    changed += db.session.execute(stmt).rowcount or 0
    return changed, items


def _pictures(stored: dict | None) -> list[str]:
    if not isinstance(stored, dict):
        return []
    return [u for u in [*(stored.get("images") or []), stored.get("context_image")] if isinstance(u, str)]


def _anonymise(items: list[Interaction], stand_in) -> tuple[int, int]:
    ids = [i.id for i in items]
    for item in items:
        media.forget([item.author_avatar_url, *_pictures(item.media)])  # the cached copies of their pictures
        item.text, item.author_name, item.author_avatar_url, item.media = ERASED, ERASED, None, None
        item.author_external_id = stand_in(item)
        item.permalink, item.extra = None, {}
    replies = db.session.execute(update(Reply).where(Reply.interaction_id.in_(ids or [-1])).values(text=ERASED))
    notes = db.session.execute(update(Note).where(Note.interaction_id.in_(ids or [-1])).values(text=ERASED))
    db.session.flush()
    return replies.rowcount or 0, notes.rowcount or 0


def erase(actor: User, workspace: Workspace, person: Person, *, received_on: date) -> PrivacyRequest:
    """Erase the person from the workspace: their texts and names replaced, their platform id pseudonymised,
    replies to them and notes about them blanked, their name and texts swept from every other text column.
    Rows stay (with the same dates, channels and statuses), so counts in reports stay equal."""
    items = _their_interactions(workspace, person)
    if not items:
        raise ValidationError(_("Nobody of that name or id is left in this workspace."), "person")
    stand_in = pseudonym(workspace, person)
    strings = sorted({*person.names, *([person.external_id] if person.external_id else []),
                      *(i.text for i in items if len(i.text or "") >= MIN_SCRUB_LENGTH)}, key=len, reverse=True)
    strings = [s for s in strings if s and s != ERASED]
    erased_items = {(i.channel_id, i.external_id) for i in items}
    replies, notes = _anonymise(items, lambda _item: stand_in)
    # The profile (name, labels, note, identities) goes before the sweep rewrites its platform ids.
    people.forget_author(workspace.id, person.platform, person.external_id)
    swept, quoting = _sweep(workspace, strings)
    db.session.expire_all()  # the sweep wrote past the ORM: loaded rows must be read again
    blocked = _block(workspace, person, erased_items | quoting)
    outcome = {"interactions": len(items), "replies": replies, "notes": notes, "other_fields": swept,
               # Later syncs and webhooks skip the person's items, new ones included, and the rows that quoted them.
               "future_syncs_skip": blocked}
    record = _record(actor, workspace, RequestKind.ERASURE, stand_in, received_on, outcome)
    audit.record("privacy.erased", agency_id=workspace.agency_id, actor=actor, object_type="privacy_request",
                 object_id=record.id, details={"subject": stand_in, **outcome})
    return record


# --- what later syncs must not store again ------------------------------------------------------------

def _erasure_key() -> bytes:
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"privacy-erasures", hashlib.sha256).digest()


def _digest(key: bytes, raw: str) -> str:
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()


def _item_raw(channel_id: int, external_id: str) -> str:
    return f"item:{channel_id}:{external_id}"


def _author_raw(workspace_id: int, platform: str, author_external_id: str | None,
                author_name: str | None) -> str | None:
    """What identifies an author across the workspace's channels: their platform id, else their name (never a
    placeholder such as "Messenger user", which stands for many people)."""
    if author_external_id:
        return f"author:{workspace_id}:{platform}:{author_external_id}"
    if author_name and author_name not in PLACEHOLDER_AUTHOR_NAMES and author_name not in ("—", ERASED):
        return f"name:{workspace_id}:{platform}:{author_name}"
    return None


def _block(workspace: Workspace, person: Person, items: set[tuple[int, str]]) -> int:
    """Record keyed hashes of the person and of the erased items (never the clear ids); returns how many."""
    key = _erasure_key()
    digests = {_digest(key, _item_raw(channel_id, external_id)): ErasureKind.ITEM for channel_id, external_id in items}
    authors = [_author_raw(workspace.id, person.platform, person.external_id, None)] if person.external_id else [
        _author_raw(workspace.id, person.platform, None, name) for name in person.names]
    digests.update({_digest(key, raw): ErasureKind.AUTHOR for raw in authors if raw})
    known = set(db.session.scalars(select(ErasedIdentity.digest).where(
        ErasedIdentity.workspace_id == workspace.id, ErasedIdentity.digest.in_(list(digests)))))
    db.session.add_all([ErasedIdentity(agency_id=workspace.agency_id, workspace_id=workspace.id, kind=kind, digest=d)
                        for d, kind in sorted(digests.items()) if d not in known])
    db.session.flush()
    return len(digests)


def erasure_filter(workspace_id: int):
    """The provider ``erasure_filter``: None when nobody of the workspace was erased, else a function telling
    whether a platform item (by its channel and id, or its author) belongs to an erased person.

    One query for the workspace's hashes; ingest asks once per sync (``sync_cache``) and then per item.
    """
    digests = frozenset(db.session.scalars(select(ErasedIdentity.digest).where(
        ErasedIdentity.workspace_id == workspace_id)))
    if not digests:
        return None
    key = _erasure_key()

    def is_erased(channel_id: int, platform: str, external_id: str, author_external_id: str | None,
                  author_name: str | None) -> bool:
        if _digest(key, _item_raw(channel_id, external_id)) in digests:
            return True
        author = _author_raw(workspace_id, platform, author_external_id, author_name)
        return author is not None and _digest(key, author) in digests

    return is_erased


def requests_of(workspace: Workspace) -> list[PrivacyRequest]:
    return list(db.session.scalars(select(PrivacyRequest).where(PrivacyRequest.workspace_id == workspace.id)
                                   .order_by(PrivacyRequest.id.desc()).limit(200)))


# --- retention ---------------------------------------------------------------------------------------

MIN_MONTHS, MAX_MONTHS = 1, 120


def retention_of(workspace: Workspace) -> RetentionSetting:
    found = db.session.scalar(select(RetentionSetting).where(RetentionSetting.workspace_id == workspace.id))
    return found or RetentionSetting(agency_id=workspace.agency_id, workspace_id=workspace.id, enabled=False,
                                     months=24, action=RetentionAction.ANONYMISE)


def save_retention(actor: User, workspace: Workspace, *, enabled: bool, months: int, action: str) -> RetentionSetting:
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValidationError(_("Between %(a)d and %(b)d months.", a=MIN_MONTHS, b=MAX_MONTHS), "months")
    if action not in set(RetentionAction):
        raise ValidationError(_("Choose what happens to old interactions."), "action")
    setting = retention_of(workspace)
    setting.enabled, setting.months, setting.action = enabled, months, action
    db.session.add(setting)
    db.session.flush()
    audit.record("privacy.retention_saved", agency_id=workspace.agency_id, actor=actor, obj=workspace,
                 details={"enabled": enabled, "months": months, "action": action})
    return setting


def cutoff(months: int, now: datetime | None = None) -> datetime:
    now = now or db.utcnow()
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(now.day, 28)
    return now.replace(year=year, month=month + 1, day=day)


def retention_plan(setting: RetentionSetting, now: datetime | None = None) -> list[int]:
    """The ids of the interactions a run would anonymise or delete now (the dry run shows exactly these)."""
    stmt = select(Interaction.id).where(Interaction.workspace_id == setting.workspace_id,
                                        Interaction.platform_created_at < cutoff(setting.months, now))
    if setting.action == RetentionAction.ANONYMISE:
        stmt = stmt.where(or_(Interaction.author_name != ERASED, Interaction.text != ERASED))
    return list(db.session.scalars(stmt.order_by(Interaction.id)))


def apply_retention(setting: RetentionSetting, now: datetime | None = None) -> list[int]:
    """Anonymise or delete what ``retention_plan`` lists; returns those ids."""
    ids = retention_plan(setting, now)
    if ids and setting.action == RetentionAction.DELETE:
        db.session.execute(delete(Interaction).where(Interaction.id.in_(ids)))
    elif ids:
        items = list(db.session.scalars(select(Interaction).where(Interaction.id.in_(ids))))
        _anonymise(items, lambda item: _keyed(
            f"{item.workspace_id}:{item.platform}:{item.author_external_id or item.author_name}"))
    setting.last_run_at, setting.last_run_count = db.utcnow(), len(ids)
    db.session.flush()
    return ids
