"""Moderation actions on the platforms: hide, delete, like, ban, private replies, editing and deleting our own
replies."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from agency import db


class Action(enum.StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"
    LIKE = "like"
    UNLIKE = "unlike"
    BAN = "ban"
    UNBAN = "unban"
    PRIVATE_REPLY = "private_reply"
    EDIT = "edit"


#: An action and the one that undoes it (delete and private replies cannot be undone on any platform; an edit is
#: undone by another edit back to its ``previous_text``).
REVERSE = {Action.HIDE: Action.UNHIDE, Action.UNHIDE: Action.HIDE, Action.LIKE: Action.UNLIKE,
           Action.UNLIKE: Action.LIKE, Action.BAN: Action.UNBAN, Action.UNBAN: Action.BAN}

#: A moderation action in these states still waits for its job.
PENDING = ("queued", "sending")


class ModerationAction(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """One moderation action, queued by a person (or a rule) and done on the platform by a job, at most once."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint("action in ('hide','unhide','delete','like','unlike','ban','unban','private_reply','edit')",
                        name="action_known"),
        CheckConstraint("status in ('queued','sending','done','failed')", name="status_known"),
        # The item's moderation history, newest first (its state is the newest done action of each kind).
        Index("ix_moderation_actions_interaction", "interaction_id", sql("id DESC")),
        # Bans are per person and channel: the newest ban/unban of an author decides.
        Index("ix_moderation_actions_author", "channel_id", "author_external_id",
              postgresql_where=sql("action in ('ban','unban')")),
        Index("ix_moderation_actions_pending", "status", postgresql_where=sql("status in ('queued','sending')")),
        # Counts per workspace and period for reports.
        Index("ix_moderation_actions_ws_done", "workspace_id", "done_at", postgresql_where=sql("status = 'done'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    #: set when the action is on our own sent reply (deleting it) rather than on the interaction itself
    reply_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("replies.id", ondelete="SET NULL"),
                                                 nullable=True)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("channels.id", ondelete="SET NULL"),
                                                   nullable=True)
    author_external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    #: the private reply's text; for an edit, our reply's new text
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: for an edit, the text it replaces (audited, and what "Undo edit" brings back)
    previous_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    actor_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                 nullable=True)
    first_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: what the platform created (the private reply's message id)
    external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)


class ApprovalMode(enum.StrEnum):
    OFF = "off"
    ALWAYS = "always"
    CRISIS = "crisis"  # only while a crisis incident of the workspace is open
    RULE = "rule"  # negative and public, or carrying one of the tags


class ApprovalSettings(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """Whether a workspace's replies need a second person's approval before they are sent, and whose."""

    __tablename__ = "approval_settings"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_approval_settings_workspace_id"),
        CheckConstraint("mode in ('off','always','crisis','rule')", name="mode_known"),
        CheckConstraint("approver in ('staff','client')", name="approver_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    #: staff: an account manager (or owner, admin) of the workspace; client: a client user in the portal
    approver: Mapped[str] = mapped_column(String(8), default="staff", server_default="staff")
    rule_negative_public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))
    rule_tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default=sql("'{}'"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)


class ReplyApproval(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A reply held until an approver approves (it is then queued like any reply), edits or rejects it."""

    __tablename__ = "reply_approvals"
    __table_args__ = (
        CheckConstraint("status in ('waiting','approved','rejected')", name="status_known"),
        CheckConstraint("approver in ('staff','client')", name="approver_known"),
        Index("ix_reply_approvals_waiting", "workspace_id", "created_at", postgresql_where=sql("status = 'waiting'")),
        Index("ix_reply_approvals_interaction", "interaction_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                  nullable=True)
    text: Mapped[str] = mapped_column(Text)
    #: the author's text when the approver edited it
    original_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: why it needs approval ("always", "crisis", "negative_public", "tag:<name>")
    reason: Mapped[str] = mapped_column(String(80))
    approver: Mapped[str] = mapped_column(String(8), default="staff", server_default="staff")
    status: Mapped[str] = mapped_column(String(8), default="waiting", server_default="waiting")
    decided_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                      nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the reply queued once approved
    reply_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("replies.id", ondelete="SET NULL"),
                                                 nullable=True)


ASSIGNMENT_MODES = ("off", "round_robin", "least_open")


class AssignmentSettings(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """Whether new items of a workspace are given to its staff on shift automatically, and how."""

    __tablename__ = "assignment_settings"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_assignment_settings_workspace_id"),
        CheckConstraint("mode in ('off','round_robin','least_open')", name="mode_known"),
        CheckConstraint("cap between 1 and 1000", name="cap_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    mode: Mapped[str] = mapped_column(String(12), default="off", server_default="off")
    #: nobody gets more open items of this workspace than this
    cap: Mapped[int] = mapped_column(SmallInteger, default=20, server_default="20")
    #: round robin continues after this person (the lowest id after them, wrapping around)
    last_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    #: only this team's community managers get items (None: all of the workspace's); a deleted team means all
    team_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)


class AutoAssignment(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """Who auto-assignment gave an item to. While the item's assignee is still that person the assignment is
    ours to move; once a person assigned (or unassigned) it differently, auto-assignment never touches it."""

    __tablename__ = "auto_assignments"
    __table_args__ = (UniqueConstraint("interaction_id", name="uq_auto_assignments_interaction_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True)


class RuleRun(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """What an inbox rule did to one item on the platform: acted (queued the action itself) or suggested it
    (people accept or dismiss with one click); an acted or accepted hide can be undone (unhidden)."""

    __tablename__ = "moderation_rule_runs"
    __table_args__ = (
        CheckConstraint("action in ('hide','delete')", name="action_known"),
        CheckConstraint("mode in ('act','suggest')", name="mode_known"),
        CheckConstraint("outcome in ('acted','suggested','accepted','dismissed')", name="outcome_known"),
        # A rule suggests or does an action to an item once.
        UniqueConstraint("rule_id", "interaction_id", "action",
                         name="uq_moderation_rule_runs_rule_id_interaction_id_action"),
        # The log page: a workspace's runs, newest first.
        Index("ix_moderation_rule_runs_ws", "workspace_id", sql("id DESC")),
        # Open suggestions of an item (thread banner, list marker).
        Index("ix_moderation_rule_runs_suggested", "interaction_id", postgresql_where=sql("outcome = 'suggested'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: the rule (kept by name when the rule is deleted)
    rule_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("inbox_rules.id", ondelete="SET NULL"),
                                                nullable=True)
    rule_name: Mapped[str] = mapped_column(String(120))
    interaction_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("interactions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(10))
    #: the moderation action queued (by the rule, or by the person who accepted the suggestion)
    moderation_action_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("moderation_actions.id", ondelete="SET NULL"), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                      nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: undo (unhide) of an acted or accepted hide
    undo_action_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("moderation_actions.id", ondelete="SET NULL"), nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(nullable=True)
    undone_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"),
                                                     nullable=True)


class Team(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A named group of a workspace's staff ("Weekend", "Reviews") where the agency wants one: auto-assignment
    can be limited to it, and its members' inbox has a "my team" filter."""

    __tablename__ = "teams"
    __table_args__ = (
        # One name once per workspace, whatever its case ("Support" and "support" are one team).
        Index("uq_teams_workspace_name", "workspace_id", sql("lower(name)"), unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow, onupdate=db.utcnow)


class TeamMember(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A staff member of the team's workspace in the team (the workspace is carried for row-level security)."""

    __tablename__ = "team_members"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", name="uq_team_members_team_id_user_id"),
        # "My teams": the teams of a user.
        Index("ix_team_members_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    team_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
