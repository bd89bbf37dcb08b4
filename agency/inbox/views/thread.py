"""The thread view of one interaction and everything done to it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.forms import EmptyForm
from agency.accounts.models import User
from agency.accounts.tenancy import get_scoped_or_404, visible_workspace_ids, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.channels.models import Channel
from agency.errors import ValidationError
from agency.inbox import presence, queries, replies, services
from agency.inbox.forms import (
    KIND_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    AssignForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    SnoozeForm,
    StatusForm,
    TagsForm,
)
from agency.inbox.models import Interaction, Reply
from agency.inbox.signals import interaction_worked
from agency.inbox.views import bp


def _interaction(workspace: str, interaction_id: int) -> tuple:
    ws = workspace_or_404(workspace)
    interaction = get_scoped_or_404(Interaction, interaction_id)
    if interaction.workspace_id != ws.id:
        abort(404)
    return ws, interaction


def _worked(interaction, action: str) -> None:
    interaction_worked.send(interaction, user_id=current_user.id, action=action)


def _thread_url(ws, interaction) -> str:
    return url_for("inbox.thread", workspace=ws.slug, interaction_id=interaction.id, **_list_args())


def _list_args() -> dict:
    keep = ("channel", "kind", "status", "assignee", "priority", "sentiment", "language", "tag", "q", "sla", "sort")
    source = request.args if request.method == "GET" else request.form
    return {k: source[k][:200] for k in keep if source.get(k)}


def _render(ws, interaction, *, reply_form=None, note_form=None, status: int = 200, warning: list | None = None):
    flt = queries.InboxFilter.from_args(request.args if request.method == "GET" else request.form,
                                        visible_workspace_ids(), workspace_id=ws.id)
    g.inbox_filter = flt
    previous_id, next_id = queries.neighbours(flt, current_user.id, interaction)
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    staff = services.staff_of_workspace(ws.agency_id, ws.id)
    assign_form = AssignForm(assignee=str(interaction.assignee_id or ""))
    assign_form.assignee.choices = [("", _("— unassigned —"))] + [(str(u.id), u.name) for u in staff]
    reply_form = reply_form or ReplyForm(opened_at=db.utcnow().isoformat())
    presence.beat(interaction.id, current_user.id, current_user.name, "viewing")
    return render_template(
        "inbox/thread.html", workspace=ws, interaction=interaction, channel=channel,
        entries=queries.thread(interaction), notes=queries.notes_of(interaction),
        history=queries.author_history(interaction), others=presence.others([interaction.id], current_user.id)
        .get(interaction.id, []), staff={u.id: u for u in staff},
        reply_form=reply_form, note_form=note_form or NoteForm(), status_form=StatusForm(status=interaction.status),
        priority_form=PriorityForm(priority=interaction.priority), assign_form=assign_form,
        tags_form=TagsForm(tags=", ".join(interaction.tags)), snooze_form=SnoozeForm(), empty_form=EmptyForm(),
        window=replies.window_state(interaction, channel),
        reply_limit=replies.reply_limit(channel, interaction) if channel else None,
        previous_id=previous_id, next_id=next_id, list_args=_list_args(), collisions=warning or [],
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS,
    ), status


@bp.route("/w/<workspace>/inbox/<int:interaction_id>")
@permission_required("inbox.work", hide=True)
def thread(workspace: str, interaction_id: int):
    ws, interaction = _interaction(workspace, interaction_id)
    _worked(interaction, "opened")
    return _render(ws, interaction)


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/reply", methods=["POST"])
@permission_required("inbox.work", hide=True)
def reply(workspace: str, interaction_id: int):
    ws, interaction = _interaction(workspace, interaction_id)
    form = ReplyForm()
    if not form.validate():
        return _render(ws, interaction, reply_form=form, status=400)
    try:
        opened_at = datetime.fromisoformat(form.opened_at.data) if form.opened_at.data else None
    except ValueError:
        opened_at = None
    if opened_at is not None and not form.send_anyway.data:
        others = queries.replied_by_others_since(interaction, opened_at, current_user.id)
        if others:
            form.send_anyway.errors = [_("A colleague replied while you were writing. Read their reply, then "
                                         "tick “Send anyway” if yours should go out too.")]
            return _render(ws, interaction, reply_form=form, status=409, warning=others)
    try:
        replies.queue_reply(current_user, interaction, form.text.data)
    except ValidationError as err:
        apply_validation_error(form, err)
        return _render(ws, interaction, reply_form=form, status=400)
    presence.beat(interaction.id, current_user.id, current_user.name, "viewing")
    _worked(interaction, "replied")
    flash(_("Reply queued; it is being sent to the platform."), "success")
    return redirect(_thread_url(ws, interaction))


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/note", methods=["POST"])
@permission_required("inbox.work", hide=True)
def note(workspace: str, interaction_id: int):
    ws, interaction = _interaction(workspace, interaction_id)
    form = NoteForm()
    if form.validate():
        try:
            services.add_note(current_user, interaction, form.text.data)
            _worked(interaction, "noted")
            flash(_("Note added."), "success")
            return redirect(_thread_url(ws, interaction))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _render(ws, interaction, note_form=form, status=400)


def _snooze_until(choice: str, tz: str) -> datetime | None:
    now = db.utcnow()
    local = now.astimezone(ZoneInfo(tz))
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "3h":
        return now + timedelta(hours=3)
    if choice == "tomorrow":
        return (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    if choice == "monday":
        days = (7 - local.weekday()) % 7 or 7
        return (local + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    return None


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/update", methods=["POST"])
@permission_required("inbox.work", hide=True)
def update(workspace: str, interaction_id: int):
    """One endpoint for the thread's small forms: status, priority, assignee, tags, snooze."""
    ws, interaction = _interaction(workspace, interaction_id)
    field = request.form.get("field", "")
    forms = {"status": StatusForm, "priority": PriorityForm, "assignee": AssignForm, "tags": TagsForm,
             "snooze": SnoozeForm}
    if field not in forms:
        abort(400)
    form = forms[field]()
    if field == "assignee":
        form.assignee.choices = [("", "")] + [(str(u.id), u.name)
                                              for u in services.staff_of_workspace(ws.agency_id, ws.id)]
    if not form.validate():
        flash(_("That change could not be saved: %(errors)s",
                errors="; ".join(str(e) for errs in form.errors.values() for e in errs)), "error")
        return redirect(_thread_url(ws, interaction)), 303
    try:
        if field == "status":
            services.set_status(current_user, interaction, form.status.data)
        elif field == "priority":
            services.set_priority(current_user, interaction, form.priority.data)
        elif field == "assignee":
            assignee = get_scoped_or_404(User, form.assignee.data) if form.assignee.data else None
            services.assign(current_user, interaction, assignee)
        elif field == "tags":
            services.set_tags(current_user, interaction, (form.tags.data or "").split(","))
        else:
            services.snooze(current_user, interaction, _snooze_until(form.until.data, ws.timezone))
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(_thread_url(ws, interaction)), 303
    _worked(interaction, "changed")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True, status=interaction.status, priority=interaction.priority,
                       assignee_id=interaction.assignee_id, tags=interaction.tags)
    if field == "status" and request.form.get("next_id", "").isdigit():
        return redirect(url_for("inbox.thread", workspace=ws.slug, interaction_id=int(request.form["next_id"]),
                                **_list_args()))
    return redirect(_thread_url(ws, interaction))


