"""Webhook subscriptions: who may manage them, subscribe, change, delete, the delivery log and a test event.

The one place of these rules, used by the JSON API (``agency/api/views/webhooks.py``) and the settings pages
(``agency/api/views/webhook_pages.py``). Services flush, never commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from agency import audit, db
from agency.accounts import queries
from agency.accounts.models import User, Workspace
from agency.accounts.permissions import can
from agency.api import webhooks
from agency.api.models import DeliveryState, WebhookDelivery, WebhookEvent, WebhookSubscription
from agency.errors import ValidationError

MAX_SUBSCRIPTIONS = 50
MAX_DESCRIPTION = 200
LOG_SIZE = 100


class NotAllowed(Exception):
    """The actor's role does not allow managing webhooks of that scope (agency-wide or that workspace)."""


def may_manage(actor: User, workspace_id: int | None) -> bool:
    """Agency-wide webhooks need ``agency.manage``; a workspace's need ``workspaces.manage`` and the workspace."""
    if not actor.is_staff:
        return False
    if workspace_id is None:
        return can(actor, "agency.manage")
    return can(actor, "workspaces.manage") and workspace_id in queries.visible_workspace_ids(actor)


def may_manage_any(actor: User) -> bool:
    return actor.is_staff and (can(actor, "agency.manage") or can(actor, "workspaces.manage"))


def manageable_workspaces(actor: User) -> list[Workspace]:
    """The workspaces whose webhooks the actor may manage (the choices of the subscribe form)."""
    if not actor.is_staff or not can(actor, "workspaces.manage"):
        return []
    return queries.visible_workspaces(actor)


def subscriptions_of(actor: User) -> list[WebhookSubscription]:
    """The agency's subscriptions the actor may manage, oldest first."""
    subs = db.session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.agency_id == actor.agency_id).order_by(WebhookSubscription.id))
    return [sub for sub in subs if may_manage(actor, sub.workspace_id)]


def get_managed(actor: User, webhook_id: int) -> WebhookSubscription | None:
    """One subscription of the actor's agency that the actor may manage, or None (answer 404)."""
    sub = db.get_in_agency(WebhookSubscription, webhook_id, actor.agency_id)
    return sub if sub is not None and may_manage(actor, sub.workspace_id) else None


def check_url(url: str) -> str:
    """The URL stripped, or ValidationError (field ``url``) when it is not a public http(s) address."""
    url = (url or "").strip()
    try:
        webhooks.check_target(url)
    except webhooks.RefusedTarget as exc:
        raise ValidationError(str(exc), "url") from None
    return url


def _events(events: list[str]) -> list[str]:
    chosen = sorted(set(events or []))
    if not chosen or any(e not in set(WebhookEvent) for e in chosen):
        raise ValidationError(_("Choose at least one event."), "events")
    return chosen


def _description(text: str | None) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(_("At most %(n)d characters.", n=MAX_DESCRIPTION), "description")
    return text


def subscribe(actor: User, *, url: str, events: list[str], workspace_id: int | None = None,
              description: str = "") -> tuple[WebhookSubscription, str]:
    """A new subscription; returns it with its signing secret (shown once to the actor; stored encrypted)."""
    if not may_manage(actor, workspace_id):
        raise NotAllowed(_("Your role does not allow managing these webhooks."))
    count = db.session.scalar(select(db.func.count(WebhookSubscription.id)).where(
        WebhookSubscription.agency_id == actor.agency_id))
    if count >= MAX_SUBSCRIPTIONS:
        raise ValidationError(_("At most %(n)d webhooks per agency.", n=MAX_SUBSCRIPTIONS))
    chosen, text, url = _events(events), _description(description), check_url(url)
    secret = "whsec_" + secrets.token_urlsafe(32)
    sub = WebhookSubscription(agency_id=actor.agency_id, workspace_id=workspace_id, url=url, description=text,
                              events=chosen, secret=secret, created_by_id=actor.id)
    db.session.add(sub)
    db.session.flush()
    audit.record("api.webhook_created", agency_id=sub.agency_id, actor=actor, object_type="webhook",
                 object_id=sub.id, details={"url": sub.url, "events": sub.events})
    return sub, secret


