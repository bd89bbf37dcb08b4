"""Reads for the inbox: filtered, keyset-paginated lists across workspaces; counts; threads."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG

from agency import db, wiring
from agency.inbox.models import OPEN_STATUSES, Interaction, Kind, Note, Priority, Reply, SavedView

PAGE_SIZE = 50
SORTS = ("newest", "oldest", "due")
STATUS_FILTERS = ("open", "new", "waiting", "replied", "closed", "ignored", "spam", "snoozed", "all")
SLA_STATES = ("on_track", "at_risk", "breached", "met", "missed")
SENTIMENTS = ("negative", "neutral", "positive")
LANGUAGES = ("de", "en", "other")


@dataclass
class DashboardCounts:
    open: int = 0
    unassigned: int = 0
    mine: int = 0
    oldest_waiting_since: datetime | None = None


def dashboard_counts(user_id: int, workspace_ids: list[int]) -> dict[int, DashboardCounts]:
    """Open, unassigned, mine and the oldest still-waiting interaction per workspace."""
    stmt = (
        select(
            Interaction.workspace_id,
            func.count(),
            func.count().filter(Interaction.assignee_id.is_(None)),
            func.count().filter(Interaction.assignee_id == user_id),
            func.min(Interaction.awaiting_since),
        )
        .where(Interaction.workspace_id.in_(workspace_ids), Interaction.status.in_(OPEN_STATUSES),
               Interaction.is_deleted.is_(False))
        .group_by(Interaction.workspace_id)
    )
    return {ws: DashboardCounts(open_, unassigned, mine, oldest)
            for ws, open_, unassigned, mine, oldest in db.session.execute(stmt).all()}


def counts_per_channel(workspace_id: int) -> dict[int, int]:
    stmt = (select(Interaction.channel_id, func.count()).where(Interaction.workspace_id == workspace_id)
            .group_by(Interaction.channel_id))
    return {channel_id: n for channel_id, n in db.session.execute(stmt).all() if channel_id is not None}


# --- the list ------------------------------------------------------------------------------

@dataclass
class InboxFilter:
    """What the list shows; parsed from query parameters (unknown values are ignored, never errors)."""

    workspace_ids: list[int] = field(default_factory=list)
    # The workspaces picked in the all-clients list (empty: all visible ones); kept in its links.
    workspace_choice: list[int] = field(default_factory=list)
    channel_id: int | None = None
    kind: str | None = None
    status: str = "open"
    assignee: str | None = None  # "mine", "unassigned", "team" (my teams' items) or a user id
    priority: str | None = None
    sentiment: str | None = None
    language: str | None = None
    tag: str | None = None
    q: str | None = None
    sla: str | None = None
    sort: str = "newest"

    @classmethod
    def from_args(cls, args, visible_ids: set[int], *, workspace_id: int | None = None,
                  workspace_arg: str = "workspace") -> InboxFilter:
        """``workspace_arg`` names the argument holding the all-clients list's workspace choice."""

        def one(name, allowed=None, maxlen=100):
            value = (args.get(name) or "").strip()[:maxlen]
            if not value or (allowed is not None and value not in allowed):
                return None
            return value

        wanted = [int(w) for w in args.getlist(workspace_arg) if str(w).isdigit() and len(str(w)) < 19] \
            if workspace_id is None else []
        choice = sorted(visible_ids & set(wanted))
        ids = choice if wanted else sorted(visible_ids)
        if workspace_id is not None:
            ids = [workspace_id] if workspace_id in visible_ids else []
        channel = one("channel")
        assignee = one("assignee")
        if assignee not in (None, "mine", "unassigned", "team") and not (assignee.isdigit() and len(assignee) < 19):
            assignee = None
        return cls(
            workspace_ids=ids, workspace_choice=choice,
            channel_id=int(channel) if channel and channel.isdigit() and len(channel) < 19 else None,
            kind=one("kind", set(Kind)), status=one("status", STATUS_FILTERS) or "open", assignee=assignee,
            priority=one("priority", set(Priority)), sentiment=one("sentiment", SENTIMENTS),
            language=one("language", LANGUAGES), tag=one("tag", maxlen=40), q=one("q", maxlen=200),
            sla=one("sla", SLA_STATES), sort=one("sort", SORTS) or "newest")

    def as_args(self) -> dict[str, str]:
        """The filter as query arguments, without the workspaces (the URLs carry those their own way)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("workspace_ids", "workspace_choice"):
                continue
            if value not in (None, "") and not (f.name == "status" and value == "open") \
                    and not (f.name == "sort" and value == "newest"):
                out[f.name.replace("_id", "")] = str(value)
        return out


def _search_condition(q: str):
    # The vector holds German stems for German items, English for English ones: match either.
    query = (func.websearch_to_tsquery(literal("german", REGCONFIG), q)
             .op("||")(func.websearch_to_tsquery(literal("english", REGCONFIG), q))
             .op("||")(func.websearch_to_tsquery(literal("simple", REGCONFIG), q)))
    return Interaction.search_vector.op("@@")(query)


def filtered(flt: InboxFilter, user_id: int, *, now: datetime | None = None, workspace_condition=None) -> Select:
    """The list's SELECT for a filter (without order and limit)."""
    now = now or db.utcnow()
    if workspace_condition is None:
        workspace_condition = Interaction.workspace_id.in_(flt.workspace_ids or [-1])
    stmt = select(Interaction).where(workspace_condition)
    status = flt.status
    # What the platform deleted has left the open inbox (other views still show it, marked as deleted).
    if status == "open":
        stmt = stmt.where(Interaction.status.in_(OPEN_STATUSES), Interaction.is_deleted.is_(False),
                          or_(Interaction.snoozed_until.is_(None), Interaction.snoozed_until <= now))
    elif status == "snoozed":
        stmt = stmt.where(Interaction.status.in_(OPEN_STATUSES), Interaction.is_deleted.is_(False),
                          Interaction.snoozed_until > now)
    elif status != "all":
        stmt = stmt.where(Interaction.status == status)
    if flt.channel_id:
        stmt = stmt.where(Interaction.channel_id == flt.channel_id)
    if flt.kind:
        stmt = stmt.where(Interaction.kind == flt.kind)
    if flt.assignee == "mine":
        stmt = stmt.where(Interaction.assignee_id == user_id)
    elif flt.assignee == "unassigned":
        stmt = stmt.where(Interaction.assignee_id.is_(None))
    elif flt.assignee == "team":
        # Teams belong to a package above the inbox: it hands us its condition (none installed: nothing matches).
        team_items = wiring.provided("team_items")
        stmt = stmt.where(team_items(user_id) if team_items is not None else false())
    elif flt.assignee:
        stmt = stmt.where(Interaction.assignee_id == int(flt.assignee))
    if flt.priority:
        stmt = stmt.where(Interaction.priority == flt.priority)
    if flt.sentiment:
        stmt = stmt.where(Interaction.sentiment_label == flt.sentiment)
    if flt.language:
        stmt = stmt.where(Interaction.language == flt.language)
    if flt.tag:
        # Tags keep the spelling they were given but are one tag in any case ("VIP" is "vip").
        tag = func.unnest(Interaction.tags).table_valued("tag").render_derived()
        stmt = stmt.where(select(tag.c.tag).where(func.lower(tag.c.tag) == flt.tag.lower()).exists())
    if flt.sla:
        stmt = stmt.where(Interaction.sla_state == flt.sla)
    if flt.q:
        stmt = stmt.where(_search_condition(flt.q))
    return stmt


