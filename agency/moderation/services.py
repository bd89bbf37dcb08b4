"""Moderation services: what may be done to an item, queueing an action, its state, counts for reports.

Actions are queued like replies (``agency.moderation.jobs.run_action`` does them on the platform, at most
once) and audited when queued and when done or failed. Editing our own reply is one of them: the action keeps
the new text and the one it replaces, so the audit shows both and "Undo edit" is another edit back.
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
    Action.EDIT: _l("Edit our reply"),
}
#: The same, as done (history and the state badges).
DONE_LABELS = {
    Action.HIDE: _l("hidden"), Action.UNHIDE: _l("unhidden"), Action.DELETE: _l("deleted"),
    Action.LIKE: _l("liked"), Action.UNLIKE: _l("unliked"), Action.BAN: _l("person banned"),
    Action.UNBAN: _l("person unbanned"), Action.PRIVATE_REPLY: _l("answered privately"),
    Action.EDIT: _l("reply edited"),
}
STATUS_LABELS = {"queued": _l("queued"), "sending": _l("sending…"), "done": _l("done"), "failed": _l("failed")}
#: Actions that take a text (an edit's is checked against the platform's reply limit, see ``_queue_edit``).
WITH_TEXT = (Action.PRIVATE_REPLY, Action.EDIT)
#: Private replies: within 7 days of the comment, at most 2000 characters on Messenger (Messenger Platform); on
#: Instagram Direct at most 1000 bytes (the connector's ``reply_limit("direct_message")``).
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
    """What may be done to our own sent reply (edit or delete it, where the platform allows)."""
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
    if wanted == Action.EDIT:
        return _queue_edit(actor, interaction, channel, text, reply, ip)
    allowed = reply_actions(reply, interaction, channel) if reply is not None else available_actions(interaction,
                                                                                                       channel)
    if wanted not in allowed:
        raise ValidationError(_("%(platform)s does not allow this action on this item.",
                                platform=platform_name(channel.platform)), "action")
    if wanted == Action.PRIVATE_REPLY:
        text = (text or "").strip()
        if not text:
            raise ValidationError(_("Write the private reply."), "text")
        limit = CONNECTORS[channel.platform].reply_limit("direct_message")
        if limit.unit == "characters" and len(text) > PRIVATE_REPLY_MAX:
            raise ValidationError(_("Messenger accepts at most %(n)d characters (%(have)d now).",
                                    n=PRIVATE_REPLY_MAX, have=len(text)), "text")
        if limit.exceeded_by(text):  # Instagram Direct counts bytes
            from agency.inbox.replies import too_long_message

            raise ValidationError(too_long_message(limit, text), "text")
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
    if row.action == Action.EDIT:
        newer = db.session.scalar(select(ModerationAction.id).where(
            _same_edit_target(row.interaction_id, row.reply_id), ModerationAction.id > row.id,
            ModerationAction.status.in_((*PENDING, "done"))).limit(1))
        if newer is not None:
            # Sending the older text now would undo the newer edit without anyone asking for it.
            raise ValidationError(_("A newer edit of this reply replaced this one; edit the reply again instead."))
    row.status, row.error = "queued", None
    db.session.flush()
    audit.record("moderation.retried", agency_id=row.agency_id, actor=actor, obj=row, ip=ip,
                 details={"action": row.action, "interaction": row.interaction_id})
    _enqueue(row)
    return row


# --- editing our own reply ---------------------------------------------------------------------


def _same_edit_target(interaction_id: int, reply_id: int | None):
    """Edits of the same text: of one sent reply, or of our own item itself (no reply row)."""
    return and_(ModerationAction.interaction_id == interaction_id, ModerationAction.action == Action.EDIT.value,
                ModerationAction.reply_id == reply_id if reply_id is not None
                else ModerationAction.reply_id.is_(None))


def own_copy(interaction: Interaction, reply: Reply | None) -> Interaction | None:
    """The synced item that is our reply on the platform (``interaction`` itself when it is ours)."""
    if reply is None:
        return interaction if interaction.is_own else None
    if not reply.external_id or interaction.channel_id is None:
        return None
    return db.session.scalars(select(Interaction).where(
        Interaction.channel_id == interaction.channel_id, Interaction.external_id == reply.external_id,
        Interaction.is_own.is_(True))).first()


def current_text(interaction: Interaction, reply: Reply | None) -> str:
    """Our reply's text as we know it (the reply row's, else our own item's)."""
    return reply.text if reply is not None else interaction.text


