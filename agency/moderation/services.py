"""Moderation services: what may be done to an item, queueing an action, its state, counts for reports.

Actions are queued like replies (``agency.moderation.jobs.run_action`` does them on the platform, at most
once) and audited when queued and when done or failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from agency import audit, db
from agency.accounts.models import User
from agency.channels.connectors import CONNECTORS
from agency.channels.connectors.base import PlatformItem
from agency.channels.models import Channel
from agency.errors import ValidationError
from agency.inbox.models import OPEN_STATUSES, Interaction, Reply, Status
from agency.moderation.models import PENDING, REVERSE, Action, ModerationAction, ReplyApproval
from agency.queue import enqueue_after_commit

#: What people see for each action (buttons, history, audit details).
ACTION_LABELS = {
    Action.HIDE: _l("Hide"), Action.UNHIDE: _l("Unhide"), Action.DELETE: _l("Delete on the platform"),
    Action.LIKE: _l("Like as the page"), Action.UNLIKE: _l("Unlike"), Action.BAN: _l("Ban the person"),
    Action.UNBAN: _l("Unban the person"), Action.PRIVATE_REPLY: _l("Answer privately"),
}
#: The same, as done (history and the state badges).
DONE_LABELS = {
    Action.HIDE: _l("hidden"), Action.UNHIDE: _l("unhidden"), Action.DELETE: _l("deleted"),
    Action.LIKE: _l("liked"), Action.UNLIKE: _l("unliked"), Action.BAN: _l("person banned"),
    Action.UNBAN: _l("person unbanned"), Action.PRIVATE_REPLY: _l("answered privately"),
}
STATUS_LABELS = {"queued": _l("queued"), "sending": _l("sending…"), "done": _l("done"), "failed": _l("failed")}
#: Actions that take a text.
WITH_TEXT = (Action.PRIVATE_REPLY,)
#: Messenger private replies: within 7 days of the comment, at most 2000 characters (Messenger Platform).
PRIVATE_REPLY_WINDOW = timedelta(days=7)
PRIVATE_REPLY_MAX = 2000
#: Actions that also settle the item in the inbox (it needs no answer any more).
SETTLING = (Action.HIDE, Action.DELETE, Action.BAN)
#: A pending action untouched this long, with no job naming it, is stuck (see ``jobs.sweep_stuck_actions``).
STUCK_AFTER = timedelta(minutes=10)


@dataclass
class ItemState:
    """An item's moderation state on the platform, from its newest done actions, and what is under way."""

    hidden: bool = False
    liked: bool = False
    banned: bool = False
    deleted: bool = False
    private_reply: bool = False
    pending: list[ModerationAction] = field(default_factory=list)
    failed: list[ModerationAction] = field(default_factory=list)
    #: since when the item's oldest reply waiting for approval has been held (None: no reply waits)
    approval_since: datetime | None = None


def _channel(interaction: Interaction) -> Channel | None:
    return db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None


def available_actions(interaction: Interaction, channel: Channel | None = None) -> tuple[str, ...]:
    """The actions the item's platform allows on it; once it is gone from the platform only those on its
    author (ban, unban) remain."""
    channel = channel or _channel(interaction)
    if channel is None or channel.platform not in CONNECTORS:
        return ()
    allowed = CONNECTORS[channel.platform].moderation_actions(interaction.kind, interaction.is_own)
    if interaction.is_deleted:
        return tuple(a for a in allowed if a in ("ban", "unban"))
    return allowed


def reply_actions(reply: Reply, interaction: Interaction, channel: Channel | None = None) -> tuple[str, ...]:
    """What may be done to our own sent reply (delete it, where the platform allows)."""
    channel = channel or _channel(interaction)
    if channel is None or reply.status != "sent" or not reply.external_id or channel.platform not in CONNECTORS:
        return ()
    kind = "reply" if interaction.kind != "direct_message" else "direct_message"
    return CONNECTORS[channel.platform].moderation_actions(kind, True)


