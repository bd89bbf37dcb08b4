"""People pages: the list ``/w/<ws>/people``, a profile ``/w/<ws>/people/<id>`` (timeline across channels, labels,
note, identities), its label and note forms, merge (with a confirmation) and split."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.forms import EmptyForm
from agency.accounts.tenancy import get_scoped_or_404, in_workspace_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.channels.queries import channels_of_workspace
from agency.errors import ValidationError
from agency.inbox.forms import KIND_LABELS, STATUS_LABELS
from agency.moderation.services import platform_name
from agency.people import services
from agency.people.forms import LabelForm, MergeForm, NoteForm
from agency.people.models import Person, PersonIdentity

bp = Blueprint("people", __name__)


def _person(workspace: str, person_id: int) -> tuple:
    return in_workspace_or_404(Person, workspace, person_id)


def _profile_url(ws, person) -> str:
    return url_for("people.profile", workspace=ws.slug, person_id=person.id)


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) <= 5 else 1


@bp.route("/w/<workspace>/people")
@permission_required("inbox.work", hide=True)
def people_list(workspace: str):
    """The workspace's people: searchable, filterable by label, sorted by recent activity, name or count."""
    ws = workspace_or_404(workspace)
    q = request.args.get("q", "")[:200]
    sort = request.args.get("sort", "recent")
    sort = sort if sort in services.SORTS else "recent"
    label = request.args.get("label", "")[:services.LABEL_MAX_LENGTH]
    page = _page_number(request.args.get("page"))
    rows, more = services.people_of(ws, q=q, label=label, sort=sort, page=page)
    return render_template("people/list.html", workspace=ws, rows=rows, more=more, page=page, q=q, sort=sort,
                           label=label, labels=services.LABELS, label_text=services.label_text,
                           warn_labels=services.WARN_LABELS, platform_name=platform_name)


def _profile(ws, person, *, label_form=None, note_form=None, status=200):
    before = services.parse_cursor(request.args.get("before"))
    items, next_cursor = services.timeline(person, before=before)
    channels = {c.id: c for c in channels_of_workspace(ws.id)}
    return render_template(
        "people/profile.html", workspace=ws, person=person, items=items, next_cursor=next_cursor,
        paged=before is not None, identities=services.identities_of(person), channels=channels,
        label_form=label_form or LabelForm(formdata=None), empty_form=EmptyForm(),
        note_form=note_form or NoteForm(formdata=None, display_name=person.display_name, note=person.note),
        labels=services.LABELS, label_text=services.label_text, warn_labels=services.WARN_LABELS,
        platform_name=platform_name, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS), status


@bp.route("/w/<workspace>/people/<int:person_id>")
@permission_required("inbox.work", hide=True)
def profile(workspace: str, person_id: int):
    """One person: their interactions on every channel of the workspace (newest first), labels, note, identities."""
    ws, person = _person(workspace, person_id)
    return _profile(ws, person)


@bp.route("/w/<workspace>/people/<int:person_id>/labels", methods=["POST"])
@permission_required("inbox.work", hide=True)
def labels(workspace: str, person_id: int):
    """Add or remove one label."""
    ws, person = _person(workspace, person_id)
    form = LabelForm()
    if form.validate():
        try:
            if form.op.data == "add":
                label = services.add_label(current_user, person, form.label.data, ip=client_ip())
                flash(_("Label added: %(label)s.", label=services.label_text(label)), "success")
            else:
                label = services.remove_label(current_user, person, form.label.data, ip=client_ip())
                flash(_("Label removed: %(label)s.", label=services.label_text(label)), "success")
            return redirect(_profile_url(ws, person) + "#labels", 303)
        except ValidationError as err:
            apply_validation_error(form, err)
    return _profile(ws, person, label_form=form, status=400)


@bp.route("/w/<workspace>/people/<int:person_id>/note", methods=["POST"])
@permission_required("inbox.work", hide=True)
def note(workspace: str, person_id: int):
    """Save the person's name and note."""
    ws, person = _person(workspace, person_id)
    form = NoteForm()
    if form.validate():
        try:
            services.save_note(current_user, person, name=form.display_name.data, note=form.note.data or "",
                               ip=client_ip())
            flash(_("Saved."), "success")
            return redirect(_profile_url(ws, person) + "#note", 303)
        except ValidationError as err:
            apply_validation_error(form, err)
    return _profile(ws, person, note_form=form, status=400)


@bp.route("/w/<workspace>/people/<int:person_id>/merge", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def merge(workspace: str, person_id: int):
    """Merge another person into this one: GET searches (``q``) and confirms (``other``); POST merges."""
    ws, person = _person(workspace, person_id)
    form = MergeForm()
    status = 200
    other = None
    if request.method == "POST":
        if form.validate():
            other = get_scoped_or_404(Person, int(form.other.data))
            if other.workspace_id != ws.id:
                abort(404)
            try:
                name = other.display_name
                services.merge(current_user, person, other, ip=client_ip())
            except ValidationError as err:
                apply_validation_error(form, err)
            else:
                flash(_("%(other)s merged into %(name)s.", other=name, name=person.display_name), "success")
                return redirect(_profile_url(ws, person), 303)
        status = 400
    else:
        raw = request.args.get("other", "")
        if raw:
            if not raw.isdigit() or len(raw) > 18:
                abort(404)
            other = get_scoped_or_404(Person, int(raw))
            if other.workspace_id != ws.id or other.id == person.id:
                abort(404)
            form.other.data = str(other.id)
    q = request.args.get("q", "")[:200]
    candidates = [] if other is not None or not q else [
        r for r in services.people_of(ws, q=q)[0] if r.person.id != person.id]
    other_identities = services.identities_of(other) if other is not None and request.method == "GET" else []
    return render_template(
        "people/merge.html", workspace=ws, person=person, other=other, form=form, q=q, candidates=candidates,
        identities=services.identities_of(person), other_identities=other_identities,
        label_text=services.label_text, platform_name=platform_name), status


@bp.route("/w/<workspace>/people/<int:person_id>/identities/<int:identity_id>/split", methods=["POST"])
@permission_required("inbox.work", hide=True)
def split(workspace: str, person_id: int, identity_id: int):
    """Take one identity off the person into a new person of its own."""
    ws, person = _person(workspace, person_id)
    identity = get_scoped_or_404(PersonIdentity, identity_id)
    if identity.workspace_id != ws.id or identity.person_id != person.id:
        abort(404)
    if not EmptyForm().validate():
        abort(400)
    try:
        new = services.split(current_user, person, identity, ip=client_ip())
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(_profile_url(ws, person), 303)
    flash(_("%(platform)s identity split off into its own profile.", platform=platform_name(identity.platform)),
          "success")
    return redirect(_profile_url(ws, new), 303)

