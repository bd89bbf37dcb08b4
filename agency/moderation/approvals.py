"""Reply approval (four eyes): per workspace, replies may need a second person's approval before they are sent.

The inbox asks ``hold_for_approval`` (provider ``reply_approval``) before it queues a reply; when the
workspace's setting says so — always, only while a crisis incident is open, or by rule (negative and public,
or a tag) — the reply is stored here instead, and only an approval queues it (with the approver's edits).
Approvers are the workspace's account managers (and owners, admins), or its client users in the portal
when the workspace says the client approves. Nobody approves their own reply.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from agency import audit, db
from agency.accounts.models import Role, User
from agency.accounts.notifications import notify, workspace_team
from agency.accounts.permissions import can
from agency.errors import ValidationError
from agency.inbox.models import Interaction, Status
from agency.moderation.models import ApprovalMode, ApprovalSettings, ReplyApproval

MODE_LABELS = {ApprovalMode.OFF: _l("Off: replies go out at once"),
               ApprovalMode.ALWAYS: _l("Always"),
               ApprovalMode.CRISIS: _l("Only while a crisis incident is open"),
               ApprovalMode.RULE: _l("By rule (negative and public, or tagged)")}
APPROVER_LABELS = {"staff": _l("An account manager"), "client": _l("The client (in the portal)")}
STATUS_LABELS = {"waiting": _l("waiting for approval"), "approved": _l("approved"), "rejected": _l("rejected")}
COMMENT_MAX = 2000

#: Set while an approved reply is queued, so that it is not held a second time.
_approved: ContextVar[bool] = ContextVar("reply_approved", default=False)


def settings_of(workspace_id: int) -> ApprovalSettings:
    """The workspace's setting (an unsaved default "off" when it has none)."""
    found = db.session.scalars(select(ApprovalSettings).where(ApprovalSettings.workspace_id == workspace_id)).first()
    return found or ApprovalSettings(workspace_id=workspace_id, mode="off", approver="staff",
                                     rule_negative_public=True, rule_tags=[])


def save_settings(actor: User, workspace, *, mode: str, approver: str, rule_negative_public: bool,
                  rule_tags: list[str], ip: str | None = None) -> ApprovalSettings:
    """Store the workspace's approval setting (audited)."""
    if mode not in set(ApprovalMode) or approver not in APPROVER_LABELS:
        raise ValidationError(_("Choose a mode and an approver."), "mode")
    tags = list(dict.fromkeys(t.strip().lstrip("#")[:64] for t in rule_tags if t.strip().lstrip("#")))
    if len(tags) > 20:
        raise ValidationError(_("At most 20 tags."), "rule_tags")
    row = db.session.scalars(select(ApprovalSettings).where(ApprovalSettings.workspace_id == workspace.id)).first()
    if row is None:
        row = ApprovalSettings(agency_id=workspace.agency_id, workspace_id=workspace.id)
        db.session.add(row)
    row.mode, row.approver, row.rule_negative_public, row.rule_tags = mode, approver, rule_negative_public, tags
    db.session.flush()
    audit.record("moderation.approval_settings_saved", agency_id=workspace.agency_id, actor=actor, obj=row, ip=ip,
                 details={"workspace": workspace.slug, "mode": mode, "approver": approver, "tags": tags})
    return row


def _crisis_open(workspace_id: int) -> bool:
    from agency.community.models import CrisisIncident

    return db.session.scalar(select(CrisisIncident.id).where(
        CrisisIncident.workspace_id == workspace_id, CrisisIncident.status == "open").limit(1)) is not None


def reason_for(interaction: Interaction, settings: ApprovalSettings | None = None) -> str | None:
    """Why a reply to ``interaction`` needs approval under the workspace's setting, or None."""
    settings = settings or settings_of(interaction.workspace_id)
    if settings.mode == ApprovalMode.ALWAYS:
        return "always"
    if settings.mode == ApprovalMode.CRISIS:
        return "crisis" if _crisis_open(interaction.workspace_id) else None
    if settings.mode == ApprovalMode.RULE:
        if settings.rule_negative_public and interaction.sentiment_label == "negative" \
                and interaction.kind != "direct_message":
            return "negative_public"
        for tag in settings.rule_tags or ():
            if tag in (interaction.tags or ()):
                return f"tag:{tag}"
    return None


def reason_label(reason: str) -> str:
    """The reason for people."""
    if reason.startswith("tag:"):
        return _("tagged #%(tag)s", tag=reason[4:])
    return {"always": _("every reply is approved"), "crisis": _("a crisis incident is open"),
            "negative_public": _("negative and public")}.get(reason, reason)