def queue_action(actor: User | None, interaction: Interaction, action: str, *, text: str | None = None,
                 reply: Reply | None = None, ip: str | None = None) -> ModerationAction:
    """Check ``action`` against the platform and the item's state, store it and queue its job.

    Raises ``ValidationError`` with a message for people when the platform does not allow it, when the
    same action is under way already, or when a private reply's text is missing or too long.
    """
    channel = _channel(interaction)
    if channel is None:
        raise ValidationError(_("The channel is no longer connected."), "action")
    try:
        wanted = Action(action)
    except ValueError:
        raise ValidationError(_("Choose an action."), "action") from None
    allowed = reply_actions(reply, interaction, channel) if reply is not None else available_actions(interaction,
                                                                                                       channel)
    if wanted not in allowed:
        raise ValidationError(_("%(platform)s does not allow this action on this item.",
                                platform=platform_name(channel.platform)), "action")
    if wanted in WITH_TEXT:
        text = (text or "").strip()
        if not text:
            raise ValidationError(_("Write the private reply."), "text")
        if len(text) > PRIVATE_REPLY_MAX:
            raise ValidationError(_("Messenger accepts at most %(n)d characters (%(have)d now).",
                                    n=PRIVATE_REPLY_MAX, have=len(text)), "text")
        if db.utcnow() - interaction.platform_created_at > PRIVATE_REPLY_WINDOW:
            raise ValidationError(_("Messenger allows a private reply only within 7 days of the comment."), "text")
    else:
        text = None
    if wanted in (Action.BAN, Action.UNBAN) and not interaction.author_external_id:
        raise ValidationError(_("The platform did not say who wrote this; the person cannot be banned."), "action")
    state = states_of([interaction.id]).get(interaction.id, ItemState())
    if wanted == Action.PRIVATE_REPLY and state.private_reply:
        raise ValidationError(_("This comment has been answered privately already (the platform allows one)."),
                              "text")
    if reply is None and any(p.action == wanted and p.reply_id is None for p in state.pending):
        raise ValidationError(_("This action is under way already."), "action")
    row = ModerationAction(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                           interaction_id=interaction.id, reply_id=reply.id if reply is not None else None,
                           channel_id=channel.id, author_external_id=interaction.author_external_id,
                           action=wanted.value, text=text, status="queued",
                           actor_id=actor.id if actor is not None else None)
    db.session.add(row)
    db.session.flush()
    audit.record("moderation.queued", agency_id=interaction.agency_id, actor=actor, obj=row, ip=ip,
                 details={"action": wanted.value, "interaction": interaction.id, "platform": channel.platform,
                          **({"reply": reply.id} if reply is not None else {})})
    _enqueue(row)
    return row


def retry_action(actor: User, row: ModerationAction, ip: str | None = None) -> ModerationAction:
    """Queue a failed action again (its job checks what the platform already did, so it happens once)."""
    if row.status != "failed":
        raise ValidationError(_("Only a failed action can be retried."))
    row.status, row.error = "queued", None
    db.session.flush()
    audit.record("moderation.retried", agency_id=row.agency_id, actor=actor, obj=row, ip=ip,
                 details={"action": row.action, "interaction": row.interaction_id})
    _enqueue(row)
    return row


def _enqueue(row: ModerationAction) -> None:
    from agency.moderation.jobs import job_id, run_action

    enqueue_after_commit(run_action, row.agency_id, row.id, job_id=job_id(row.id))


def platform_name(platform: str) -> str:
    """The platform's name for people."""
    return {"facebook_page": "Facebook", "instagram_business": "Instagram", "youtube_channel": "YouTube",
            "google_business_profile": "Google"}.get(platform, platform)


# --- state ------------------------------------------------------------------------------------


def states_of(interaction_ids: list[int]) -> dict[int, ItemState]:
    """The moderation state of each item (only items with any moderation or a reply waiting for approval appear),
    in two or three queries."""
    if not interaction_ids:
        return {}
    rows = db.session.scalars(select(ModerationAction).where(
        ModerationAction.interaction_id.in_(interaction_ids)).order_by(ModerationAction.id)).all()
    states: dict[int, ItemState] = {}
    authors: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        state = states.setdefault(row.interaction_id, ItemState())
        if row.status in PENDING:
            state.pending.append(row)
        elif row.status == "failed":
            state.failed.append(row)
        elif row.reply_id is None:
            _apply(state, row.action)
    # A ban holds for every item of the person on the channel: read the newest ban/unban per author. The same
    # statement reads since when a reply of each item waits for approval (the SLA badge shows it), so a list
    # page pays no extra statement for it.
    held_since = (select(func.min(ReplyApproval.created_at)).where(
        ReplyApproval.interaction_id == Interaction.id, ReplyApproval.status == "waiting")
        .correlate(Interaction).scalar_subquery())
    items = db.session.execute(select(Interaction.id, Interaction.channel_id, Interaction.author_external_id,
                                      held_since).where(Interaction.id.in_(interaction_ids))).all()
    for item_id, channel_id, author, since in items:
        if since is not None:
            states.setdefault(item_id, ItemState()).approval_since = since
        if author is not None:
            authors.setdefault((channel_id, author), []).append(item_id)
    if authors:
        newest = (select(ModerationAction.channel_id, ModerationAction.author_external_id,
                         func.max(ModerationAction.id).label("last"))
                  .where(ModerationAction.status == "done", ModerationAction.action.in_(("ban", "unban")),
                         ModerationAction.author_external_id.in_({a for _c, a in authors}))
                  .group_by(ModerationAction.channel_id, ModerationAction.author_external_id).subquery())
        bans = db.session.execute(select(ModerationAction.channel_id, ModerationAction.author_external_id,
                                         ModerationAction.action).join(newest, and_(
                                             ModerationAction.id == newest.c.last))).all()
        for channel_id, author, action in bans:
            for item_id in authors.get((channel_id, author), ()):
                states.setdefault(item_id, ItemState()).banned = action == "ban"
    return states


