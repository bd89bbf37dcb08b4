"""The inbox list: across all the user's workspaces (/inbox) or one (/w/<workspace>/inbox)."""

from __future__ import annotations

import json

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from agency import db
from agency.accounts.models import User
from agency.accounts.queries import visible_workspaces
from agency.accounts.tenancy import get_scoped_or_404, visible_workspace_ids, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.channels.models import Channel
from agency.errors import ValidationError
from agency.inbox import presence, queries, services
from agency.inbox.forms import KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS, BulkForm, SavedViewForm
from agency.inbox.models import Interaction, SavedView
from agency.inbox.views import ListContext, bp


def channels_named(items: list[Interaction]) -> list[Channel]:
    ids = sorted({i.channel_id for i in items if i.channel_id is not None})
    if not ids:
        return []
    return list(db.session.scalars(select(Channel).where(Channel.id.in_(ids))))


def _render_list(workspace=None):
    ids = visible_workspace_ids()
    flt = queries.InboxFilter.from_args(request.args, ids, workspace_id=workspace.id if workspace else None)
    g.inbox_filter = flt
    context = ListContext(flt, all_clients=workspace is None)
    page = queries.list_page(flt, current_user.id, after=request.args.get("after"))
    workspaces = {w.id: w for w in visible_workspaces(current_user)}
    # Only the channels the page's rows name, in one query (the list shows each row's channel name).
    channels = {c.id: c for c in channels_named(page.items)}
    staff = services.staff_of_workspace(current_user.agency_id, workspace.id) if workspace else []
    return render_template(
        "inbox/list.html", workspace=workspace, flt=flt, page=page, workspaces=workspaces, channels=channels,
        counts=queries.filter_counts(flt, current_user.id), staff=staff,
        presence=presence.others([i.id for i in page.items], current_user.id),
        views=queries.saved_views(current_user.id), tags=queries.tags_in_use(flt.workspace_ids),
        bulk_form=BulkForm(), view_form=SavedViewForm(query=json.dumps(context.list_args)),
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS,
        list_args=context.list_args, thread_args=context.thread_args)


@bp.route("/inbox/")
@permission_required("inbox.work")
def all_inboxes():
    return _render_list()


@bp.route("/w/<workspace>/inbox/")
@permission_required("inbox.work")
def index(workspace: str):
    return _render_list(workspace_or_404(workspace))


@bp.route("/inbox/bulk", methods=["POST"])
@permission_required("inbox.work")
def bulk():
    form = BulkForm()
    back = request.form.get("back") or url_for("inbox.all_inboxes")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("inbox.all_inboxes")
    raw_ids = request.form.getlist("ids")
    if not form.validate() or not raw_ids or len(raw_ids) > 500 or not all(i.isdigit() for i in raw_ids):
        flash(_("Select at least one conversation and an action."), "error")
        return redirect(back), 303
    items = [get_scoped_or_404(Interaction, i) for i in raw_ids]
    assignee = None
    if form.action.data == "assign":
        if not (form.assignee.data or "").isdigit():
            flash(_("Choose whom to assign to."), "error")
            return redirect(back), 303
        assignee = get_scoped_or_404(User, form.assignee.data)
    try:
        count = services.bulk(current_user, items, form.action.data, assignee=assignee,
                              tags=[t for t in (form.tags.data or "").split(",") if t.strip()],
                              priority=form.priority.data or None)
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(back), 303
    flash(_("%(n)d conversations updated.", n=count), "success")
    return redirect(back)


@bp.route("/inbox/views", methods=["POST"])
@permission_required("inbox.work")
def save_view():
    form = SavedViewForm()
    try:
        query = json.loads(form.query.data or "{}")
        if not isinstance(query, dict):
            raise ValueError
    except ValueError:
        query = None
    if not form.validate() or query is None:
        flash(_("Give the view a name."), "error")
        return redirect(url_for("inbox.all_inboxes")), 303
    try:
        view = services.save_view(current_user, form.name.data, query)
    except ValidationError as err:
        apply_validation_error(form, err)
        flash(err.message, "error")
        return redirect(url_for("inbox.all_inboxes")), 303
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return redirect(url_for("inbox.all_inboxes", **view.query))


@bp.route("/inbox/views/<int:view_id>/delete", methods=["POST"])
@permission_required("inbox.work", hide=True)
def delete_view(view_id: int):
    view = get_scoped_or_404(SavedView, view_id)
    if view.user_id != current_user.id:
        abort(404)
    from agency.accounts.forms import EmptyForm

    if not EmptyForm().validate():
        abort(400)
    services.delete_view(current_user, view)
    flash(_("View deleted."), "success")
    return redirect(url_for("inbox.all_inboxes"))
