"""The job that does one moderation action on the platform, at most once (like ``agency.inbox.replies``).

Before the first platform call the action is committed as "sending" with its first attempt time. Every
action but a private reply sets a state on the platform (hidden, deleted, liked, banned, our reply's text),
so doing it again after a lost answer changes nothing; a private reply is refused by the platform once the
comment has one (``AlreadyDone``), which after an earlier attempt of ours means that attempt arrived. A failure
is stored in words; Retry queues the action again.
"""

from __future__ import annotations

import logging
import re

from flask_babel import gettext as _
from rq.exceptions import AbandonedJobError
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.timeouts import JobTimeoutException
from sqlalchemy import select

from agency import audit, db
from agency.channels import access
from agency.channels.connectors.base import (
    AlreadyDone,
    AuthExpired,
    ConnectorError,
    ModerationTarget,
    RateLimited,
    TransientError,
)
from agency.channels.models import Channel
from agency.inbox.models import Interaction, Reply
from agency.moderation import services
from agency.moderation.models import PENDING, ModerationAction
from agency.queue import enqueue_after_commit, get_queue, job

log = logging.getLogger(__name__)
_JOB_ID = re.compile(r"^moderation-(\d+)(?:-.*)?$")


def job_id(action_id: int, suffix: str = "") -> str:
    """Every job doing an action is named after it: the sweeper tells an action with a live job by its id."""
    return f"moderation-{action_id}{'-' + suffix if suffix else ''}"


class ActionRetryLater(Exception):
    """The platform did not answer: RQ retries the job."""


def _target(row: ModerationAction, interaction: Interaction) -> ModerationTarget:
    if row.reply_id is not None:
        reply = db.session.get(Reply, row.reply_id)
        kind = "direct_message" if interaction.kind == "direct_message" else "reply"
        return ModerationTarget(kind=kind, external_id=reply.external_id if reply else "",
                                parent_external_id=interaction.thread_external_id or interaction.external_id,
                                is_own=True)
    return ModerationTarget(kind=interaction.kind, external_id=interaction.external_id,
                            parent_external_id=interaction.parent_external_id,
                            author_external_id=interaction.author_external_id, is_own=interaction.is_own)


def _action_failed(job, connection, exc_type, exc_value, tb) -> None:
    """RQ's failure callback: once no retry is left, the action is failed, with the reason."""
    if job.retries_left:
        return
    agency_id, action_id = job.args[:2]
    if isinstance(exc_value, ActionRetryLater):
        reason = _("The platform did not answer, also after several attempts. Retry does it once more; "
                   "it never happens twice.")
    elif isinstance(exc_value, JobTimeoutException | AbandonedJobError):
        reason = _("The action was stopped before the platform answered. Retry does it once more; it never "
                   "happens twice.")
    else:
        reason = _("The action failed with an internal error (%(error)s).",
                   error=getattr(exc_type, "__name__", "error"))
    try:
        with db.tenant(db.session(), agency_id):
            _mark_failed_if_pending(action_id, reason)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _mark_failed_if_pending(action_id: int, reason: str) -> bool:
    row = db.session.scalars(select(ModerationAction).where(
        ModerationAction.id == action_id, ModerationAction.status.in_(PENDING))
        .with_for_update(skip_locked=True)).first()
    if row is None:
        return False
    row.status, row.error = "failed", reason
    audit.record("moderation.failed", agency_id=row.agency_id, obj=row,
                 details={"action": row.action, "interaction": row.interaction_id, "reason": reason[:300]})
    db.session.flush()
    return True


@job("replies", timeout=120, retries=4, retry_intervals=(15, 60, 300, 900), on_failure=_action_failed)
def run_action(agency_id: int, action_id: int) -> str:
    """Do one queued moderation action on the platform, at most once (see the module docstring)."""
    with db.tenant(db.session(), agency_id):
        row = db.session.scalars(select(ModerationAction).where(
            ModerationAction.id == action_id, ModerationAction.agency_id == agency_id).with_for_update()).first()
        if row is None or row.status in ("done", "failed"):
            return row.status if row is not None else "missing"
        interaction = db.session.get(Interaction, row.interaction_id)
        channel = db.session.get(Channel, row.channel_id) if row.channel_id else None
        if channel is None:
            return _fail(row.id, _("The channel is no longer connected."))
        target = _target(row, interaction)
        action, text, earlier_attempt = row.action, row.text, row.first_attempt_at is not None
        row.first_attempt_at = row.first_attempt_at or db.utcnow()
        row.attempts += 1
        row.status = "sending"
        db.session.commit()  # the attempt is on record before the platform hears of it
        try:
            # A 401 means the platform did nothing: one token refresh and a second try is safe.
            created = access.with_fresh_token(channel, lambda connector: connector.moderate(action, target, text))
        except AlreadyDone as err:
            db.session.rollback()
            if earlier_attempt:
                return _done(action_id, None)  # our earlier attempt arrived; its answer was lost
            return _fail(action_id, _("The platform refused: %(reason)s", reason=str(err)[:300]))
        except RateLimited as err:
            db.session.rollback()
            _requeue(action_id, _("The platform asked us to wait; trying again at %(time)s.",
                                  time=err.retry_after.strftime("%H:%M")), delay=err.retry_after)
            return "queued"
        except TransientError as err:
            db.session.rollback()
            _requeue(action_id, _("The platform did not answer in time. We try again; it never happens twice."))
            raise ActionRetryLater(str(err)) from err
        except AuthExpired:
            db.session.rollback()
            return _fail(action_id, _("The platform no longer accepts our access. Reconnect the channel, then "
                                      "retry."))
        except ConnectorError as err:
            db.session.rollback()
            return _fail(action_id, _("The platform refused: %(reason)s", reason=str(err)[:300]))
        return _done(action_id, created)


