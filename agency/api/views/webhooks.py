"""Webhook subscriptions, their delivery log and manual redelivery."""

from __future__ import annotations

import secrets

from flask_login import current_user
from sqlalchemy import select

from agency import audit, db
from agency.accounts.models import Workspace
from agency.accounts.permissions import can
from agency.accounts.tenancy import get_scoped_or_404, visible_workspace_ids
from agency.api import schemas as s
from agency.api import webhooks
from agency.api.framework import ApiError, operation
from agency.api.models import WebhookDelivery, WebhookSubscription
from agency.api.views import bp

MAX_SUBSCRIPTIONS = 50


def webhook_out(sub: WebhookSubscription, cls=s.Webhook, **extra):
    return cls(id=sub.id, workspace_id=sub.workspace_id, url=sub.url, description=sub.description,
               events=list(sub.events), is_active=sub.is_active, created_at=sub.created_at, **extra)


def delivery_out(d: WebhookDelivery) -> s.Delivery:
    return s.Delivery(id=d.id, event_id=d.event_id, event_type=d.event_type, state=d.state, attempts=d.attempts,
                      last_status=d.last_status, last_error=d.last_error, created_at=d.created_at,
                      last_attempt_at=d.last_attempt_at, delivered_at=d.delivered_at)


def _may_manage(workspace_id: int | None) -> bool:
    if workspace_id is None:
        return can(current_user, "agency.manage")
    return can(current_user, "workspaces.manage") and workspace_id in visible_workspace_ids()


def _subscription(webhook_id: int) -> WebhookSubscription:
    sub = db.get_in_agency(WebhookSubscription, webhook_id, current_user.agency_id)
    if sub is None or not _may_manage(sub.workspace_id):
        raise ApiError(404, "not_found", "No such webhook.")
    return sub


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        webhooks.check_target(url)
    except webhooks.RefusedTarget as exc:
        raise ApiError(422, "invalid", str(exc), {"url": str(exc)}) from None
    return url


@operation(bp, "/webhooks", "GET", area="webhooks", access="read", tag="Webhooks",
           summary="Webhook subscriptions you manage", response=s.WebhookList)
def list_webhooks():
    subs = db.session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.agency_id == current_user.agency_id).order_by(WebhookSubscription.id))
    return s.WebhookList(items=[webhook_out(sub) for sub in subs if _may_manage(sub.workspace_id)])


@operation(bp, "/webhooks", "POST", area="webhooks", access="write", tag="Webhooks",
           summary="Subscribe a public URL to events (the signing secret is in this answer only)",
           body=s.WebhookIn, response=s.WebhookCreated, status=201)
def create_webhook(body: s.WebhookIn):
    if body.workspace_id is not None:
        get_scoped_or_404(Workspace, body.workspace_id)
    if not _may_manage(body.workspace_id):
        raise ApiError(403, "forbidden", "Your role does not allow managing these webhooks.")
    count = db.session.scalar(select(db.func.count(WebhookSubscription.id)).where(
        WebhookSubscription.agency_id == current_user.agency_id))
    if count >= MAX_SUBSCRIPTIONS:
        raise ApiError(422, "invalid", f"At most {MAX_SUBSCRIPTIONS} webhooks per agency.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    sub = WebhookSubscription(agency_id=current_user.agency_id, workspace_id=body.workspace_id,
                              url=_check_url(body.url), description=" ".join(body.description.split()),
                              events=sorted(set(body.events)), secret=secret, created_by_id=current_user.id)
    db.session.add(sub)
    db.session.flush()
    audit.record("api.webhook_created", agency_id=sub.agency_id, actor=current_user, object_type="webhook",
                 object_id=sub.id, details={"url": sub.url, "events": sub.events})
    return webhook_out(sub, s.WebhookCreated, secret=secret)


@operation(bp, "/webhooks/<int:webhook_id>", "GET", area="webhooks", access="read", tag="Webhooks",
           summary="One webhook subscription", response=s.Webhook)
def get_webhook(webhook_id: int):
    return webhook_out(_subscription(webhook_id))


@operation(bp, "/webhooks/<int:webhook_id>", "PATCH", area="webhooks", access="write", tag="Webhooks",
           summary="Change a webhook (URL, events, description, paused)", body=s.WebhookChange, response=s.Webhook)
def change_webhook(webhook_id: int, body: s.WebhookChange):
    sub = _subscription(webhook_id)
    if body.url is not None:
        sub.url = _check_url(body.url)
    if body.events is not None:
        sub.events = sorted(set(body.events))
    if body.description is not None:
        sub.description = " ".join(body.description.split())
    if body.is_active is not None:
        sub.is_active = body.is_active
    db.session.flush()
    return webhook_out(sub)


@operation(bp, "/webhooks/<int:webhook_id>", "DELETE", area="webhooks", access="write", tag="Webhooks",
           summary="Delete a webhook subscription and its log", status=204)
def delete_webhook(webhook_id: int):
    sub = _subscription(webhook_id)
    audit.record("api.webhook_deleted", agency_id=sub.agency_id, actor=current_user, object_type="webhook",
                 object_id=sub.id, details={"url": sub.url})
    db.session.delete(sub)
    db.session.flush()
    return None


@operation(bp, "/webhooks/<int:webhook_id>/deliveries", "GET", area="webhooks", access="read", tag="Webhooks",
           summary="The delivery log (newest first, last 100)", response=s.DeliveryList)
def list_deliveries(webhook_id: int):
    sub = _subscription(webhook_id)
    rows = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
                              .order_by(WebhookDelivery.id.desc()).limit(100))
    return s.DeliveryList(items=[delivery_out(d) for d in rows])


@operation(bp, "/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver", "POST", area="webhooks",
           access="write", tag="Webhooks", summary="Send a delivery's event again (same event id)",
           response=s.Delivery, status=202)
def redeliver(webhook_id: int, delivery_id: int):
    sub = _subscription(webhook_id)
    delivery = db.get_in_agency(WebhookDelivery, delivery_id, current_user.agency_id)
    if delivery is None or delivery.subscription_id != sub.id:
        raise ApiError(404, "not_found", "No such delivery.")
    return delivery_out(webhooks.redeliver(delivery))