def _queue_edit(actor: User | None, interaction: Interaction, channel: Channel, text: str | None,
                reply: Reply | None, ip: str | None) -> ModerationAction:
    """Queue an edit of our own reply (``reply``, or ``interaction`` itself when it is ours) to ``text``.

    The same edit submitted again while it is queued returns the queued one (a double submit changes nothing);
    another edit while one is under way is refused, so each edit knows the text it replaces.
    """
    from agency.inbox.replies import too_long_message

    platform = platform_name(channel.platform)
    if reply is None and not interaction.is_own:
        raise ValidationError(_("Only our own replies can be edited."), "action")
    if reply is not None and (reply.status != "sent" or not reply.external_id):
        raise ValidationError(_("Only a reply that reached the platform can be edited."), "action")
    kind = "direct_message" if interaction.kind == "direct_message" else "reply"
    if Action.EDIT.value not in CONNECTORS[channel.platform].moderation_actions(kind, True):
        raise ValidationError(_("%(platform)s does not allow editing a reply here.", platform=platform), "action")
    from agency.moderation.approvals import edit_refusal

    refusal = edit_refusal(actor, interaction)
    if refusal is not None:
        raise ValidationError(refusal, "action")  # four eyes: an edit must not bypass the approval of replies
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the new text of the reply."), "text")
    if "\x00" in text:
        raise ValidationError(_("The reply contains a NUL character, which cannot be sent. Remove it and try "
                                "again."), "text")
    limit = CONNECTORS[channel.platform].reply_limit(kind)
    if limit.exceeded_by(text):
        raise ValidationError(too_long_message(limit, text), "text")
    # One edit of a reply at a time: the row lock makes a second, simultaneous submit wait and then see the first.
    locked = Reply if reply is not None else Interaction
    db.session.execute(select(locked.id).where(locked.id == (reply or interaction).id).with_for_update())
    copy = own_copy(interaction, reply)
    deleted = db.session.scalar(select(ModerationAction.id).where(
        ModerationAction.interaction_id == interaction.id, ModerationAction.action == Action.DELETE.value,
        ModerationAction.status.in_((*PENDING, "done")),
        ModerationAction.reply_id == reply.id if reply is not None else ModerationAction.reply_id.is_(None))
        .limit(1))
    if deleted is not None or (copy is not None and copy.is_deleted):
        raise ValidationError(_("The reply was deleted on the platform; it can no longer be edited."), "action")
    pending = db.session.scalars(select(ModerationAction).where(
        _same_edit_target(interaction.id, reply.id if reply is not None else None),
        ModerationAction.status.in_(PENDING)).order_by(ModerationAction.id.desc())).first()
    if pending is not None:
        if pending.text == text:
            return pending  # the same edit again (a double submit): it is queued already
        raise ValidationError(_("An edit of this reply is under way already. Wait until it is done, then edit "
                                "again."), "text")
    previous = current_text(interaction, reply)
    if text == previous:
        raise ValidationError(_("The text is unchanged."), "text")
    row = ModerationAction(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                           interaction_id=interaction.id, reply_id=reply.id if reply is not None else None,
                           channel_id=channel.id, author_external_id=interaction.author_external_id,
                           action=Action.EDIT.value, text=text, previous_text=previous, status="queued",
                           actor_id=actor.id if actor is not None else None)
    db.session.add(row)
    db.session.flush()
    audit.record("moderation.queued", agency_id=interaction.agency_id, actor=actor, obj=row, ip=ip,
                 details={"action": row.action, "interaction": interaction.id, "platform": channel.platform,
                          **({"reply": reply.id} if reply is not None else {}),
                          "old_text": previous, "new_text": text})
    _enqueue(row)
    return row


@dataclass
class ReplyEdits:
    """What the thread shows about the edits of one of our replies."""

    #: the edit under way ("editing…"), if any
    pending: ModerationAction | None = None
    #: the newest edit, when it failed (shown in words, with Retry)
    failed: ModerationAction | None = None
    #: the newest edit the platform confirmed ("edited")
    done: ModerationAction | None = None
    #: the text "Undo edit" brings back (the newest edit is done and the reply still shows its text)
    undo_text: str | None = None


def edits_of(interaction: Interaction, reply: Reply | None) -> ReplyEdits:
    """The edit state of our reply (``reply``, or ``interaction`` itself when it is ours)."""
    rows = list(db.session.scalars(select(ModerationAction).where(
        _same_edit_target(interaction.id, reply.id if reply is not None else None))
        .order_by(ModerationAction.id.desc()).limit(20)))
    return summarise_edits(rows, current_text(interaction, reply))


def summarise_edits(rows: list[ModerationAction], text_now: str) -> ReplyEdits:
    """``ReplyEdits`` of one reply's edit actions (newest first) while it shows ``text_now``."""
    found = ReplyEdits()
    if not rows:
        return found
    newest = rows[0]
    found.pending = next((r for r in rows if r.status in PENDING), None)
    found.failed = newest if newest.status == "failed" else None
    found.done = next((r for r in rows if r.status == "done"), None)
    if (newest.status == "done" and newest.previous_text
            and text_now == newest.text and newest.previous_text != newest.text):
        found.undo_text = newest.previous_text
    return found


def _apply_edit(row: ModerationAction, interaction: Interaction, now: datetime) -> None:
    """The platform shows the new text: so do our reply and the synced item that is our reply."""
    from agency.inbox.ingest import version_of

    reply = db.session.get(Reply, row.reply_id) if row.reply_id is not None else None
    if row.reply_id is not None and reply is None:
        return  # the reply row is gone (its conversation was erased): nothing of ours shows the text
    if reply is not None:
        reply.text = row.text
    copy = own_copy(interaction, reply)
    if copy is not None:
        copy.text = row.text
        copy.platform_updated_at = now
        # The edit is the newest state we know: a sync page read before it must not bring the old text back.
        edited = version_of(PlatformItem(external_id=copy.external_id, kind=copy.kind, text=row.text,
                                         author_name="", author_external_id=None,
                                         created_at=copy.platform_created_at, updated_at=now))
        copy.platform_version = max(edited, (copy.platform_version or 0) + 1)


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
    a deleted item (or our deleted reply) is marked deleted on the platform, an edited reply shows its new text."""
    from agency.inbox.ingest import version_of
    from agency.inbox.signals import interaction_changed, interactions_deleted_changed

    interaction = db.session.get(Interaction, row.interaction_id)
    now = db.utcnow()
    row.status, row.done_at, row.error = "done", now, None
    if row.action == Action.EDIT:
        _apply_edit(row, interaction, now)
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
