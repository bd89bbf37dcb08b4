"""Outbound webhooks: events fanned out to subscriptions, signed, delivered by jobs on the ``webhooks``
queue with backoff for a day, logged per delivery, redelivered by hand.

Targets must be public: a URL whose host is, or resolves to, a loopback, private, link-local, multicast
or reserved address is refused when subscribing, and every connection (also each redirect's) checks the
address it actually reached before a byte is sent, so DNS tricks cannot reach internal services.
Exceptions are configured per ``host:port`` (``AGENCY_WEBHOOK_ALLOWED_TARGETS``; tests use it for their receiver).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import uuid
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app, has_app_context
from flask_babel import gettext as _
from requests.adapters import HTTPAdapter
from sqlalchemy import or_, select
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from agency import db
from agency.api.models import DeliveryState, WebhookDelivery, WebhookEvent, WebhookSubscription
from agency.queue import enqueue_after_commit, job

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Agency-Signature"
#: The test event sent from the settings page to one subscription (not subscribable, not fanned out).
PING = "ping"
#: Seconds to wait before the 2nd, 3rd, … attempt: about a day in all, then the delivery has failed.
BACKOFF = (60, 300, 1800, 7200, 21600, 43200, 12600)
TIMEOUT = (5, 10)  # connect, read
MAX_REDIRECTS = 3
USER_AGENT = "Agency-Webhooks/1"


class RefusedTarget(Exception):
    """A webhook URL that is not a public http(s) address."""


# --- signing ------------------------------------------------------------------------------------

def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``Agency-Signature`` header value: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>." + body>``."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: int | None = None) -> bool:
    """Check a signature header the way a receiver should (constant-time, timestamp within ``tolerance``)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((int(time.time()) if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# --- where a delivery may go -------------------------------------------------------------------------

def allowed_targets() -> frozenset[str]:
    if not has_app_context():
        return frozenset()
    return frozenset(current_app.config.get("WEBHOOK_ALLOWED_TARGETS", ()))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedTarget(_("Only http and https URLs can receive webhooks."))
    if not parts.hostname or parts.username or parts.password:
        raise RefusedTarget(_("Give a URL with a host name and without user or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedTarget(_("The URL's port is not valid.")) from None
    return parts.hostname.lower(), port


def check_target(url: str, allowed: frozenset[str] | None = None) -> None:
    """Refuse (RefusedTarget) a URL that is not public http(s), also after DNS resolution."""
    host, port = _host_port(url)
    allowed = allowed_targets() if allowed is None else allowed
    if f"{host}:{port}" in allowed:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedTarget(_("The host %(host)s cannot be resolved.", host=host)) from None
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(is_public(a) for a in addresses):
        raise RefusedTarget(_("%(host)s is not a public address (loopback, private and link-local are refused).",
                              host=host))


def _guarded(base: type) -> type:
    class Guarded(base):
        allowed: frozenset[str] = frozenset()

        def _new_conn(self):
            sock = super()._new_conn()
            peer = sock.getpeername()[0]
            if f"{self.host}:{self.port}" not in self.allowed and not is_public(peer):
                sock.close()
                raise RefusedTarget(f"{self.host} connected to a non-public address.")
            return sock

    return Guarded


class _GuardedAdapter(HTTPAdapter):
    """Checks the address each connection reached, after DNS, before a request is written."""

    def __init__(self, allowed: frozenset[str]):
        self._allowed = allowed
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        http_conn, https_conn = _guarded(HTTPConnection), _guarded(HTTPSConnection)
        http_conn.allowed = https_conn.allowed = self._allowed
        http_pool = type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn})
        https_pool = type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})
        self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}


def post(url: str, body: bytes, headers: dict[str, str], allowed: frozenset[str] | None = None) -> requests.Response:
    """POST to a public URL, following at most MAX_REDIRECTS redirects, each target checked again."""
    allowed = allowed_targets() if allowed is None else allowed
    with requests.Session() as http:
        http.trust_env = False  # no proxies from the environment: the guard must see the real peer
        adapter = _GuardedAdapter(allowed)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        for _hop in range(MAX_REDIRECTS + 1):
            check_target(url, allowed)
            try:
                response = http.post(url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
            except requests.ConnectionError as exc:
                refused = exc
                while refused is not None and not isinstance(refused, RefusedTarget):
                    refused = refused.__context__ or refused.__cause__
                if refused is not None:
                    raise refused from None
                raise
            if response.status_code in (301, 302, 303, 307, 308) and "Location" in response.headers:
                url = urljoin(url, response.headers["Location"])
                continue
            return response
    raise RefusedTarget("Too many redirects.")


# --- events --------------------------------------------------------------------------------------

def _subscribers(agency_id: int, workspace_id: int | None, event_type: str) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.agency_id == agency_id, WebhookSubscription.is_active.is_(True),
        WebhookSubscription.events.contains([event_type]))
    if workspace_id is not None:
        stmt = stmt.where(or_(WebhookSubscription.workspace_id.is_(None),
                              WebhookSubscription.workspace_id == workspace_id))
    else:
        stmt = stmt.where(WebhookSubscription.workspace_id.is_(None))
    return list(db.session.scalars(stmt))