@bp.route("/w/<workspace>/inbox/replies/<int:reply_id>/retry", methods=["POST"])
@permission_required("inbox.work", hide=True)
def retry(workspace: str, reply_id: int):
    ws = workspace_or_404(workspace)
    reply_row = get_scoped_or_404(Reply, reply_id)
    if reply_row.workspace_id != ws.id or not EmptyForm().validate():
        abort(404)
    try:
        replies.retry_reply(current_user, reply_row)
        flash(_("Sending the reply again."), "success")
    except ValidationError as err:
        flash(err.message, "error")
    return redirect(url_for("inbox.thread", workspace=ws.slug, interaction_id=reply_row.interaction_id))


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/presence", methods=["POST"])
@permission_required("inbox.work", hide=True)
def heartbeat(workspace: str, interaction_id: int):
    """JSON heartbeat of the thread page: records this user, answers who else is here."""
    _ws, interaction = _interaction(workspace, interaction_id)
    state = request.form.get("state", "viewing")
    if request.form.get("leave"):
        presence.leave(interaction.id, current_user.id)
    else:
        presence.beat(interaction.id, current_user.id, current_user.name, state)
        if request.form.get("active") == "1":  # the page is visible and was used lately
            _worked(interaction, "replying" if state == "replying" else "active")
    others = presence.others([interaction.id], current_user.id).get(interaction.id, [])
    latest = [{"id": r.id, "status": r.status, "error": r.error}
              for r in db.session.query(Reply).filter(Reply.interaction_id == interaction.id)
              .order_by(Reply.id.desc()).limit(5)]
    return jsonify(others=others, replies=latest)
