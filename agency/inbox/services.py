"""Writes of the inbox workflow: assign, status, priority, tags, notes, snooze, bulk actions,
saved views, rules. Every function takes the actor explicitly and flushes, never commits.
People's changes send ``interaction_changed`` so the SLA engine can recompute.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from agency import audit, db, wiring
from agency.accounts.models import Membership, Role, User
from agency.errors import ValidationError
from agency.inbox.classify._text import URL_RE
from agency.inbox.models import OPEN_STATUSES, InboxRule, Interaction, Note, Priority, SavedView, Status
from agency.inbox.signals import interaction_changed, rule_moderation

MAX_TAGS = 20
MAX_NOTE = 10_000
_TAG_RE = re.compile(r"^[\w äöüÄÖÜß&+.-]{1,40}$")


def _changed(interaction: Interaction, *fields: str, actor_id: int | None = None) -> None:
    db.session.flush()
    interaction_changed.send(interaction, fields=set(fields), actor_id=actor_id)


def can_work_on(user: User, workspace_id: int) -> bool:
    if user.sees_all_workspaces:
        return True
    return db.session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                         Membership.workspace_id == workspace_id)) is not None


def set_status(actor: User, interaction: Interaction, status: str) -> Interaction:
    """Move an interaction to a status (close, reopen, ignore, spam…)."""
    if status not in set(Status):
        raise ValidationError(_("Unknown status."), "status")
    if interaction.status == status:
        return interaction
    interaction.status = status
    if status in (Status.CLOSED, Status.IGNORED, Status.SPAM, Status.REPLIED):
        interaction.handled_at = interaction.handled_at or db.utcnow()
        interaction.snoozed_until = None
    elif status in OPEN_STATUSES:
        interaction.handled_at = None
    if status == Status.SPAM:
        interaction.is_spam = True
        interaction.is_opportunity = False
    _changed(interaction, "status")
    return interaction


def assign(actor: User, interaction: Interaction, assignee: User | None) -> Interaction:
    """Assign to a staff member who works in the interaction's workspace (None unassigns)."""
    if assignee is not None and (
            assignee.agency_id != interaction.agency_id or not assignee.is_active or not assignee.is_staff
            or not can_work_on(assignee, interaction.workspace_id)):
        raise ValidationError(_("Choose someone who works in this workspace."), "assignee")
    new_id = assignee.id if assignee is not None else None
    if interaction.assignee_id == new_id:
        return interaction
    interaction.assignee_id = new_id
    if interaction.status == Status.NEW and new_id is not None:
        interaction.status = Status.OPEN
    _changed(interaction, "assignee_id", actor_id=actor.id if actor is not None else None)
    return interaction


def set_priority(actor: User, interaction: Interaction, priority: str) -> Interaction:
    if priority not in set(Priority):
        raise ValidationError(_("Unknown priority."), "priority")
    if interaction.priority != priority:
        interaction.priority = priority
        _changed(interaction, "priority")
    return interaction


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Tags as given (spaces collapsed), each once whatever its case (as lower() sees it); the first spelling stays."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        tag = " ".join(str(tag).split())
        if not tag:
            continue
        if not _TAG_RE.fullmatch(tag):
            raise ValidationError(_("Tags may contain letters, digits, spaces and & + . - (at most 40 characters)."),
                                  "tags")
        if tag.lower() not in seen:
            seen.add(tag.lower())
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(_("At most %(n)d tags.", n=MAX_TAGS), "tags")
    return cleaned


def has_tag(interaction: Interaction, tag: str) -> bool:
    return tag.lower() in {t.lower() for t in interaction.tags}


def set_tags(actor: User, interaction: Interaction, tags: Iterable[str]) -> Interaction:
    interaction.tags = normalise_tags(tags)
    _changed(interaction, "tags")
    return interaction


def add_tags(actor: User, interaction: Interaction, tags: Iterable[str]) -> Interaction:
    return set_tags(actor, interaction, [*interaction.tags, *tags])


