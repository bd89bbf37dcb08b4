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
    state = moderation_states([interaction]).get(interaction.id, services.ItemState())
    history = services.history(interaction)
    staff = {u.id: u.name for u in staff_of_workspace(interaction.agency_id, interaction.workspace_id)} \
        if history else {}
    return SimpleNamespace(
        platform=services.platform_name(channel.platform) if channel else "—", state=state,
        actions=services.offered_actions(interaction, state, channel) if channel else [], history=history,
        labels=services.ACTION_LABELS, status_labels=services.STATUS_LABELS, staff=staff)


def moderation_states(items: list[Interaction]) -> dict[int, services.ItemState]:
    """The moderation state of a list page's items, read once per page (the row slot asks for every row)."""
    key = tuple(item.id for item in items)
    cache = g.setdefault("moderation_states", {})
    if key not in cache:
        cache[key] = services.states_of(list(key))
    return cache[key]


def approval_waits(items: list[Interaction]) -> dict:
    """Since when a reply of each item has waited for approval: the page's moderation states (already read once
    per page for the row slot) carry it, so the SLA badges cost no statement of their own."""
    return {item_id: state.approval_since for item_id, state in moderation_states(items).items()
            if state.approval_since is not None}


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
    """Open suggestions of a list page's items, read once per page (the row slot asks for every row)."""
    key = tuple(item.id for item in items)
    cache = g.setdefault("rule_suggestions", {})
    if key not in cache:
        cache[key] = automod.open_suggestions(list(key))
    return cache[key]
