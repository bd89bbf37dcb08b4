"""Webhook subscriptions, their delivery log and manual redelivery."""

from __future__ import annotations

from flask_login import current_user

from agency.accounts.models import Workspace
from agency.accounts.tenancy import get_scoped_or_404
from agency.api import schemas as s
from agency.api import subscriptions
from agency.api.framework import ApiError, operation
from agency.api.models import WebhookDelivery, WebhookSubscription
from agency.api.views import bp
from agency.errors import ValidationError


def webhook_out(sub: WebhookSubscription, cls=s.Webhook, **extra):
    return cls(id=sub.id, workspace_id=sub.workspace_id, url=sub.url, description=sub.description,
               events=list(sub.events), is_active=sub.is_active, created_at=sub.created_at, **extra)


def delivery_out(d: WebhookDelivery) -> s.Delivery:
    return s.Delivery(id=d.id, event_id=d.event_id, event_type=d.event_type, state=d.state, attempts=d.attempts,
                      last_status=d.last_status, last_error=d.last_error, created_at=d.created_at,
                      last_attempt_at=d.last_attempt_at, delivered_at=d.delivered_at)


def _subscription(webhook_id: int) -> WebhookSubscription:
    sub = subscriptions.get_managed(current_user, webhook_id)
    if sub is None:
        raise ApiError(404, "not_found", "No such webhook.")
    return sub


def _invalid(exc: ValidationError) -> ApiError:
    return ApiError(422, "invalid", exc.message, {exc.field: exc.message} if exc.field else None)


@operation(bp, "/webhooks", "GET", area="webhooks", access="read", tag="Webhooks",
           summary="Webhook subscriptions you manage", response=s.WebhookList)
def list_webhooks():
    return s.WebhookList(items=[webhook_out(sub) for sub in subscriptions.subscriptions_of(current_user)])


@operation(bp, "/webhooks", "POST", area="webhooks", access="write", tag="Webhooks",
           summary="Subscribe a public URL to events (the signing secret is in this answer only)",
           body=s.WebhookIn, response=s.WebhookCreated, status=201)
def create_webhook(body: s.WebhookIn):
    if body.workspace_id is not None:
        get_scoped_or_404(Workspace, body.workspace_id)
    try:
        sub, secret = subscriptions.subscribe(current_user, url=body.url, events=list(body.events),
                                              workspace_id=body.workspace_id, description=body.description)
    except subscriptions.NotAllowed as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except ValidationError as exc:
        raise _invalid(exc) from None
    return webhook_out(sub, s.WebhookCreated, secret=secret)


@operation(bp, "/webhooks/<int:webhook_id>", "GET", area="webhooks", access="read", tag="Webhooks",
           summary="One webhook subscription", response=s.Webhook)
def get_webhook(webhook_id: int):
    return webhook_out(_subscription(webhook_id))


@operation(bp, "/webhooks/<int:webhook_id>", "PATCH", area="webhooks", access="write", tag="Webhooks",
           summary="Change a webhook (URL, events, description, paused)", body=s.WebhookChange, response=s.Webhook)
def change_webhook(webhook_id: int, body: s.WebhookChange):
    sub = _subscription(webhook_id)
    try:
        subscriptions.change(current_user, sub, url=body.url,
                             events=list(body.events) if body.events is not None else None,
                             description=body.description, is_active=body.is_active)
    except ValidationError as exc:
        raise _invalid(exc) from None
    return webhook_out(sub)


@operation(bp, "/webhooks/<int:webhook_id>", "DELETE", area="webhooks", access="write", tag="Webhooks",
           summary="Delete a webhook subscription and its log", status=204)
def delete_webhook(webhook_id: int):
    subscriptions.delete(current_user, _subscription(webhook_id))
    return None


@operation(bp, "/webhooks/<int:webhook_id>/deliveries", "GET", area="webhooks", access="read", tag="Webhooks",
           summary="The delivery log (newest first, last 100)", response=s.DeliveryList)
def list_deliveries(webhook_id: int):
    sub = _subscription(webhook_id)
    return s.DeliveryList(items=[delivery_out(d) for d in subscriptions.deliveries_of(sub)])


@operation(bp, "/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver", "POST", area="webhooks",
           access="write", tag="Webhooks", summary="Send a delivery's event again (same event id)",
           response=s.Delivery, status=202)
def redeliver(webhook_id: int, delivery_id: int):
    sub = _subscription(webhook_id)
    delivery = subscriptions.delivery_of(sub, delivery_id)
    if delivery is None:
        raise ApiError(404, "not_found", "No such delivery.")
    return delivery_out(subscriptions.redeliver(sub, delivery))
