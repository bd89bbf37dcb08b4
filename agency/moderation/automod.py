"""Auto-moderation: inbox rules that hide or delete items on the platform, at once ("act") or as a one-click
suggestion ("suggest"), and the log of what each rule did, with undo where the platform allows it.

The inbox's ``apply_rules`` sends ``rule_moderation`` inside the ingest transaction; ``on_rule_moderation``
queues the action (as no person, the rule) or records the suggestion. Only actions the item's platform allows
on its kind are done or suggested (``services.available_actions``); our own replies never match a rule.
Everything here flushes; the ingest, request or job commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from agency import audit, db
from agency.accounts.models import User
from agency.channels.models import Channel
from agency.errors import ValidationError
from agency.inbox.models import Interaction
from agency.moderation import services
from agency.moderation.models import ModerationAction, RuleRun

OUTCOME_LABELS = {"acted": _l("done by the rule"), "suggested": _l("suggested, waiting"),
                  "accepted": _l("suggestion accepted"), "dismissed": _l("suggestion dismissed")}
SUGGEST_LABELS = {"hide": _l("Rule “%(rule)s” suggests hiding this comment on %(platform)s."),
                  "delete": _l("Rule “%(rule)s” suggests deleting this comment on %(platform)s.")}
#: At most this many rows on the log page.
LOG_LIMIT = 300


def on_rule_moderation(rule, interaction_ids: list[int], action: str, mode: str) -> None:
    """Handler of the inbox's ``rule_moderation``: queue ``action`` for each item (``mode`` "act") or record a
    suggestion ("suggest"), once per rule, item and action, only where the platform allows it."""
    if action not in ("hide", "delete") or mode not in ("act", "suggest") or not interaction_ids:
        return
    items = db.session.scalars(select(Interaction).where(Interaction.id.in_(interaction_ids))
                               .order_by(Interaction.id)).all()
    done_before = set(db.session.scalars(select(RuleRun.interaction_id).where(
        RuleRun.rule_id == rule.id, RuleRun.action == action, RuleRun.interaction_id.in_(interaction_ids))))
    channels: dict[int, Channel | None] = {}
    for interaction in items:
        if interaction.is_own or interaction.id in done_before or interaction.workspace_id != rule.workspace_id:
            continue
        if interaction.channel_id not in channels:
            channels[interaction.channel_id] = (db.session.get(Channel, interaction.channel_id)
                                                if interaction.channel_id else None)
        channel = channels[interaction.channel_id]
        if channel is None or action not in services.available_actions(interaction, channel):
            continue  # the platform does not allow it on this kind of item
        run = RuleRun(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id, rule_id=rule.id,
                      rule_name=rule.name, interaction_id=interaction.id, action=action, mode=mode,
                      outcome="suggested")
        if mode == "act":
            try:
                row = services.queue_action(None, interaction, action)
            except ValidationError:
                continue  # under way already (another rule or a person); nothing to log
            run.outcome, run.moderation_action_id = "acted", row.id
        db.session.add(run)
        db.session.flush()
        if mode == "act":
            audit.record("moderation.rule_acted", agency_id=run.agency_id, obj=run,
                         details={"rule": rule.name, "action": action, "interaction": interaction.id,
                                  "platform": channel.platform})


def _interaction(run: RuleRun) -> Interaction:
    return db.session.get(Interaction, run.interaction_id)


def accept(actor: User, run: RuleRun, ip: str | None = None) -> ModerationAction:
    """Do a suggested action now, as ``actor``."""
    db.session.refresh(run, with_for_update=True)  # two clicks at once: the second sees the first's decision
    if run.outcome != "suggested":
        raise ValidationError(_("This suggestion has been decided already."))
    row = services.queue_action(actor, _interaction(run), run.action, ip=ip)
    run.outcome, run.moderation_action_id = "accepted", row.id
    run.decided_by_id, run.decided_at = actor.id, db.utcnow()
    db.session.flush()
    audit.record("moderation.suggestion_accepted", agency_id=run.agency_id, actor=actor, obj=run, ip=ip,
                 details={"rule": run.rule_name, "action": run.action, "interaction": run.interaction_id})
    return row


def dismiss(actor: User, run: RuleRun, ip: str | None = None) -> None:
    """Leave the item as it is; the suggestion disappears (nothing happens on the platform)."""
    db.session.refresh(run, with_for_update=True)
    if run.outcome != "suggested":
        raise ValidationError(_("This suggestion has been decided already."))
    run.outcome, run.decided_by_id, run.decided_at = "dismissed", actor.id, db.utcnow()
    db.session.flush()
    audit.record("moderation.suggestion_dismissed", agency_id=run.agency_id, actor=actor, obj=run, ip=ip,
                 details={"rule": run.rule_name, "action": run.action, "interaction": run.interaction_id})


def undo_refusal(run: RuleRun, done: ModerationAction | None, platform: str) -> str | None:
    """Why ``run`` cannot be undone (in words), or None when Undo may be offered."""
    if run.undone_at is not None:
        return _("Undone.")
    if run.outcome not in ("acted", "accepted"):
        return _("Nothing was done on the platform.") if run.outcome == "dismissed" else _("Not done yet.")
    if run.action == "delete":
        return _("Deleting cannot be undone on %(platform)s.", platform=services.platform_name(platform))
    if done is None or done.status != "done":
        if done is not None and done.status == "failed":
            return _("The platform refused the action; nothing to undo.")
        return _("Under way; undo once the platform confirmed it.")
    return None


def undo(actor: User, run: RuleRun, ip: str | None = None) -> ModerationAction:
    """Undo a hide the rule did (or a person accepted): unhide on the platform, as ``actor``."""
    db.session.refresh(run, with_for_update=True)
    interaction = _interaction(run)
    done = db.session.get(ModerationAction, run.moderation_action_id) if run.moderation_action_id else None
    why = undo_refusal(run, done, interaction.platform)
    if why is not None:
        raise ValidationError(why)
    row = services.queue_action(actor, interaction, "unhide", ip=ip)
    run.undo_action_id, run.undone_at, run.undone_by_id = row.id, db.utcnow(), actor.id
    db.session.flush()
    audit.record("moderation.rule_undone", agency_id=run.agency_id, actor=actor, obj=run, ip=ip,
                 details={"rule": run.rule_name, "action": run.action, "interaction": run.interaction_id})
    return row


# --- reads -------------------------------------------------------------------------------------


def open_suggestions(interaction_ids: list[int]) -> dict[int, list[RuleRun]]:
    """The undecided suggestions of these items, oldest first (one query)."""
    if not interaction_ids:
        return {}
    found: dict[int, list[RuleRun]] = {}
    for run in db.session.scalars(select(RuleRun).where(
            RuleRun.interaction_id.in_(interaction_ids), RuleRun.outcome == "suggested").order_by(RuleRun.id)):
        found.setdefault(run.interaction_id, []).append(run)
    return found


@dataclass
class LogRow:
    run: RuleRun
    author_name: str
    text: str
    platform: str
    status: str | None  # the moderation action's status (queued, sending, done, failed)
    undo_status: str | None
    undo_refusal: str | None


SORTS = {"created": RuleRun.id, "rule": RuleRun.rule_name, "action": RuleRun.action, "outcome": RuleRun.outcome,
         "author": Interaction.author_name}


def log(workspace_id: int, *, rule_id: int | None = None, sort: str = "-created") -> tuple[list[LogRow], bool]:
    """What the workspace's rules did, newest first (or sorted by ``sort``, a key of SORTS, "-" for descending);
    returns the rows and whether there were more than LOG_LIMIT."""
    act, undo_act = aliased(ModerationAction), aliased(ModerationAction)
    column = SORTS.get(sort.lstrip("-"), RuleRun.id)
    order = column.desc() if sort.startswith("-") else column.asc()
    stmt = (select(RuleRun, Interaction.author_name, Interaction.text, Interaction.platform, act, undo_act.status)
            .join(Interaction, Interaction.id == RuleRun.interaction_id)
            .outerjoin(act, act.id == RuleRun.moderation_action_id)
            .outerjoin(undo_act, undo_act.id == RuleRun.undo_action_id)
            .where(RuleRun.workspace_id == workspace_id))
    if rule_id is not None:
        stmt = stmt.where(RuleRun.rule_id == rule_id)
    rows = db.session.execute(stmt.order_by(order, RuleRun.id.desc()).limit(LOG_LIMIT + 1)).all()
    out = [LogRow(run=run, author_name=author, text=text, platform=platform,
                  status=action.status if action is not None else None, undo_status=undo_status,
                  undo_refusal=undo_refusal(run, action, platform))
           for run, author, text, platform, action, undo_status in rows[:LOG_LIMIT]]
    return out, len(rows) > LOG_LIMIT


def rules_in_log(workspace_id: int) -> list[tuple[int, str]]:
    """The rules (id, name) that have rows in the workspace's log, for the filter."""
    return list(db.session.execute(select(RuleRun.rule_id, RuleRun.rule_name).where(
        RuleRun.workspace_id == workspace_id, RuleRun.rule_id.is_not(None)).distinct().order_by(RuleRun.rule_name)))