def hold_for_approval(actor: User, interaction: Interaction, text: str) -> ReplyApproval | None:
    """The inbox's question before queueing a reply: hold it for approval (returns the held reply) or not."""
    if _approved.get():
        return None
    settings = settings_of(interaction.workspace_id)
    reason = reason_for(interaction, settings)
    if reason is None:
        return None
    same = db.session.scalars(select(ReplyApproval).where(
        ReplyApproval.interaction_id == interaction.id, ReplyApproval.author_id == actor.id,
        ReplyApproval.status == "waiting", ReplyApproval.text == text)).first()
    if same is not None:
        return same  # the same form sent twice: it waits once
    held = ReplyApproval(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                         interaction_id=interaction.id, author_id=actor.id, text=text, reason=reason,
                         approver=settings.approver, status="waiting")
    db.session.add(held)
    if interaction.status == Status.NEW:
        interaction.status = Status.OPEN
    db.session.flush()
    audit.record("moderation.reply_held", agency_id=interaction.agency_id, actor=actor, obj=held,
                 details={"interaction": interaction.id, "reason": reason})
    _tell_approvers(held, interaction)
    return held


def edit_refusal(actor: User | None, interaction: Interaction,
                 settings: ApprovalSettings | None = None) -> str | None:
    """Why ``actor`` may not change our sent reply in ``interaction`` on the platform, or None when they may.

    Where replies need approval, an edit would put words on the platform that nobody approved: there only an
    approver among the staff (account managers, owners, admins) changes a sent reply; with the client as the
    approver nobody on our side does.
    """
    settings = settings or settings_of(interaction.workspace_id)
    reason = reason_for(interaction, settings)
    if reason is None:
        return None
    if actor is not None and settings.approver == "staff" and can(actor, "workspaces.manage"):
        return None
    return _("Replies here need approval (%(reason)s): only an approver may change a sent reply.",
             reason=reason_label(reason))


def approvers_of(approval: ReplyApproval) -> list[User]:
    """Who may decide: the workspace's account managers, owners and admins — or its client users."""
    if approval.approver == "client":
        from agency.accounts.models import Membership

        members = select(Membership.user_id).where(Membership.workspace_id == approval.workspace_id)
        return list(db.session.scalars(select(User).where(
            User.agency_id == approval.agency_id, User.role == Role.CLIENT, User.is_active_user.is_(True),
            User.id.in_(members))))
    return [u for u in workspace_team(approval.agency_id, approval.workspace_id)
            if can(u, "workspaces.manage") and u.id != approval.author_id]


def may_decide(user: User, approval: ReplyApproval) -> bool:
    """Whether ``user`` may approve or reject (never their own reply)."""
    return user.id != approval.author_id and any(u.id == user.id for u in approvers_of(approval))


def _tell_approvers(approval: ReplyApproval, interaction: Interaction) -> None:
    from agency.accounts.models import Workspace

    workspace = db.session.get(Workspace, approval.workspace_id)
    # Paths, not url_for: jobs and rules hold replies outside requests too.
    link = "/portal/approvals" if approval.approver == "client" else f"/w/{workspace.slug}/approvals"
    notify(approvers_of(approval), kind="approval", title=_l("A reply waits for your approval"),
           body=interaction.author_name, link=link, dedupe_key=f"approval-{approval.id}",
           workspace_id=approval.workspace_id)