_FAR_FUTURE = datetime(9999, 1, 1).astimezone()


def _sort_keys(sort: str):
    if sort == "due":
        return (func.coalesce(Interaction.sla_due_at, literal(_FAR_FUTURE)), Interaction.id), "asc"
    if sort == "oldest":
        return (Interaction.platform_created_at, Interaction.id), "asc"
    return (Interaction.platform_created_at, Interaction.id), "desc"


def encode_cursor(when: datetime | None, row_id: int) -> str:
    raw = f"{(when or _FAR_FUTURE).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str | None) -> tuple[datetime, int] | None:
    if not token or len(token) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        when, row_id = raw.split("|")
        return datetime.fromisoformat(when), int(row_id)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Page:
    items: list[Interaction]
    next_cursor: str | None


# Up to this many workspaces, the list is a LATERAL top-N per workspace (each an ordered index scan
# of ~limit rows) merged, instead of fetching every matching row of all workspaces and sorting.
PER_WORKSPACE_MAX = 50


def list_page(flt: InboxFilter, user_id: int, *, after: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of the list, keyset-paginated (stable under new arrivals, fast on page 50)."""
    (key, tiebreak), direction = _sort_keys(flt.sort)
    cursor = decode_cursor(after)

    def page_of(stmt, key_col, id_col):
        if cursor is not None:
            pair = tuple_(key_col, id_col)
            stmt = stmt.where(pair < tuple_(*cursor) if direction == "desc" else pair > tuple_(*cursor))
        order = (key_col.desc(), id_col.desc()) if direction == "desc" else (key_col.asc(), id_col.asc())
        return stmt.order_by(*order).limit(limit + 1)

    # A text search is better served by the search index, which holds the workspace too (one bitmap scan).
    if 1 < len(flt.workspace_ids) <= PER_WORKSPACE_MAX and not flt.q:
        ws = func.unnest(literal(flt.workspace_ids, ARRAY(BigInteger))).table_valued("ws_id").render_derived(name="w")
        # Each workspace's first ids only (an index-only scan of the open index when the filter reads only its
        # columns), merged; then the page's rows themselves, by id.
        ids = filtered(flt, user_id, workspace_condition=Interaction.workspace_id == ws.c.ws_id) \
            .with_only_columns(Interaction.id, key.label("sort_key"))
        inner = page_of(ids, key, tiebreak).lateral("per_workspace")
        # The cursor was applied inside each workspace already; applying it again outside is harmless.
        chosen = page_of(select(inner.c.id, inner.c.sort_key).select_from(ws).join(inner, true()),
                         inner.c.sort_key, inner.c.id).subquery("chosen")
        order = (chosen.c.sort_key.desc(), chosen.c.id.desc()) if direction == "desc" \
            else (chosen.c.sort_key.asc(), chosen.c.id.asc())
        rows = list(db.session.scalars(
            select(Interaction).join(chosen, Interaction.id == chosen.c.id).order_by(*order)))
    else:
        rows = list(db.session.scalars(page_of(filtered(flt, user_id), key, tiebreak)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        when = last.sla_due_at if flt.sort == "due" else last.platform_created_at
        next_cursor = encode_cursor(when, last.id)
    return Page(rows, next_cursor)


def filter_counts(flt: InboxFilter, user_id: int) -> dict[str, int]:
    """Counts for the sidebar, within the selected workspaces (other filters aside)."""
    now = db.utcnow()
    # The WHERE keeps only open rows, so the FILTERs need not name the status: every column read is in the open
    # index (ix_interactions_open_time), and the counts are an index-only scan of the open rows.
    is_open = or_(Interaction.snoozed_until.is_(None), Interaction.snoozed_until <= now)
    stmt = select(
        func.count().filter(is_open),
        func.count().filter(is_open, Interaction.assignee_id == user_id),
        func.count().filter(is_open, Interaction.assignee_id.is_(None)),
        func.count().filter(Interaction.snoozed_until > now),
        func.count().filter(is_open, Interaction.sla_state == "at_risk"),
        func.count().filter(is_open, Interaction.sla_state == "breached"),
        func.count().filter(is_open, Interaction.is_opportunity.is_(True)),
    ).where(Interaction.workspace_id.in_(flt.workspace_ids or [-1]), Interaction.status.in_(OPEN_STATUSES),
            Interaction.is_deleted.is_(False))
    open_, mine, unassigned, snoozed, at_risk, breached, opportunities = db.session.execute(stmt).one()
    return {"open": open_, "mine": mine, "unassigned": unassigned, "snoozed": snoozed, "at_risk": at_risk,
            "breached": breached, "opportunities": opportunities}


def neighbours(flt: InboxFilter, user_id: int, current: Interaction) -> tuple[Row | None, Row | None]:
    """The items before and after ``current`` in the list (``id``, ``workspace_id``; for j/k and e in the thread)."""
    (key, tiebreak), direction = _sort_keys(flt.sort)
    value = current.sla_due_at if flt.sort == "due" else current.platform_created_at
    value = value or _FAR_FUTURE
    pair, here = tuple_(key, tiebreak), tuple_(literal(value), literal(current.id))

    def side(name: str, condition, *order):
        return (filtered(flt, user_id).with_only_columns(literal(name).label("side"), Interaction.id,
                                                         Interaction.workspace_id)
                .where(condition).order_by(*order).limit(1).subquery(name))

    # Both neighbours in one round trip: each side is its own ordered index scan of one row.
    above = side("above", pair > here, key.asc(), tiebreak.asc())
    below = side("below", pair < here, key.desc(), tiebreak.desc())
    found = {row.side: row for row in db.session.execute(
        union_all(select(above), select(below)))}
    if direction == "desc":  # newer items are listed first: the one above is the previous one
        return found.get("above"), found.get("below")
    return found.get("below"), found.get("above")


# --- a thread --------------------------------------------------------------------------------

@dataclass
class ThreadEntry:
    """One line of the conversation: a platform item, or one of our queued/sent replies."""

    at: datetime
    interaction: Interaction | None = None
    reply: Reply | None = None


def thread(interaction: Interaction) -> list[ThreadEntry]:
    """The conversation around ``interaction``: its thread on the platform plus our replies, by time."""
    if interaction.thread_external_id:
        same_channel = (Interaction.channel_id == interaction.channel_id if interaction.channel_id is not None
                        else Interaction.channel_id.is_(None))
        items = list(db.session.scalars(select(Interaction).where(
            same_channel, Interaction.workspace_id == interaction.workspace_id,
            Interaction.thread_external_id == interaction.thread_external_id,
        ).order_by(Interaction.platform_created_at, Interaction.id).limit(200)))
    else:
        items = [interaction]
    ids = [i.id for i in items]
    replies = list(db.session.scalars(select(Reply).where(Reply.interaction_id.in_(ids)).order_by(Reply.created_at)))
    sent_ids = {r.external_id for r in replies if r.external_id}
    entries = [ThreadEntry(i.platform_created_at, interaction=i) for i in items
               if not (i.is_own and i.external_id in sent_ids)]  # our sent reply shows once, as a reply
    entries += [ThreadEntry(r.sent_at or r.created_at, reply=r) for r in replies]
    return sorted(entries, key=lambda e: e.at)


def notes_of(interaction: Interaction) -> list[Note]:
    return list(db.session.scalars(select(Note).where(Note.interaction_id == interaction.id).order_by(Note.created_at)))


def author_history(interaction: Interaction, limit: int = 10) -> list[Interaction]:
    """The same person's other interactions in this workspace, newest first."""
    if not interaction.author_external_id:
        return []
    stmt = select(Interaction).where(
        Interaction.workspace_id == interaction.workspace_id,
        Interaction.author_external_id == interaction.author_external_id,
        Interaction.id != interaction.id,
    ).order_by(Interaction.platform_created_at.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def replied_by_others_since(interaction: Interaction, since: datetime, user_id: int) -> list[Reply]:
    """Replies by colleagues created after ``since`` (the collision check before sending)."""
    stmt = select(Reply).where(Reply.interaction_id == interaction.id, Reply.created_at > since,
                               or_(Reply.author_id.is_(None), Reply.author_id != user_id))
    return list(db.session.scalars(stmt))


def same_reply_since(interaction: Interaction, since: datetime, user_id: int, text: str) -> bool:
    """Whether this user queued this very text here after ``since`` (the same form submitted twice)."""
    stmt = select(Reply.id).where(Reply.interaction_id == interaction.id, Reply.created_at > since,
                                  Reply.author_id == user_id, Reply.text == text).limit(1)
    return db.session.scalar(stmt) is not None


def saved_views(user_id: int) -> list[SavedView]:
    return list(db.session.scalars(select(SavedView).where(SavedView.user_id == user_id).order_by(SavedView.name)))


def tags_in_use(workspace_ids: list[int], limit: int = 30) -> list[str]:
    """The most used tags of open items, each once whatever its case (in one of its spellings)."""
    tag = func.unnest(Interaction.tags).label("tag")
    # Spelled as the predicate of ix_interactions_open_tagged, so that only tagged open rows are read.
    inner = select(tag).where(Interaction.workspace_id.in_(workspace_ids or [-1]),
                              Interaction.status.in_(OPEN_STATUSES), Interaction.tags.op("<>")(literal_column("'{}'")),
                              Interaction.is_deleted.is_(False)).subquery()
    stmt = (select(func.min(inner.c.tag)).group_by(func.lower(inner.c.tag))
            .order_by(func.count().desc(), func.min(inner.c.tag)).limit(limit))
    return list(db.session.scalars(stmt))