def emit(agency_id: int, workspace_id: int | None, event_type: str, data: dict[str, Any]) -> str | None:
    """Record an event for every matching subscription and queue the deliveries after the commit.

    Returns the event id (the same in every delivery and redelivery: receivers deduplicate on it), or None
    when nobody listens.
    """
    if event_type not in set(WebhookEvent):
        raise ValueError(f"unknown webhook event {event_type!r}")
    subscriptions = _subscribers(agency_id, workspace_id, event_type)
    if not subscriptions:
        return None
    event_id, payload = _event(event_type, workspace_id, data)
    deliveries = [WebhookDelivery(agency_id=agency_id, subscription_id=sub.id, event_id=event_id,
                                  event_type=event_type, payload=payload) for sub in subscriptions]
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        enqueue_after_commit(deliver, agency_id, delivery.id, job_id=f"webhook-{delivery.id}")
    return event_id


def _event(event_type: str, workspace_id: int | None, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    event_id = "evt_" + uuid.uuid4().hex
    return event_id, {"id": event_id, "type": event_type, "created_at": db.utcnow().isoformat(),
                      "workspace_id": workspace_id, "data": data}


def ping(subscription: WebhookSubscription, actor_id: int | None = None) -> WebhookDelivery:
    """Queue a ``ping`` event to one subscription (sent even while it is paused: it tests the receiver)."""
    event_id, payload = _event(PING, subscription.workspace_id, {"webhook_id": subscription.id,
                                                                   "sent_by_id": actor_id})
    delivery = WebhookDelivery(agency_id=subscription.agency_id, subscription_id=subscription.id,
                               event_id=event_id, event_type=PING, payload=payload)
    db.session.add(delivery)
    db.session.flush()
    enqueue_after_commit(deliver, delivery.agency_id, delivery.id, job_id=f"webhook-{delivery.id}")
    return delivery


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again (same event id) as a new delivery of the same subscription."""
    again = WebhookDelivery(agency_id=delivery.agency_id, subscription_id=delivery.subscription_id,
                            event_id=delivery.event_id, event_type=delivery.event_type, payload=delivery.payload)
    db.session.add(again)
    db.session.flush()
    enqueue_after_commit(deliver, again.agency_id, again.id, job_id=f"webhook-{again.id}")
    return again


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def attempt(delivery: WebhookDelivery, subscription: WebhookSubscription) -> bool:
    """One attempt; records its outcome on the delivery and answers whether it arrived (2xx)."""
    body = body_of(delivery)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               SIGNATURE_HEADER: sign(subscription.secret, body), "Agency-Event": delivery.event_type,
               "Agency-Event-Id": delivery.event_id, "Agency-Delivery": str(delivery.id)}
    delivery.attempts += 1
    delivery.last_attempt_at = db.utcnow()
    try:
        response = post(subscription.url, body, headers)
    except RefusedTarget as exc:
        delivery.last_status, delivery.last_error = None, str(exc)[:500]
        delivery.state = DeliveryState.FAILED  # no retry can make an internal address public
        return False
    except requests.RequestException as exc:
        delivery.last_status, delivery.last_error = None, f"{type(exc).__name__}: {exc}"[:500]
        return False
    delivery.last_status = response.status_code
    if 200 <= response.status_code < 300:
        delivery.state, delivery.delivered_at, delivery.last_error = DeliveryState.DELIVERED, db.utcnow(), None
        return True
    delivery.last_error = f"HTTP {response.status_code}"
    return False


@job("webhooks", timeout=60)
def deliver(agency_id: int, delivery_id: int) -> str:
    """Deliver one webhook; on failure queue the next attempt (backoff for about a day), then give up."""
    with db.tenant(db.session(), agency_id):
        outcome = _deliver(agency_id, delivery_id)
        db.session.flush()  # inside the agency's scope: row-level security sees the row
    return outcome


def _deliver(agency_id: int, delivery_id: int) -> str:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return "nothing to do"
    subscription = db.session.get(WebhookSubscription, delivery.subscription_id)
    if subscription is None or (not subscription.is_active and delivery.event_type != PING):
        delivery.state, delivery.last_error = DeliveryState.FAILED, "The subscription is paused."
        return "paused"
    if attempt(delivery, subscription):
        return "delivered"
    if delivery.state == DeliveryState.PENDING and delivery.attempts <= len(BACKOFF):
        enqueue_after_commit(deliver, agency_id, delivery.id, job_id=f"webhook-{delivery.id}-{delivery.attempts}",
                             delay_seconds=BACKOFF[delivery.attempts - 1])
        return "retry"
    delivery.state = DeliveryState.FAILED
    return "failed"
