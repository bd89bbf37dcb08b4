"""Template globals the moderation slots on the inbox's pages use."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, g
from sqlalchemy import select

from agency import db
from agency.channels.models import Channel
from agency.inbox.models import Interaction, Reply
from agency.moderation import approvals, automod, live, services
from agency.moderation.models import ModerationAction


def init_app(app: Flask) -> None:
    app.add_template_global(moderation_panel)
    app.add_template_global(moderation_states)
    app.add_template_global(moderation_reply_panel)
    app.add_template_global(moderation_reply_edits)
    app.add_template_global(moderation_edit_hint)
    app.add_template_global(approvals.of_interaction, "approvals_of")
    app.add_template_global(approvals.reason_label, "approval_reason")
    app.add_template_global(approvals.waiting_time, "approval_wait")
    app.add_template_global(live.newest_id, "live_newest_id")
    app.add_template_global(rule_suggestions)
    app.add_template_global(rule_suggestions_of_page)


def moderation_panel(interaction: Interaction) -> SimpleNamespace:
    """What the thread's moderation card shows: the state, the buttons, the history with who did what."""
    from agency.inbox.services import staff_of_workspace

    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    state = moderation_state_of(interaction)
    history = services.history(interaction)
    staff = {u.id: u.name for u in staff_of_workspace(interaction.agency_id, interaction.workspace_id)} \
        if history else {}
    return SimpleNamespace(
        platform=services.platform_name(channel.platform) if channel else "—", state=state,
        actions=_without_refused_edit(services.offered_actions(interaction, state, channel), interaction)
        if channel else [], history=history,
        labels=services.ACTION_LABELS, status_labels=services.STATUS_LABELS, staff=staff)


def _once_per_page(name: str, items: list[Interaction], read) -> dict:
    """``read(ids)`` once per list of items in this request: the row slot asks for every row, and building a key
    from the ids on each ask made a page quadratic. The list itself is kept with its result, so its id cannot be
    reused by another list while the request runs."""
    cache = g.setdefault(name, {})
    entry = cache.get(id(items))
    if entry is None or entry[0] is not items:
        entry = cache[id(items)] = (items, read([item.id for item in items]))
    return entry[1]


def moderation_states(items: list[Interaction]) -> dict[int, services.ItemState]:
    """The moderation state of a list page's items, read once per page."""
    return _once_per_page("moderation_states", items, services.states_of)


def moderation_state_of(interaction: Interaction) -> services.ItemState:
    """One item's moderation state (the thread's card), read once per request: the thread's SLA badge asks first
    (``approval_waits``) and leaves it here."""
    known = g.setdefault("moderation_state_by_id", {})
    if interaction.id not in known:
        known[interaction.id] = services.states_of([interaction.id]).get(interaction.id, services.ItemState())
    return known[interaction.id]


def approval_waits(items: list[Interaction]) -> dict:
    """Since when a reply of each item has waited for approval: the moderation states (read once per list for the
    row slot, or once for the thread's card) carry it, so the SLA badges cost no statement of their own."""
    states = moderation_states(items)
    known = g.setdefault("moderation_state_by_id", {})
    for item in items:
        known.setdefault(item.id, states.get(item.id, services.ItemState()))
    return {item_id: state.approval_since for item_id, state in states.items() if state.approval_since is not None}


def moderation_reply_panel(reply: Reply, entries=None) -> SimpleNamespace | None:
    """What the thread shows beside one of our sent replies: what may be done to it on the platform (edit, delete),
    the state of its edits, the edit form's limit, and the item it answers (the forms post to that item's address:
    in a thread it is not always the item on screen). With the thread's ``entries``, two queries for all of its
    replies, however many there are and whichever items they answer."""
    if reply.status != "sent":
        return None
    owner = db.session.get(Interaction, reply.interaction_id)
    sent = [e.reply for e in entries or () if getattr(e, "reply", None) is not None and e.reply.status == "sent"]
    actions_by_reply, copies = _reply_facts(sorted({r.interaction_id for r in sent} | {owner.id}))
    rows = actions_by_reply.get(reply.id, [])
    edits = services.summarise_edits([r for r in rows if r.action == "edit"], services.current_text(owner, reply))
    actions: tuple[str, ...] = ()
    if not any(r.action == "delete" and r.status in ("queued", "sending", "done") for r in rows):
        copy = copies.get((owner.channel_id, reply.external_id)) if reply.external_id else None
        if copy is None or not copy.is_deleted:
            actions = _without_refused_edit(services.reply_actions(reply, owner), owner)
    return SimpleNamespace(interaction=owner, actions=actions, edits=edits,
                           hint=moderation_edit_hint(owner) if "edit" in actions else None)


