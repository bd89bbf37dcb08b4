"""The settings pages of outbound webhooks (/settings/webhooks): the subscriptions one may manage, subscribe
(the signing secret shown once), change events and pause, delete, the delivery log with redelivery, a test
event. The same rules and services as the API's ``/api/v1/webhooks`` (``agency.api.subscriptions``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.forms import EmptyForm
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.api import subscriptions, webhooks
from agency.api.forms import AGENCY_WIDE, WebhookEditForm, WebhookForm
from agency.api.models import WebhookSubscription
from agency.errors import ValidationError

pages = Blueprint("webhook_pages", __name__)

PERMISSION = "workspaces.manage"  # owners, admins, account managers: agency-wide ones need agency.manage too


def _subscription_or_404(webhook_id: int) -> WebhookSubscription:
    sub = subscriptions.get_managed(current_user, webhook_id)
    if sub is None:
        abort(404)
    return sub


def _new_form(*, blank: bool = False) -> WebhookForm:
    """The subscribe form, its scopes limited to what the user may manage (blank: not read from the request)."""
    kwargs = {"formdata": None} if blank else {}
    return WebhookForm(workspaces=subscriptions.manageable_workspaces(current_user),
                       agency_wide=subscriptions.may_manage(current_user, None), **kwargs)


def _workspace_names() -> dict[int, str]:
    return {ws.id: ws.name for ws in subscriptions.manageable_workspaces(current_user)}


@pages.route("/settings/webhooks")
@permission_required(PERMISSION)
def webhook_list():
    subs = subscriptions.subscriptions_of(current_user)
    return render_template("api/webhooks.html", subs=subs, last=subscriptions.last_deliveries(subs),
                           workspace_names=_workspace_names())


def _render_new(form: WebhookForm, status: int = 200):
    return render_template("api/webhook_new.html", form=form), status


@pages.route("/settings/webhooks/new", methods=["GET", "POST"])
@permission_required(PERMISSION)
def webhook_new():
    if request.method == "GET":
        form = _new_form(blank=True)
        form.scope.data = form.scope.choices[0][0] if form.scope.choices else None
        return _render_new(form)
    form = _new_form()
    if not form.validate():
        return _render_new(form, 422)
    workspace_id = None if form.scope.data == AGENCY_WIDE else int(form.scope.data)
    try:
        sub, secret = subscriptions.subscribe(current_user, url=form.url.data, events=form.events.data,
                                              workspace_id=workspace_id, description=form.description.data or "")
    except subscriptions.NotAllowed as exc:
        form.scope.errors = [*form.scope.errors, str(exc)]
        return _render_new(form, 422)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _render_new(form, 422)
    # The secret is in this answer only; the database keeps it encrypted for signing.
    return render_template("api/webhook_created.html", sub=sub, secret=secret,
                           header=webhooks.SIGNATURE_HEADER, workspace_names=_workspace_names())


def _render_detail(sub: WebhookSubscription, form: WebhookEditForm | None = None, status: int = 200):
    if form is None:
        form = WebhookEditForm(formdata=None, obj=sub)
    return render_template("api/webhook.html", sub=sub, form=form, deliveries=subscriptions.deliveries_of(sub),
                           next_attempt_at=subscriptions.next_attempt_at, error_in_words=subscriptions.error_in_words,
                           workspace_names=_workspace_names(), empty_form=EmptyForm()), status


@pages.route("/settings/webhooks/<int:webhook_id>", methods=["GET", "POST"])
@permission_required(PERMISSION, hide=True)
def webhook_detail(webhook_id: int):
    sub = _subscription_or_404(webhook_id)
    if request.method == "GET":
        return _render_detail(sub)
    form = WebhookEditForm()
    if not form.validate():
        return _render_detail(sub, form, 422)
    try:
        subscriptions.change(current_user, sub, events=form.events.data, description=form.description.data or "",
                             is_active=bool(form.is_active.data))
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _render_detail(sub, form, 422)
    flash(_("Webhook saved."), "success")
    return redirect(url_for("webhook_pages.webhook_detail", webhook_id=sub.id))


@pages.route("/settings/webhooks/<int:webhook_id>/delete", methods=["POST"])
@permission_required(PERMISSION, hide=True)
def webhook_delete(webhook_id: int):
    sub = _subscription_or_404(webhook_id)
    if not EmptyForm().validate():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("webhook_pages.webhook_detail", webhook_id=sub.id))
    url = sub.url
    subscriptions.delete(current_user, sub)
    flash(_("The webhook to %(url)s is deleted; it receives no more events.", url=url), "success")
    return redirect(url_for("webhook_pages.webhook_list"))


@pages.route("/settings/webhooks/<int:webhook_id>/ping", methods=["POST"])
@permission_required(PERMISSION, hide=True)
def webhook_ping(webhook_id: int):
    sub = _subscription_or_404(webhook_id)
    if not EmptyForm().validate():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("webhook_pages.webhook_detail", webhook_id=sub.id))
    delivery = subscriptions.ping(current_user, sub)
    flash(_("A test event (%(id)s) is on its way; reload to see how it went.", id=delivery.event_id), "success")
    return redirect(url_for("webhook_pages.webhook_detail", webhook_id=sub.id))


@pages.route("/settings/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@permission_required(PERMISSION, hide=True)
def delivery_redeliver(webhook_id: int, delivery_id: int):
    sub = _subscription_or_404(webhook_id)
    delivery = subscriptions.delivery_of(sub, delivery_id)
    if delivery is None:
        abort(404)
    if not EmptyForm().validate():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("webhook_pages.webhook_detail", webhook_id=sub.id))
    again = subscriptions.redeliver(sub, delivery)
    flash(_("The event %(id)s is sent again.", id=again.event_id), "success")
    return redirect(url_for("webhook_pages.webhook_detail", webhook_id=sub.id))