def _done(action_id: int, created: str | None) -> str:
    row = db.session.get(ModerationAction, action_id)
    row.external_id = created or row.external_id
    services.apply_done(row)
    details = {"action": row.action, "interaction": row.interaction_id}
    if row.action == "edit":  # what the platform showed before and shows now
        details.update(old_text=row.previous_text, new_text=row.text)
    audit.record("moderation.done", agency_id=row.agency_id, obj=row, details=details)
    db.session.commit()
    return "done"


def _requeue(action_id: int, message: str, delay=None) -> None:
    row = db.session.get(ModerationAction, action_id)
    row.status, row.error = "queued", message
    db.session.commit()
    if delay is not None:
        seconds = max(30, int((delay - db.utcnow()).total_seconds()))
        enqueue_after_commit(run_action, row.agency_id, row.id, delay_seconds=seconds,
                             job_id=job_id(row.id, f"wait-{int(delay.timestamp())}"))


def _fail(action_id: int, message: str) -> str:
    row = db.session.get(ModerationAction, action_id)
    row.status, row.error = "failed", message
    audit.record("moderation.failed", agency_id=row.agency_id, obj=row,
                 details={"action": row.action, "interaction": row.interaction_id, "reason": message[:300]})
    db.session.commit()
    return "failed"


def actions_with_live_jobs() -> set[int]:
    """Ids of the actions a job on the ``replies`` queue is waiting to do, or doing right now."""
    queue = get_queue("replies")
    started = StartedJobRegistry(queue=queue)
    job_ids = [*queue.get_job_ids(), *ScheduledJobRegistry(queue=queue).get_job_ids(),
               *started.get_job_ids(), *DeferredJobRegistry(queue=queue).get_job_ids()]
    return {int(m.group(1)) for jid in job_ids if (m := _JOB_ID.match(str(jid)))}


@job("replies", timeout=300)
def sweep_stuck_actions() -> int:
    """Periodic: fail the actions left queued or sending with no job to do them (a lost job); returns how many."""
    live = actions_with_live_jobs()
    cutoff = db.utcnow() - services.STUCK_AFTER
    with db.system_scope("find moderation actions without a job in every agency"):
        candidates = db.session.execute(select(ModerationAction.agency_id, ModerationAction.id).where(
            ModerationAction.status.in_(PENDING), ModerationAction.updated_at < cutoff)
            .order_by(ModerationAction.id).limit(1000)).all()
    failed = 0
    for agency_id, action_id in candidates:
        if action_id in live:
            continue
        with db.tenant(db.session(), agency_id):
            failed += _mark_failed_if_pending(action_id, _(
                "The action was not done: its job was lost (for example when a worker stopped). Retry does it "
                "once more; it never happens twice."))
    if failed:
        log.warning("marked %d stuck moderation actions as failed", failed)
    return failed


@job("default", timeout=120)
def assign_open_items(now_iso: str | None = None) -> int:
    """Periodic (every minute): auto-assign open items in every workspace that asks for it and move those of
    people who went off shift; returns how many items changed hands."""
    from datetime import datetime

    from agency.accounts.models import Workspace
    from agency.moderation import assignment
    from agency.moderation.models import AssignmentSettings

    now = datetime.fromisoformat(now_iso) if now_iso else db.utcnow()
    with db.system_scope("find workspaces with auto-assignment in every agency"):
        targets = db.session.execute(select(AssignmentSettings.agency_id, AssignmentSettings.workspace_id).where(
            AssignmentSettings.mode != "off").order_by(AssignmentSettings.workspace_id)).all()
    moved = 0
    for agency_id, workspace_id in targets:
        with db.tenant(db.session(), agency_id):
            workspace = db.session.get(Workspace, workspace_id)
            if workspace is not None:
                assigned, reassigned = assignment.assign_workspace(workspace, now)
                moved += assigned + reassigned
            db.session.commit()
    return moved