def change(actor: User, sub: WebhookSubscription, *, url: str | None = None, events: list[str] | None = None,
           description: str | None = None, is_active: bool | None = None) -> WebhookSubscription:
    """Change what is given (None: unchanged)."""
    if not may_manage(actor, sub.workspace_id):
        raise NotAllowed(_("Your role does not allow managing these webhooks."))
    if url is not None:
        sub.url = check_url(url)
    if events is not None:
        sub.events = _events(events)
    if description is not None:
        sub.description = _description(description)
    if is_active is not None:
        sub.is_active = is_active
    db.session.flush()
    return sub


def delete(actor: User, sub: WebhookSubscription) -> None:
    """Delete the subscription and its delivery log."""
    if not may_manage(actor, sub.workspace_id):
        raise NotAllowed(_("Your role does not allow managing these webhooks."))
    audit.record("api.webhook_deleted", agency_id=sub.agency_id, actor=actor, object_type="webhook",
                 object_id=sub.id, details={"url": sub.url})
    db.session.delete(sub)
    db.session.flush()


def deliveries_of(sub: WebhookSubscription, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    """The delivery log, newest first."""
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def delivery_of(sub: WebhookSubscription, delivery_id: int) -> WebhookDelivery | None:
    delivery = db.get_in_agency(WebhookDelivery, delivery_id, sub.agency_id)
    return delivery if delivery is not None and delivery.subscription_id == sub.id else None


def redeliver(sub: WebhookSubscription, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again (the same event id) as a new delivery."""
    if delivery.subscription_id != sub.id:
        raise ValidationError(_("No such delivery."))
    return webhooks.redeliver(delivery)


def ping(actor: User, sub: WebhookSubscription) -> WebhookDelivery:
    """Queue a ``ping`` event to this subscription only (a test of the URL and the signature check)."""
    if not may_manage(actor, sub.workspace_id):
        raise NotAllowed(_("Your role does not allow managing these webhooks."))
    return webhooks.ping(sub, actor_id=actor.id)


def last_deliveries(subs: list[WebhookSubscription]) -> dict[int, WebhookDelivery]:
    """Each subscription's newest delivery (one query)."""
    if not subs:
        return {}
    newest = (select(db.func.max(WebhookDelivery.id)).where(
        WebhookDelivery.subscription_id.in_([sub.id for sub in subs])).group_by(WebhookDelivery.subscription_id))
    rows = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(newest)))
    return {d.subscription_id: d for d in rows}


def next_attempt_at(delivery: WebhookDelivery):
    """When a pending delivery is tried again (None: not pending, or its first attempt is queued now)."""
    if delivery.state != DeliveryState.PENDING or not delivery.attempts or delivery.last_attempt_at is None:
        return None
    if delivery.attempts > len(webhooks.BACKOFF):
        return None
    return delivery.last_attempt_at + timedelta(seconds=webhooks.BACKOFF[delivery.attempts - 1])


def error_in_words(delivery: WebhookDelivery) -> str | None:
    """The last attempt's failure as staff can act on it (None when it arrived or was not tried yet)."""
    if delivery.state == DeliveryState.DELIVERED or (delivery.last_status is None and not delivery.last_error):
        return None
    code = delivery.last_status
    if code is not None and code >= 500:
        return _("The receiver answered %(code)d: an error on its side; it is tried again later.", code=code)
    if code is not None and code >= 400:
        return _("The receiver answered %(code)d: it refused the event (check the URL and how it checks "
                 "signatures).", code=code)
    if code is not None:
        return _("The receiver answered %(code)d instead of a 2xx status.", code=code)
    error = delivery.last_error or ""
    if error.startswith(("ConnectTimeout", "ReadTimeout", "Timeout")):
        return _("The receiver did not answer in time.")
    if error.startswith("SSLError"):
        return _("The receiver's TLS certificate was not accepted.")
    if error.startswith(("ConnectionError", "ProxyError")):
        return _("The receiver could not be reached (connection refused or no route to the host).")
    if error == "The subscription is paused.":
        return _("Not sent: the webhook was paused.")
    if error.startswith(("TooManyRedirects", "InvalidURL", "MissingSchema", "InvalidSchema")):
        return _("The receiver's address or its redirects are not usable.")
    return error  # a refusal of the target, already in words