def decide(actor: User, approval: ReplyApproval, decision: str, *, text: str | None = None,
           comment: str | None = None, ip: str | None = None) -> ReplyApproval:
    """Approve (queue the reply, with the approver's edits) or reject (with a comment for the author)."""
    from agency.inbox.replies import queue_reply

    if approval.status != "waiting":
        raise ValidationError(_("This reply has been decided already."), "decision")
    if not may_decide(actor, approval):
        raise ValidationError(_("You cannot decide on this reply (nobody approves their own)."), "decision")
    comment = (comment or "").strip() or None
    if comment and len(comment) > COMMENT_MAX:
        raise ValidationError(_("The comment is too long (at most %(n)d characters).", n=COMMENT_MAX), "comment")
    interaction = db.session.get(Interaction, approval.interaction_id)
    if decision == "approve":
        final = (text or "").strip() or approval.text
        author = db.session.get(User, approval.author_id) if approval.author_id else actor
        token = _approved.set(True)
        try:
            reply = queue_reply(author or actor, interaction, final)  # the platform's limits are checked here
        except ValidationError as err:
            raise ValidationError(err.message, "text") from None
        finally:
            _approved.reset(token)
        if final != approval.text:
            approval.original_text, approval.text = approval.text, final
        approval.reply_id = reply.id
        approval.status = "approved"
    elif decision == "reject":
        if not comment:
            raise ValidationError(_("Say why, so that the author can do better."), "comment")
        approval.status = "rejected"
    else:
        raise ValidationError(_("Approve or reject."), "decision")
    approval.decided_by_id, approval.decided_at, approval.comment = actor.id, db.utcnow(), comment
    db.session.flush()
    audit.record(f"moderation.reply_{approval.status}", agency_id=approval.agency_id, actor=actor, obj=approval,
                 ip=ip, details={"interaction": approval.interaction_id, "edited": approval.original_text is not None})
    if approval.status == "rejected" and approval.author_id:
        from agency.accounts.models import Workspace

        author = db.session.get(User, approval.author_id)
        workspace = db.session.get(Workspace, approval.workspace_id)
        notify([author], kind="approval", title=_l("Your reply was not approved"), body=comment or "",
               link=f"/w/{workspace.slug}/inbox/{interaction.id}",
               dedupe_key=f"approval-rejected-{approval.id}", workspace_id=approval.workspace_id)
    return approval


def waiting(workspace_id: int) -> list[ReplyApproval]:
    """The workspace's replies waiting for approval, oldest first."""
    return list(db.session.scalars(select(ReplyApproval).where(
        ReplyApproval.workspace_id == workspace_id, ReplyApproval.status == "waiting")
        .order_by(ReplyApproval.created_at)))


def recent_decisions(workspace_id: int, limit: int = 30) -> list[ReplyApproval]:
    """The workspace's latest decisions, newest first."""
    return list(db.session.scalars(select(ReplyApproval).where(
        ReplyApproval.workspace_id == workspace_id, ReplyApproval.status != "waiting")
        .order_by(ReplyApproval.decided_at.desc()).limit(limit)))


def of_interaction(interaction_id: int) -> list[ReplyApproval]:
    """The held replies of a conversation, newest first (waiting ones and the last decisions)."""
    return list(db.session.scalars(select(ReplyApproval).where(ReplyApproval.interaction_id == interaction_id)
                                   .order_by(ReplyApproval.created_at.desc()).limit(10)))


def waiting_time(approval: ReplyApproval) -> timedelta:
    """How long the reply waited (waits) for approval — the SLA's time spent in approval."""
    return (approval.decided_at or db.utcnow()) - approval.created_at


def approvals_waiting(workspace_ids, sort: str = "longest", limit: int = 50) -> tuple[list[SimpleNamespace], int]:
    """Items of these workspaces with a reply waiting for approval, with since when (their oldest held reply) and
    how many replies wait, longest waiting first (``sort="shortest"``: most recent first); and how many there are.

    One statement: the total comes from a window over the grouped rows, not from a second count.
    """
    ids = list(workspace_ids)
    if not ids:
        return [], 0
    held = (select(ReplyApproval.interaction_id, func.min(ReplyApproval.created_at).label("since"),
                   func.count().label("replies"))
            .where(ReplyApproval.workspace_id.in_(ids), ReplyApproval.status == "waiting")
            .group_by(ReplyApproval.interaction_id).subquery())
    order = held.c.since.desc() if sort == "shortest" else held.c.since.asc()
    rows = db.session.execute(
        select(Interaction, held.c.since, held.c.replies, func.count().over().label("total"))
        .join(held, held.c.interaction_id == Interaction.id)
        .where(Interaction.workspace_id.in_(ids)).order_by(order, Interaction.id).limit(limit)).all()
    total = rows[0].total if rows else 0
    now = db.utcnow()
    return [SimpleNamespace(interaction=item, since=since, replies=replies,
                            waited_seconds=max(0, int((now - since).total_seconds())))
            for item, since, replies, _t in rows], total


def client_approvals(workspace_id: int, user: User) -> list[dict]:
    """Replies waiting for this client user's approval, for the portal."""
    rows = [a for a in waiting(workspace_id) if a.approver == "client" and may_decide(user, a)]
    items = {i.id: i for i in db.session.scalars(select(Interaction).where(
        Interaction.id.in_([a.interaction_id for a in rows])))} if rows else {}
    return [{"id": a.id, "text": a.text, "created_at": a.created_at, "author_name": items[a.interaction_id].author_name,
             "item_text": items[a.interaction_id].text, "reason": reason_label(a.reason),
             "url": "/portal/approvals"} for a in rows]