def _apply(state: ItemState, action: str) -> None:
    if action in ("hide", "unhide"):
        state.hidden = action == "hide"
    elif action in ("like", "unlike"):
        state.liked = action == "like"
    elif action == "delete":
        state.deleted = True
    elif action == "private_reply":
        state.private_reply = True


def offered_actions(interaction: Interaction, state: ItemState, channel: Channel | None = None) -> list[str]:
    """The buttons to show: each allowed action that changes something (Hide when visible, Unhide when hidden)."""
    allowed = available_actions(interaction, channel)
    shown = []
    current = {"hide": state.hidden, "like": state.liked, "ban": state.banned}
    for action in allowed:
        if current.get(action):
            continue
        if action in ("unhide", "unlike", "unban") and not current[REVERSE[Action(action)].value]:
            continue
        if action == "private_reply" and state.private_reply:
            continue
        shown.append(action)
    return shown


def history(interaction: Interaction) -> list[ModerationAction]:
    """The item's moderation actions, newest first."""
    return list(db.session.scalars(select(ModerationAction).where(
        ModerationAction.interaction_id == interaction.id).order_by(ModerationAction.id.desc()).limit(50)))


# --- what a done action changes in the inbox ---------------------------------------------------


def apply_done(row: ModerationAction) -> None:
    """Reflect an action the platform confirmed in the item: a hidden, deleted or banned item is settled,
    a deleted item (or our deleted reply) is marked deleted on the platform."""
    from agency.inbox.ingest import version_of
    from agency.inbox.signals import interaction_changed, interactions_deleted_changed

    interaction = db.session.get(Interaction, row.interaction_id)
    now = db.utcnow()
    row.status, row.done_at, row.error = "done", now, None
    if row.action == Action.DELETE:
        target = interaction
        if row.reply_id is not None:
            reply = db.session.get(Reply, row.reply_id)
            target = db.session.scalars(select(Interaction).where(
                Interaction.channel_id == interaction.channel_id,
                Interaction.external_id == (reply.external_id if reply else None))).first()
        if target is not None and not target.is_deleted:
            removal = version_of(PlatformItem(external_id=target.external_id, kind=target.kind, text="",
                                              author_name="", author_external_id=None, created_at=now,
                                              is_deleted=True))
            target.is_deleted = True
            target.removed_version = max(removal, (target.platform_version or 0) + 1)
            channel = db.session.get(Channel, target.channel_id) if target.channel_id else None
            if channel is not None:
                db.session.flush()
                interactions_deleted_changed.send(channel, interaction_ids=[target.id])
    if row.action in SETTLING and row.reply_id is None and interaction.status in OPEN_STATUSES:
        interaction.status = Status.CLOSED
        interaction.handled_at = interaction.handled_at or now
        interaction.awaiting_since = None
        db.session.flush()
        interaction_changed.send(interaction, fields={"status"})
    db.session.flush()


def reverse_of(action: str) -> str | None:
    """The action that undoes ``action``, where the platform allows it."""
    found = REVERSE.get(Action(action))
    return found.value if found else None


# --- for reports and the portal ---------------------------------------------------------------


def moderation_counts(workspace_id: int, start: datetime, end: datetime) -> dict[str, int]:
    """``{action: count}`` of moderation done on the platforms in a workspace between two aware datetimes."""
    rows = db.session.execute(select(ModerationAction.action, func.count()).where(
        ModerationAction.workspace_id == workspace_id, ModerationAction.status == "done",
        ModerationAction.done_at >= start, ModerationAction.done_at < end).group_by(ModerationAction.action)).all()
    return {action: int(count) for action, count in rows}