def add_note(actor: User, interaction: Interaction, text: str) -> Note:
    """An internal note: visible to staff, never sent to the platform, no effect on SLAs."""
    text = text.strip()
    if not text:
        raise ValidationError(_("The note is empty."), "note_text")
    if "\x00" in text:
        raise ValidationError(_("The note contains a NUL character, which cannot be stored. Remove it and try "
                                "again."), "note_text")
    if len(text) > MAX_NOTE:
        raise ValidationError(_("A note may have at most %(n)d characters.", n=MAX_NOTE), "note_text")
    note = Note(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                interaction_id=interaction.id, author_id=actor.id, text=text)
    db.session.add(note)
    db.session.flush()
    return note


def snooze(actor: User, interaction: Interaction, until: datetime | None) -> Interaction:
    """Hide until a time (the SLA clock pauses meanwhile); None wakes it now."""
    now = db.utcnow()
    if until is not None and until <= now:
        raise ValidationError(_("Choose a time in the future."), "until")
    interaction.snoozed_until = until
    if until is not None and interaction.status == Status.NEW:
        interaction.status = Status.OPEN
    _changed(interaction, "snoozed_until")
    return interaction


BULK_ACTIONS = ("assign", "unassign", "tag", "close", "reopen", "spam", "ignore", "priority")


