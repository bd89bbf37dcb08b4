"""The thread view of one interaction and everything done to it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, jsonify, redirect, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.forms import EmptyForm
from agency.accounts.models import User, Workspace
from agency.accounts.tenancy import get_scoped_or_404, in_workspace_or_404, visible_workspace_ids, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.channels.models import Channel
from agency.errors import ValidationError
from agency.identicon import identicon_png
from agency.inbox import media, presence, queries, replies, services
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
from agency.inbox.views import ListContext, bp


def _interaction(workspace: str, interaction_id: int) -> tuple:
    return in_workspace_or_404(Interaction, workspace, interaction_id)


def _context(ws) -> ListContext:
    """The list this thread belongs to, from the query string (for GET and for the actions' POSTs)."""
    return ListContext.of_thread(request.args, visible_workspace_ids(), ws.id)


def _worked(interaction, action: str) -> None:
    interaction_worked.send(interaction, user_id=current_user.id, action=action)


def _neighbour_url(context: ListContext, neighbour) -> str | None:
    """The thread URL of a neighbour in the list (in the all-clients list it may be in another workspace)."""
    if neighbour is None:
        return None
    workspace = db.get_in_agency(Workspace, neighbour.workspace_id, current_user.agency_id)
    return context.thread_url(workspace.slug, neighbour.id) if workspace is not None else None


def _render(ws, interaction, *, reply_form=None, note_form=None, status: int = 200, warning: list | None = None):
    context = _context(ws)
    g.inbox_filter = context.flt
    previous, following = queries.neighbours(context.flt, current_user.id, interaction)
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    staff = services.staff_of_workspace(ws.agency_id, ws.id)
    # Only the submitted form reads the request: the others show the interaction as it is (formdata=None).
    assign_form = AssignForm(formdata=None, assignee=str(interaction.assignee_id or ""))
    assign_form.assignee.choices = [("", _("— unassigned —"))] + [(str(u.id), u.name) for u in staff]
    reply_form = reply_form or ReplyForm(formdata=None, opened_at=db.utcnow().isoformat())
    presence.beat(interaction.id, current_user.id, current_user.name, "viewing")
    return render_template(
        "inbox/thread.html", workspace=ws, interaction=interaction, channel=channel,
        entries=queries.thread(interaction), notes=queries.notes_of(interaction),
        history=queries.author_history(interaction), others=presence.others([interaction.id], current_user.id)
        .get(interaction.id, []), staff={u.id: u for u in staff},
        reply_form=reply_form, note_form=note_form or NoteForm(formdata=None),
        status_form=StatusForm(formdata=None, status=interaction.status),
        priority_form=PriorityForm(formdata=None, priority=interaction.priority), assign_form=assign_form,
        tags_form=TagsForm(formdata=None, tags=", ".join(interaction.tags)), snooze_form=SnoozeForm(formdata=None),
        empty_form=EmptyForm(formdata=None),
        window=replies.window_state(interaction, channel),
        reply_limit=(limit := replies.reply_limit(channel, interaction) if channel else None),
        reply_hint=replies.limit_hint(limit) if limit else "",
        previous_url=_neighbour_url(context, previous), next_url=_neighbour_url(context, following),
        back_url=context.list_url(ws.slug), thread_args=context.thread_args, collisions=warning or [],
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
    if opened_at is not None and opened_at.tzinfo is None:
        opened_at = None  # the page writes UTC with its offset; anything else is not ours
    if opened_at is not None and queries.same_reply_since(interaction, opened_at, current_user.id,
                                                          form.reply_text.data.strip()):
        # The same form sent twice (a double click, a reload): the first one is already on its way.
        flash(_("This reply is already queued."), "info")
        return redirect(_context(ws).thread_url(ws.slug, interaction.id)), 303
    if opened_at is not None and not form.send_anyway.data:
        others = queries.replied_by_others_since(interaction, opened_at, current_user.id)
        if others:
            form.send_anyway.errors = [_("A colleague replied while you were writing. Read their reply, then "
                                         "tick “Send anyway” if yours should go out too.")]
            return _render(ws, interaction, reply_form=form, status=409, warning=others)
    try:
        queued = replies.queue_reply(current_user, interaction, form.reply_text.data)
    except ValidationError as err:
        apply_validation_error(form, err)
        return _render(ws, interaction, reply_form=form, status=400)
    presence.beat(interaction.id, current_user.id, current_user.name, "viewing")
    _worked(interaction, "replied")
    if not isinstance(queued, Reply):  # held for approval by the workspace's setting
        flash(_("Reply saved; it waits for approval before it is sent."), "info")
        return redirect(_context(ws).thread_url(ws.slug, interaction.id))
    flash(_("Reply queued; it is being sent to the platform."), "success")
    return redirect(_context(ws).thread_url(ws.slug, interaction.id))


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/note", methods=["POST"])
@permission_required("inbox.work", hide=True)
def note(workspace: str, interaction_id: int):
    ws, interaction = _interaction(workspace, interaction_id)
    form = NoteForm()
    if form.validate():
        try:
            services.add_note(current_user, interaction, form.note_text.data)
            _worked(interaction, "noted")
            flash(_("Note added."), "success")
            return redirect(_context(ws).thread_url(ws.slug, interaction.id))
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
    """One endpoint for the thread's small forms: status, priority, assignee, tags, snooze.

    The list's filter comes from the query string, the change from the form: closing with ``then=next``
    (the Close button, ``e``) moves on to the next item of the same list, or back to the list after the last.
    """
    ws, interaction = _interaction(workspace, interaction_id)
    context = _context(ws)
    here = context.thread_url(ws.slug, interaction.id)
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
        return redirect(here), 303
    # The next item is taken before the change: closing can move the item out of the list's order (SLA sort).
    go_next = field == "status" and request.form.get("then") == "next"
    following = queries.neighbours(context.flt, current_user.id, interaction)[1] if go_next else None
    try:
        confirmation = _apply_update(ws, interaction, field, form)
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(here), 303
    _worked(interaction, "changed")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True, status=interaction.status, priority=interaction.priority,
                       assignee_id=interaction.assignee_id, tags=interaction.tags)
    flash(confirmation, "success")
    if go_next:
        return redirect(_neighbour_url(context, following) or context.list_url(ws.slug))
    return redirect(here)


def _apply_update(ws, interaction, field: str, form) -> str:
    """Apply one small form's change; returns the confirmation the user sees."""
    if field == "status":
        services.set_status(current_user, interaction, form.status.data)
        done = {"closed": _("Conversation closed."), "open": _("Conversation reopened."),
                "spam": _("Marked as spam."), "ignored": _("Conversation ignored.")}
        return done.get(form.status.data) or _("Status set to “%(status)s”.", status=STATUS_LABELS[form.status.data])
    if field == "priority":
        services.set_priority(current_user, interaction, form.priority.data)
        return _("Priority set to “%(priority)s”.", priority=PRIORITY_LABELS[form.priority.data])
    if field == "assignee":
        assignee = get_scoped_or_404(User, form.assignee.data) if form.assignee.data else None
        services.assign(current_user, interaction, assignee)
        return _("Assigned to %(name)s.", name=assignee.name) if assignee else _("Unassigned.")
    if field == "tags":
        services.set_tags(current_user, interaction, (form.tags.data or "").split(","))
        return _("Tags saved: %(tags)s.", tags=", ".join(interaction.tags)) if interaction.tags \
            else _("Tags removed.")
    until = _snooze_until(form.until.data, ws.timezone)
    services.snooze(current_user, interaction, until)
    if until is None:
        return _("Woken up: the conversation is back in the list.")
    return _("Snoozed until %(time)s.", time=format_datetime(until, "short"))


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
    return redirect(_context(ws).thread_url(ws.slug, reply_row.interaction_id))


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


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/media/<which>")
@permission_required("inbox.work", hide=True)
def media_image(workspace: str, interaction_id: int, which: str):
    """A picture of the item (``1``…``4``) or of the post it was written on (``post``), fetched from the platform
    by our server and served from our origin (see ``agency.inbox.media``)."""
    _ws, interaction = _interaction(workspace, interaction_id)
    url = media.picture_url(interaction.media, which)
    if url is None:
        abort(404)
    image = media.cached_image(url)
    if image is None:  # refused or unreachable: a plain placeholder instead of a broken image
        response = Response(media.PLACEHOLDER_PNG, mimetype="image/png")
        response.headers["Cache-Control"] = "private, max-age=600"
        return response
    response = Response(image.data, mimetype=image.mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/avatar")
@permission_required("inbox.work", hide=True)
def avatar(workspace: str, interaction_id: int):
    """The author's avatar, fetched from the platform by our server (see ``agency.inbox.media``)."""
    _ws, interaction = _interaction(workspace, interaction_id)
    image = media.cached_image(interaction.author_avatar_url) if interaction.author_avatar_url else None
    if image is None:  # none, refused or unreachable: a pattern of the author instead of a broken image
        response = Response(identicon_png(interaction.author_external_id or interaction.author_name or ""),
                            mimetype="image/png")
        response.headers["Cache-Control"] = "private, max-age=600"
        return response
    response = Response(image.data, mimetype=image.mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
