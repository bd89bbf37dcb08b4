"""People: identities made from interactions (in bulk, lazily), a person's timeline across channels, labels and
notes, merge and split. Services flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, text, tuple_, update

from agency import audit, db
from agency.errors import ValidationError
from agency.inbox.models import Interaction
from agency.people.models import Person, PersonIdentity

#: The fixed labels (stored by key); staff may add free labels besides these.
LABELS = {
    "vip": _l("VIP"),
    "press": _l("Press"),
    "troll": _l("Troll"),
    "customer": _l("Customer"),
    "influencer": _l("Influencer"),
    "partner": _l("Partner"),
}
#: labels shown as a warning rather than neutrally
WARN_LABELS = frozenset({"troll"})
MAX_LABELS = 20
LABEL_MAX_LENGTH = 40
NOTE_MAX_LENGTH = 5000
#: rows of a timeline page and of the people list
PAGE = 30

SORTS = ("recent", "name", "count")


def label_text(label: str) -> str:
    """A label as people read it (a fixed label in the user's language)."""
    return str(LABELS[label]) if label in LABELS else label


def normalise_label(raw: str) -> str:
    """A fixed label's key when ``raw`` names one (key or translated name, any case), else the free label."""
    clean = " ".join((raw or "").replace("\x00", "").split())
    if not clean:
        raise ValidationError(_("Enter a label."), "label")
    if len(clean) > LABEL_MAX_LENGTH:
        raise ValidationError(_("A label has at most %(n)d characters.", n=LABEL_MAX_LENGTH), "label")
    folded = clean.casefold()
    for key, name in LABELS.items():
        if folded in (key, str(name).casefold()):
            return key
    return clean


# --- identities from interactions ---------------------------------------------------------------

_LINK_SQL = """
WITH seen AS (
    SELECT DISTINCT ON (i.platform, i.author_external_id)
           i.platform, i.author_external_id, left(i.author_name, 300) AS author_name, i.channel_id
    FROM {source}
    WHERE i.workspace_id = :ws
      AND i.author_external_id IS NOT NULL AND i.author_external_id <> '' AND NOT i.is_own
      AND i.author_name <> '[erased]'  -- erased by a DSGVO request (agency.privacy): no profile again
      -- OFFSET 0: a lookup per item in the unique index, never a join the planner might pick on stale statistics
      AND NOT EXISTS (SELECT 1 FROM person_identities pi WHERE pi.workspace_id = :ws
                      AND pi.platform = i.platform AND pi.author_external_id = i.author_external_id OFFSET 0)
    ORDER BY i.platform, i.author_external_id, i.platform_created_at DESC, i.id DESC
), numbered AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('people', 'id')) AS person_id, s.* FROM seen s
), new_people AS (
    INSERT INTO people (id, agency_id, workspace_id, display_name)
    SELECT person_id, :agency, :ws, author_name FROM numbered
    RETURNING id
)
INSERT INTO person_identities (agency_id, workspace_id, person_id, platform, author_external_id, author_name,
                               channel_id)
SELECT :agency, :ws, n.person_id, n.platform, n.author_external_id, n.author_name, n.channel_id
FROM numbered n JOIN new_people p ON p.id = n.person_id
ON CONFLICT (workspace_id, platform, author_external_id) DO NOTHING
"""


def _lock(workspace_id: int, *, wait: bool = True) -> bool:
    # One linker per workspace at a time (two syncs of its channels meeting the same new author would each make
    # a person); held until the page's commit.
    fn = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    got = db.session.execute(text(f"SELECT {fn}(hashtext('people.link'), :ws)"),
                             {"ws": int(workspace_id) % 2_147_483_647}).scalar()
    return got is not False


#: A page's items by primary key (never a scan of the workspace, whatever the statistics say).
_PAGE_SOURCE = ("unnest(CAST(:ids AS bigint[])) AS page(id) "
                "CROSS JOIN LATERAL (SELECT * FROM interactions WHERE id = page.id OFFSET 0) i")
#: The people behind a page's items.
_TOUCHED_BY_PAGE = ("SELECT DISTINCT pi.person_id FROM unnest(CAST(:ids AS bigint[])) AS page(id) "
                    "CROSS JOIN LATERAL (SELECT * FROM interactions WHERE id = page.id OFFSET 0) i "
                    "CROSS JOIN LATERAL (SELECT person_id FROM person_identities WHERE workspace_id = i.workspace_id "
                    "AND platform = i.platform AND author_external_id = i.author_external_id OFFSET 0) pi "
                    "WHERE i.workspace_id = :ws")


def link_authors(agency_id: int, workspace_id: int, interaction_ids: list[int] | None = None, *,
                 wait: bool = True) -> int:
    """Give every author of these interactions (all of the workspace's when None) who has no identity yet a
    person and an identity, in one statement, and bring the list's figures of their people up to date; returns
    how many were made. ``wait=False`` (a page view) gives up at once while a sync of the workspace links, rather
    than wait for it holding the page's own row locks."""
    if interaction_ids is not None and not interaction_ids:
        return 0
    if not _lock(workspace_id, wait=wait):
        return 0
    params: dict[str, Any] = {"ws": workspace_id, "agency": agency_id}
    if interaction_ids is None:
        source = "interactions i"
    else:
        source = _PAGE_SOURCE
        params["ids"] = [int(i) for i in interaction_ids]
    made = db.session.execute(text(_LINK_SQL.format(source=source)), params).rowcount or 0
    refresh_stats(workspace_id, interaction_ids=interaction_ids)
    return made


_STATS_SQL = """
WITH touched AS ({touched}), stats AS (
    SELECT t.person_id, coalesce(sum(c.n), 0) AS n, max(c.last) AS last
    FROM touched t
    LEFT JOIN person_identities pi ON pi.person_id = t.person_id
    -- per identity, through ix_interactions_author (never a join over the workspace's interactions)
    LEFT JOIN LATERAL (
        SELECT count(*) AS n, max(i.platform_created_at) AS last FROM interactions i
        WHERE i.workspace_id = pi.workspace_id AND i.author_external_id = pi.author_external_id
          AND i.platform = pi.platform) c ON true
    GROUP BY t.person_id
)
UPDATE people p SET interaction_count = s.n, last_seen_at = s.last
FROM stats s
WHERE p.id = s.person_id AND p.workspace_id = :ws
  AND (p.interaction_count IS DISTINCT FROM s.n OR p.last_seen_at IS DISTINCT FROM s.last)
"""


def refresh_stats(workspace_id: int, *, interaction_ids: list[int] | None = None,
                  person_ids: list[int] | None = None) -> None:
    """Count the interactions (and the newest one's time) of the people behind these interactions, of these
    people, or of everyone in the workspace when neither is given; one statement, exact (never an increment)."""
    params: dict[str, Any] = {"ws": workspace_id}
    if person_ids is not None:
        touched = "SELECT unnest(CAST(:pids AS bigint[])) AS person_id"
        params["pids"] = [int(p) for p in person_ids]
    elif interaction_ids is not None:
        touched = _TOUCHED_BY_PAGE
        params["ids"] = [int(i) for i in interaction_ids]
    else:
        touched = "SELECT id AS person_id FROM people WHERE workspace_id = :ws"
    db.session.execute(text(_STATS_SQL.format(touched=touched)), params)


def on_interactions_received(channel, interaction_ids=(), **_kwargs) -> None:
    """Signal handler: new items of a sync page or a webhook get their authors' identities in a job queued once
    the page commits (linking inside the ingest's transaction cost it more than half its speed in
    bench/ingest.py)."""
    from agency.people.jobs import link_page_authors

    if interaction_ids:
        link_page_authors.enqueue(channel.agency_id, channel.workspace_id, [int(i) for i in interaction_ids])


def _identity_join():
    return and_(Interaction.workspace_id == PersonIdentity.workspace_id,
                Interaction.platform == PersonIdentity.platform,
                Interaction.author_external_id == PersonIdentity.author_external_id)


# --- the thread's card -------------------------------------------------------------------------------


@dataclass
class Card:
    person: Person
    earlier: int
    channels: int


def card_for(interaction: Interaction) -> Card | None:
    """The person behind an interaction with how many earlier interactions they have in the workspace (on any
    channel): one statement; the first time an author is shown, their identity is made first."""
    if not interaction.author_external_id or interaction.is_own:
        return None
    found = _card(interaction)
    if found is None and link_authors(interaction.agency_id, interaction.workspace_id, [interaction.id],
                                      wait=False):
        found = _card(interaction)
    return found


def _card(interaction: Interaction) -> Card | None:
    mine = select(PersonIdentity.person_id).where(
        PersonIdentity.workspace_id == interaction.workspace_id, PersonIdentity.platform == interaction.platform,
        PersonIdentity.author_external_id == interaction.author_external_id).scalar_subquery()
    other = PersonIdentity.__table__.alias("other")
    earlier = (select(func.count(Interaction.id), func.count(func.distinct(Interaction.channel_id)))
               .join(other, and_(Interaction.workspace_id == other.c.workspace_id,
                                 Interaction.platform == other.c.platform,
                                 Interaction.author_external_id == other.c.author_external_id))
               .where(other.c.person_id == Person.id, Interaction.workspace_id == interaction.workspace_id,
                      Interaction.id != interaction.id,
                      Interaction.platform_created_at <= interaction.platform_created_at)
               .lateral("earlier"))
    row = db.session.execute(
        select(Person, earlier.c[0], earlier.c[1]).join(earlier, text("true"))
        .where(Person.id == mine, Person.workspace_id == interaction.workspace_id)).first()
    if row is None:
        return None
    return Card(row[0], row[1] or 0, row[2] or 0)


# --- reading -------------------------------------------------------------------------------------------


def identities_of(person: Person) -> list[PersonIdentity]:
    return list(db.session.scalars(select(PersonIdentity).where(PersonIdentity.person_id == person.id)
                                   .order_by(PersonIdentity.platform, PersonIdentity.id)))


def parse_cursor(raw: str | None) -> tuple[datetime, int] | None:
    """``<iso time>_<id>`` of the last item shown; None when absent or malformed."""
    if not raw or len(raw) > 80:
        return None
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT[0-9:.]+(?:[+-]\d\d:\d\d)?)_(\d{1,18})", raw)
    if not match:
        return None
    try:
        return datetime.fromisoformat(match.group(1)), int(match.group(2))
    except ValueError:
        return None