def bulk(actor: User, interactions: list[Interaction], action: str, *, assignee: User | None = None,
         tags: Iterable[str] = (), priority: str | None = None) -> int:
    """Apply one action to many interactions (all already scoped to the actor); returns how many."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Unknown action."), "action")
    if action == "tag":
        tags = normalise_tags(tags)
        if not tags:
            raise ValidationError(_("Enter at least one tag."), "tags")
    for interaction in interactions:
        if action == "assign":
            assign(actor, interaction, assignee)
        elif action == "unassign":
            assign(actor, interaction, None)
        elif action == "tag":
            add_tags(actor, interaction, tags)
        elif action == "close":
            set_status(actor, interaction, Status.CLOSED)
        elif action == "reopen":
            set_status(actor, interaction, Status.OPEN)
        elif action == "spam":
            set_status(actor, interaction, Status.SPAM)
        elif action == "ignore":
            set_status(actor, interaction, Status.IGNORED)
        elif action == "priority":
            set_priority(actor, interaction, priority or "")
    return len(interactions)


# --- saved views -------------------------------------------------------------------------

SAVED_VIEW_KEYS = ("workspace", "channel", "kind", "status", "assignee", "priority", "sentiment", "language", "tag",
                   "q", "sort", "sla")


def save_view(actor: User, name: str, query: dict[str, Any]) -> SavedView:
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise ValidationError(_("Give the view a name of at most 80 characters."), "name")
    clean: dict[str, Any] = {}
    for key, value in query.items():
        if key not in SAVED_VIEW_KEYS or value in (None, "", []):
            continue
        if key == "workspace":  # the all-clients list's workspace choice: one id or several
            ids = [str(w) for w in (value if isinstance(value, list) else [value])[:50] if str(w).isdigit()]
            if ids:
                clean[key] = ids
        elif isinstance(value, str | int):
            clean[key] = str(value)[:200]
    view = db.session.scalars(select(SavedView).where(SavedView.user_id == actor.id, SavedView.name == name)).first()
    if view is None:
        view = SavedView(agency_id=actor.agency_id, user_id=actor.id, name=name, query=clean)
        db.session.add(view)
    else:
        view.query = clean
    db.session.flush()
    return view


def delete_view(actor: User, view: SavedView) -> None:
    if view.user_id != actor.id:
        raise ValidationError(_("You can delete only your own views."))
    db.session.delete(view)
    db.session.flush()


# --- rules ------------------------------------------------------------------------------

RULE_CONDITIONS = ("channel_id", "kind", "text_contains", "sentiment", "rating_max", "rating_min", "language",
                   "is_question", "is_spam", "has_link", "banned_word", "author_label")
#: Conditions that are either set (True) or absent.
RULE_FLAGS = ("is_spam", "has_link", "banned_word")
RULE_ACTIONS = ("tag", "assignee_id", "priority", "moderate", "mode")
#: Moderation a rule may ask for on the platform, and how: do it at once, or suggest it to people.
RULE_MODERATION = ("hide", "delete")
RULE_MODES = ("act", "suggest")
_TRUE = ("1", "true", "yes", "on", "y")


def save_rule(actor: User, workspace, *, name: str, conditions: dict[str, Any], actions: dict[str, Any],
              rule: InboxRule | None = None, is_active: bool = True) -> InboxRule:
    """Create or update a workspace rule; validates conditions and actions."""
    from agency.channels.models import Channel

    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise ValidationError(_("Give the rule a name of at most 120 characters."), "name")
    conditions = {k: v for k, v in conditions.items() if k in RULE_CONDITIONS and v not in (None, "", [], False)}
    actions = {k: v for k, v in actions.items() if k in RULE_ACTIONS and v not in (None, "", [])}
    for flag in RULE_FLAGS:
        if flag in conditions:
            if conditions[flag] is not True and str(conditions[flag]).lower() not in _TRUE:
                raise ValidationError(_("Unknown condition."), flag)
            conditions[flag] = True
    if "sentiment" in conditions and conditions["sentiment"] not in ("negative", "neutral", "positive"):
        raise ValidationError(_("Unknown sentiment."), "sentiment")
    if "mode" in actions and "moderate" not in actions:
        del actions["mode"]
    if "moderate" in actions:
        if actions["moderate"] not in RULE_MODERATION:
            raise ValidationError(_("Choose hide or delete on the platform."), "moderate")
        actions.setdefault("mode", "suggest")
        if actions["mode"] not in RULE_MODES:
            raise ValidationError(_("Choose whether the rule acts or suggests."), "mode")
    if not conditions:
        raise ValidationError(_("A rule needs at least one condition."), "conditions")
    if not actions:
        raise ValidationError(_("A rule needs at least one action."), "actions")
    if "channel_id" in conditions:
        channel = db.session.get(Channel, int(conditions["channel_id"]))
        if channel is None or channel.workspace_id != workspace.id:
            raise ValidationError(_("Choose a channel of this workspace."), "channel_id")
        conditions["channel_id"] = channel.id
    if "assignee_id" in actions:
        user = db.session.get(User, int(actions["assignee_id"]))
        if user is None or user.agency_id != workspace.agency_id or not can_work_on(user, workspace.id):
            raise ValidationError(_("Choose someone who works in this workspace."), "assignee_id")
        actions["assignee_id"] = user.id
    if "tag" in actions:
        actions["tag"] = normalise_tags([actions["tag"]])[0]
    if "priority" in actions and actions["priority"] not in set(Priority):
        raise ValidationError(_("Unknown priority."), "priority")
    if "author_label" in conditions:
        label = " ".join(str(conditions["author_label"]).split())
        if not label or len(label) > 40:
            raise ValidationError(_("A label has at most 40 characters."), "author_label")
        conditions["author_label"] = label.casefold()
    if rule is None:
        position = len(rules_of_workspace(workspace.id))
        rule = InboxRule(agency_id=workspace.agency_id, workspace_id=workspace.id, position=position)
        db.session.add(rule)
    rule.name, rule.conditions, rule.actions, rule.is_active = name, conditions, actions, is_active
    db.session.flush()
    audit.record("inbox.rule_saved", agency_id=workspace.agency_id, actor=actor, obj=rule,
                 details={"name": name, "conditions": conditions, "actions": actions})
    return rule


def delete_rule(actor: User, rule: InboxRule) -> None:
    audit.record("inbox.rule_deleted", agency_id=rule.agency_id, actor=actor, obj=rule, details={"name": rule.name})
    db.session.delete(rule)
    db.session.flush()


def rules_of_workspace(workspace_id: int, *, active_only: bool = False) -> list[InboxRule]:
    stmt = select(InboxRule).where(InboxRule.workspace_id == workspace_id)
    if active_only:
        stmt = stmt.where(InboxRule.is_active.is_(True))
    return list(db.session.scalars(stmt.order_by(InboxRule.position, InboxRule.id)))


def rule_matches(conditions: dict[str, Any], interaction: Interaction,
                 banned: Callable[[str], bool] | None = None,
                 author_labels: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether ``interaction`` meets every condition; ``banned`` tells whether a text contains a word of the
    workspace's tone guide to avoid (None: the workspace has none, so ``banned_word`` never matches);
    ``author_labels`` are its author's labels (lower case)."""
    c = conditions
    if "author_label" in c and str(c["author_label"]).casefold() not in author_labels:
        return False
    if c.get("is_spam") and not interaction.is_spam:
        return False
    if c.get("has_link") and not URL_RE.search(interaction.text or ""):
        return False
    if c.get("banned_word") and (banned is None or not banned(interaction.text or "")):
        return False
    if "channel_id" in c and interaction.channel_id != c["channel_id"]:
        return False
    if "kind" in c and interaction.kind != c["kind"]:
        return False
    if "language" in c and interaction.language != c["language"]:
        return False
    if "sentiment" in c and interaction.sentiment_label != c["sentiment"]:
        return False
    if "is_question" in c and bool(interaction.is_question) != (str(c["is_question"]).lower() in ("1", "true", "yes")):
        return False
    if "rating_max" in c and (interaction.rating is None or interaction.rating > int(c["rating_max"])):
        return False
    if "rating_min" in c and (interaction.rating is None or interaction.rating < int(c["rating_min"])):
        return False
    if "text_contains" in c:
        needles = [n.strip().lower() for n in str(c["text_contains"]).split(",") if n.strip()]
        text = (interaction.text or "").lower()
        if not any(n in text for n in needles):
            return False
    return True


