"""Template globals the moderation slots on the inbox's pages use."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, g

from agency import db
from agency.channels.models import Channel
from agency.inbox.models import Interaction, Reply
from agency.moderation import approvals, automod, live, services
from agency.moderation.models import ModerationAction


def init_app(app: Flask) -> None:
    app.add_template_global(moderation_panel)
    app.add_template_global(moderation_states)
    app.add_template_global(moderation_reply_actions)
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
        actions=services.offered_actions(interaction, state, channel) if channel else [], history=history,
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


def moderation_reply_actions(reply: Reply, interaction: Interaction) -> tuple[str, ...]:
    """What may be done to one of our sent replies on the platform (nothing once deleted there)."""
    if reply.status != "sent":
        return ()
    done = db.session.query(ModerationAction.id).filter(
        ModerationAction.reply_id == reply.id,
        ModerationAction.status.in_(("queued", "sending", "done"))).first()
    return () if done else services.reply_actions(reply, interaction)


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