def cursor_of(item: Interaction) -> str:
    return f"{item.platform_created_at.isoformat()}_{item.id}"


def timeline(person: Person, *, before: tuple[datetime, int] | None = None, limit: int = PAGE
             ) -> tuple[list[Interaction], str | None]:
    """The person's interactions on every channel of the workspace, newest first, keyset paged; and the cursor
    of the next page (None on the last)."""
    stmt = (select(Interaction).join(PersonIdentity, _identity_join())
            .where(PersonIdentity.person_id == person.id, Interaction.workspace_id == person.workspace_id))
    if before is not None:
        stmt = stmt.where(tuple_(Interaction.platform_created_at, Interaction.id) < tuple_(*before))
    rows = list(db.session.scalars(stmt.order_by(Interaction.platform_created_at.desc(), Interaction.id.desc())
                                   .limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (cursor_of(rows[-1]) if more and rows else None)


@dataclass
class Row:
    person: Person
    count: int
    last_at: datetime | None
    platforms: list[str]


def people_of(workspace, *, q: str = "", label: str = "", sort: str = "recent", page: int = 1
              ) -> tuple[list[Row], bool]:
    """A page of the workspace's people with their number of interactions, the newest one's time and their
    platforms; searchable by name, platform name or author id, filterable by label. One statement."""
    platforms = (select(func.array_agg(func.distinct(PersonIdentity.platform)))
                 .where(PersonIdentity.person_id == Person.id).scalar_subquery())
    stmt = select(Person, platforms).where(Person.workspace_id == workspace.id)
    q = " ".join((q or "").replace("\x00", "").split())[:200]
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(
            Person.display_name.ilike(like),
            select(PersonIdentity.id).where(
                PersonIdentity.person_id == Person.id,
                or_(PersonIdentity.author_name.ilike(like), PersonIdentity.author_external_id == q)).exists()))
    if label:
        stmt = stmt.where(Person.labels.contains([label]))
    if sort == "name":
        stmt = stmt.order_by(func.lower(Person.display_name), Person.id)
    elif sort == "count":
        stmt = stmt.order_by(Person.interaction_count.desc(), Person.id.desc())
    else:
        stmt = stmt.order_by(Person.last_seen_at.desc().nulls_last(), Person.id.desc())
    page = max(1, min(page, 10_000))
    rows = db.session.execute(stmt.offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    return ([Row(r[0], r[0].interaction_count, r[0].last_seen_at, sorted(r[1] or [])) for r in rows[:PAGE]],
            len(rows) > PAGE)


def author_labels(workspace_id: int, authors: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """Provided to the inbox's rules: the labels (lower case) of each (platform, author id)'s person."""
    wanted = {(p, a) for p, a in authors if p and a}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(PersonIdentity.platform, PersonIdentity.author_external_id, Person.labels)
        .join(Person, Person.id == PersonIdentity.person_id)
        .where(PersonIdentity.workspace_id == workspace_id,
               tuple_(PersonIdentity.platform, PersonIdentity.author_external_id).in_(list(wanted)))).all()
    return {(p, a): {label.casefold() for label in labels or []} for p, a, labels in rows}


# --- changing ------------------------------------------------------------------------------------------


def add_label(actor, person: Person, raw: str, *, ip: str = "") -> str:
    label = normalise_label(raw)
    if label.casefold() in {existing.casefold() for existing in person.labels}:
        raise ValidationError(_("%(name)s has this label already.", name=person.display_name), "label")
    if len(person.labels) >= MAX_LABELS:
        raise ValidationError(_("A person has at most %(n)d labels.", n=MAX_LABELS), "label")
    person.labels = [*person.labels, label]
    db.session.flush()
    audit.record("people.label_added", agency_id=person.agency_id, actor=actor, obj=person, ip=ip,
                 details={"label": label})
    return label


def remove_label(actor, person: Person, raw: str, *, ip: str = "") -> str:
    clean = " ".join((raw or "").split())
    if clean not in person.labels:
        raise ValidationError(_("%(name)s has no such label.", name=person.display_name), "label")
    person.labels = [existing for existing in person.labels if existing != clean]
    db.session.flush()
    audit.record("people.label_removed", agency_id=person.agency_id, actor=actor, obj=person, ip=ip,
                 details={"label": clean})
    return clean


def save_note(actor, person: Person, *, name: str, note: str, ip: str = "") -> None:
    name = " ".join((name or "").split())
    if not name or len(name) > 300:
        raise ValidationError(_("Give the person a name of at most 300 characters."), "display_name")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(_("A note has at most %(n)d characters.", n=NOTE_MAX_LENGTH), "note")
    changed = {k: v for k, v in (("name", name), ("note", note))
               if v != (person.display_name if k == "name" else person.note)}
    if not changed:
        return
    person.display_name, person.note = name, note
    db.session.flush()
    audit.record("people.note_saved", agency_id=person.agency_id, actor=actor, obj=person, ip=ip,
                 details={"fields": sorted(changed)})


def merge(actor, keep: Person, other: Person, *, ip: str = "") -> Person:
    """Merge ``other`` into ``keep``: its identities move (and with them its timeline), labels and notes combine,
    ``other`` is gone."""
    if keep.id == other.id:
        raise ValidationError(_("Choose another person to merge."), "other")
    if keep.workspace_id != other.workspace_id:
        raise ValidationError(_("Only people of one workspace can be merged."), "other")
    moved = db.session.execute(update(PersonIdentity).where(PersonIdentity.person_id == other.id)
                               .values(person_id=keep.id)).rowcount
    labels = list(keep.labels)
    for label in other.labels:
        if label.casefold() not in {existing.casefold() for existing in labels}:
            labels.append(label)
    keep.labels = labels[:MAX_LABELS]
    notes = [n for n in (keep.note.strip(), other.note.strip()) if n]
    if len(notes) == 2 and notes[1] not in notes[0]:
        keep.note = f"{notes[0]}\n\n{other.display_name}: {notes[1]}"[:NOTE_MAX_LENGTH]
    elif notes:
        keep.note = notes[0]
    details = {"merged_id": other.id, "merged_name": other.display_name, "identities": moved}
    db.session.delete(other)
    db.session.flush()
    refresh_stats(keep.workspace_id, person_ids=[keep.id])
    db.session.expire(keep, ["interaction_count", "last_seen_at"])
    audit.record("people.merged", agency_id=keep.agency_id, actor=actor, obj=keep, ip=ip, details=details)
    return keep


def split(actor, person: Person, identity: PersonIdentity, *, ip: str = "") -> Person:
    """Take ``identity`` off ``person`` into a new person of its own (with its timeline)."""
    if identity.person_id != person.id:
        raise ValidationError(_("This identity belongs to someone else."), "identity")
    count = db.session.scalar(select(func.count(PersonIdentity.id)).where(PersonIdentity.person_id == person.id))
    if count < 2:
        raise ValidationError(_("%(name)s has only this identity; there is nothing to split off.",
                                name=person.display_name), "identity")
    new = Person(agency_id=person.agency_id, workspace_id=person.workspace_id,
                 display_name=identity.author_name or person.display_name, labels=[], note="")
    db.session.add(new)
    db.session.flush()
    identity.person_id = new.id
    db.session.flush()
    refresh_stats(person.workspace_id, person_ids=[person.id, new.id])
    db.session.expire(person, ["interaction_count", "last_seen_at"])
    db.session.expire(new, ["interaction_count", "last_seen_at"])
    audit.record("people.split", agency_id=person.agency_id, actor=actor, obj=person, ip=ip,
                 details={"identity": f"{identity.platform}:{identity.author_external_id}", "new_id": new.id})
    return new


# --- DSGVO (called by the privacy package above) ----------------------------------------------------


def profile_of(workspace_id: int, platform: str, author_external_id: str | None) -> dict | None:
    """What the profile of this platform identity holds (for a data export), or None."""
    if not author_external_id:
        return None
    person = db.session.scalar(select(Person).join(PersonIdentity, PersonIdentity.person_id == Person.id).where(
        PersonIdentity.workspace_id == workspace_id, PersonIdentity.platform == platform,
        PersonIdentity.author_external_id == author_external_id))
    if person is None:
        return None
    return {"name": person.display_name, "labels": [label_text(label) for label in person.labels],
            "note": person.note,
            "identities": [{"platform": i.platform, "platform_id": i.author_external_id, "name": i.author_name}
                           for i in identities_of(person)]}


def forget_author(workspace_id: int, platform: str, author_external_id: str | None) -> int:
    """Erase the profile that holds this platform identity (name, labels, note, all its identities); returns how
    many profiles were removed. The other identities' interactions get a bare profile again when next linked."""
    if not author_external_id:
        return 0
    person_id = db.session.scalar(select(PersonIdentity.person_id).where(
        PersonIdentity.workspace_id == workspace_id, PersonIdentity.platform == platform,
        PersonIdentity.author_external_id == author_external_id))
    if person_id is None:
        return 0
    db.session.delete(db.session.get(Person, person_id))
    db.session.flush()
    return 1