def apply_rules(workspace_id: int, interaction_ids: list[int], *, history_before: datetime | None = None) -> int:
    """Apply the workspace's active rules to newly ingested interactions; returns how many matched.

    Runs in the ingest transaction, before the SLA engine stamps due times (priority matters there). Rules that
    hide or delete on the platform send ``rule_moderation`` (moderation does or suggests it) for new items and
    new spam, never for our own replies nor for a first backfill's history (created before ``history_before``).
    """
    rules = rules_of_workspace(workspace_id, active_only=True)
    if not rules or not interaction_ids:
        return 0
    matched = 0
    banned = None
    if any(rule.conditions.get("banned_word") for rule in rules):
        provider = wiring.provided("banned_word_matcher")
        banned = provider(workspace_id) if provider is not None else None
    moderation: dict[int, list[int]] = {}  # rule id -> interaction ids to moderate on the platform
    rows = db.session.scalars(select(Interaction).where(Interaction.id.in_(interaction_ids))
                              .order_by(Interaction.id)).all()
    labels: dict[tuple[str, str], set[str]] = {}
    lookup = wiring.provided("author_labels")
    if lookup is not None and any("author_label" in rule.conditions for rule in rules):
        # The authors' labels (kept by a package above), read once for the page.
        labels = lookup(workspace_id, [(i.platform, i.author_external_id) for i in rows if i.author_external_id])
    for interaction in rows:
        # Never our own replies, nor history stored as closed; spam (stored as such) may still be moderated.
        if interaction.is_own or interaction.status not in (Status.NEW, Status.SPAM):
            continue
        recent = history_before is None or interaction.platform_created_at >= history_before
        fresh = interaction.status == Status.NEW  # tag, priority and assignee only for the open inbox
        author = labels.get((interaction.platform, interaction.author_external_id or ""), frozenset())
        for rule in rules:
            if not rule_matches(rule.conditions, interaction, banned, author):
                continue
            actions = rule.actions
            if actions.get("moderate") in RULE_MODERATION and recent:
                moderation.setdefault(rule.id, []).append(interaction.id)
            if not fresh:
                continue
            matched += 1
            if "tag" in actions and not has_tag(interaction, actions["tag"]):
                interaction.tags = [*interaction.tags, actions["tag"]]
            if "priority" in actions:
                interaction.priority = actions["priority"]
            if "assignee_id" in actions and interaction.assignee_id is None:
                interaction.assignee_id = actions["assignee_id"]
                interaction.status = Status.OPEN
    db.session.flush()
    for rule in rules:
        if rule.id in moderation:
            rule_moderation.send(rule, interaction_ids=moderation[rule.id], action=rule.actions["moderate"],
                                 mode=rule.actions.get("mode", "suggest"))
    return matched


def staff_of_workspace(agency_id: int, workspace_id: int) -> list[User]:
    """Who can be assigned: active staff assigned to the workspace, plus owners and admins."""
    from agency.accounts.notifications import workspace_team

    return sorted(workspace_team(agency_id, workspace_id), key=lambda u: u.name.lower())


def role_sees_everything(user: User) -> bool:
    return user.role in (Role.OWNER, Role.ADMIN)