def _reply_facts(owner_ids: list[int]) -> tuple[dict[int, list[ModerationAction]], dict[tuple[int, str], Interaction]]:
    """For the replies to these items, read once per request: their moderation actions (newest first, by reply) and
    their synced copies on the platform (by channel and external id) — two queries for all of them."""
    cache = g.setdefault("_reply_facts", {"read": set(), "actions": {}, "copies": {}})
    missing = [i for i in owner_ids if i not in cache["read"]]
    if missing:
        by_reply: dict[int, list[ModerationAction]] = {}
        for row in db.session.scalars(select(ModerationAction).where(
                ModerationAction.interaction_id.in_(missing), ModerationAction.reply_id.is_not(None))
                .order_by(ModerationAction.id.desc()).limit(5000)):
            by_reply.setdefault(row.reply_id, []).append(row)
        answered = select(Interaction.id, Interaction.channel_id).where(Interaction.id.in_(missing)).subquery()
        copies: dict[tuple[int, str], Interaction] = {}
        for copy in db.session.scalars(
                select(Interaction).join(Reply, Reply.external_id == Interaction.external_id)
                .join(answered, answered.c.id == Reply.interaction_id)
                .where(Interaction.channel_id == answered.c.channel_id, Interaction.is_own.is_(True))):
            copies.setdefault((copy.channel_id, copy.external_id), copy)
        cache["read"].update(missing)
        cache["actions"].update(by_reply)
        cache["copies"].update(copies)
    return cache["actions"], cache["copies"]


def _without_refused_edit(actions, interaction: Interaction):
    """``actions`` without "edit" where the person may not change a sent reply (replies need approval)."""
    from flask_login import current_user

    if "edit" not in actions:
        return actions
    cache = g.setdefault("approval_settings", {})
    if interaction.workspace_id not in cache:  # one read per workspace and page, however many replies
        cache[interaction.workspace_id] = approvals.settings_of(interaction.workspace_id)
    if approvals.edit_refusal(current_user, interaction, cache[interaction.workspace_id]) is not None:
        return type(actions)(a for a in actions if a != "edit")
    return actions


def moderation_reply_edits(reply: Reply | None, interaction: Interaction) -> services.ReplyEdits:
    """The edit state of one of our replies (``None``: of ``interaction`` itself, when it is ours)."""
    return services.edits_of(interaction, reply)


def moderation_edit_hint(interaction: Interaction) -> SimpleNamespace | None:
    """The platform's limit for an edited reply in ``interaction``'s conversation (the edit form's counter)."""
    from agency.channels.connectors import CONNECTORS
    from agency.inbox.replies import limit_hint

    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    if channel is None or channel.platform not in CONNECTORS:
        return None
    limit = CONNECTORS[channel.platform].reply_limit("reply")
    return SimpleNamespace(maximum=limit.maximum, unit=limit.unit, hint=limit_hint(limit))


def rule_suggestions(interaction: Interaction) -> list[SimpleNamespace]:
    """The thread's banner: each open suggestion of a rule, with its sentence."""
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    platform = services.platform_name(channel.platform) if channel else "—"
    return [SimpleNamespace(run=run, message=str(automod.SUGGEST_LABELS[run.action]) % {"rule": run.rule_name,
                                                                                    "platform": platform},
                            label=services.ACTION_LABELS[run.action])
            for run in automod.open_suggestions([interaction.id]).get(interaction.id, [])]


def rule_suggestions_of_page(items: list[Interaction]) -> dict[int, list]:
    """Open suggestions of a list page's items, read once per page."""
    return _once_per_page("rule_suggestions", items, automod.open_suggestions)
