"""Outbound webhooks against a local receiver: signed deliveries, retries with backoff, event ids for
dedupe, the delivery log and redelivery; SSRF refusals (loopback, private, link-local, a hostname that
resolves to loopback, a redirect to loopback, and an address that changes after the check)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from agency import db
from agency.api import webhooks
from agency.api.models import WebhookDelivery, WebhookSubscription
from agency.queue import get_queue
from tests.api.conftest import make_interaction


class Receiver:
    """A local HTTP server that records what it receives and answers with the statuses it is given."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: list[int] = []
        self.redirect_to: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                if receiver.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect_to)
                    self.end_headers()
                    return
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app):
    found = Receiver()
    app.config["WEBHOOK_ALLOWED_TARGETS"] = (f"127.0.0.1:{found.port}",)
    try:
        yield found
    finally:
        app.config["WEBHOOK_ALLOWED_TARGETS"] = ()
        found.close()


def _subscribe(api, url, events=("interaction.updated", "reply.sent"), **extra):
    return api.post("/api/v1/webhooks", json={"url": url, "events": list(events), **extra})


def _run_queued_deliveries() -> list[str]:
    """Run the webhook jobs waiting in the queue (inline, like a worker would), oldest first."""
    queue = get_queue("webhooks")
    outcomes = []
    for job in queue.get_jobs():
        queue.remove(job)
        outcomes.append(webhooks.deliver.run_inline(*job.args))
    return outcomes


def test_signed_delivery_of_an_interaction_change(app, world, api, receiver):
    created = _subscribe(api, receiver.url, workspace_id=world.ws_a.id)
    assert created.status_code == 201, created.json
    secret = created.json["secret"]
    assert "secret" not in api.get(f"/api/v1/webhooks/{created.json['id']}").json
    item = make_interaction(world.ws_a, text="Super Service!")
    db.session.commit()
    assert api.patch(f"/api/v1/interactions/{item.id}", json={"add_tags": ["Lob"]}).status_code == 200
    assert _run_queued_deliveries() == ["delivered"]
    [request] = receiver.received
    body, headers = request["body"], request["headers"]
    assert webhooks.verify(secret, body, headers["Agency-Signature"])
    assert not webhooks.verify(secret, body + b" ", headers["Agency-Signature"])
    assert not webhooks.verify("whsec_other", body, headers["Agency-Signature"])
    event = json.loads(body)
    assert event["type"] == "interaction.updated" and headers["Agency-Event-Id"] == event["id"]
    assert event["data"]["interaction"]["tags"] == ["Lob"] and event["data"]["changed"] == ["tags"]
    log = api.get(f"/api/v1/webhooks/{created.json['id']}/deliveries").json["items"]
    assert [(d["state"], d["last_status"], d["attempts"]) for d in log] == [("delivered", 200, 1)]


def test_signature_format_and_tolerance():
    header = webhooks.sign("whsec_x", b'{"a":1}', timestamp=1_700_000_000)
    t, v1 = header.split(",")
    assert t == "t=1700000000" and v1.startswith("v1=") and len(v1) == 3 + 64
    assert webhooks.verify("whsec_x", b'{"a":1}', header, now=1_700_000_100)
    assert not webhooks.verify("whsec_x", b'{"a":1}', header, now=1_700_001_000)  # replayed too late


def test_failed_deliveries_retry_with_backoff_then_give_up(app, world, api, receiver):
    sub_id = _subscribe(api, receiver.url, events=["reply.sent", "interaction.updated"]).json["id"]
    item = make_interaction(world.ws_a)
    db.session.commit()
    api.patch(f"/api/v1/interactions/{item.id}", json={"priority": "high"})
    receiver.statuses = [500, 503]
    assert _run_queued_deliveries() == ["retry"]
    scheduled = get_queue("webhooks").scheduled_job_registry
    assert len(scheduled.get_job_ids()) == 1  # the next attempt waits (backoff), it is not queued at once
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id))
    assert (delivery.attempts, delivery.last_status, delivery.state) == (1, 500, "pending")
    assert webhooks.deliver.run_inline(world.agency_a.id, delivery.id) == "retry"
    assert webhooks.deliver.run_inline(world.agency_a.id, delivery.id) == "delivered"
    event_ids = {json.loads(r["body"])["id"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(event_ids) == 1  # the same event id every time: dedupe on it
    # Backoff covers about a day, then the delivery has failed for good.
    assert 20 * 3600 <= sum(webhooks.BACKOFF) <= 26 * 3600
    receiver.statuses = [500] * 20
    delivery_id, agency_id = delivery.id, world.agency_a.id
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(
        state="pending", attempts=len(webhooks.BACKOFF)))
    db.session.commit()
    assert webhooks.deliver.run_inline(agency_id, delivery_id) == "failed"
    assert db.session.get(WebhookDelivery, delivery_id).state == "failed"


def test_manual_redelivery_keeps_the_event_id(app, world, api, receiver):
    sub_id = _subscribe(api, receiver.url).json["id"]
    item = make_interaction(world.ws_a)
    db.session.commit()
    api.patch(f"/api/v1/interactions/{item.id}", json={"status": "closed"})
    _run_queued_deliveries()
    first = api.get(f"/api/v1/webhooks/{sub_id}/deliveries").json["items"][0]
    again = api.post(f"/api/v1/webhooks/{sub_id}/deliveries/{first['id']}/redeliver")
    assert again.status_code == 202 and again.json["event_id"] == first["event_id"]
    assert _run_queued_deliveries() == ["delivered"]
    assert [json.loads(r["body"])["id"] for r in receiver.received] == [first["event_id"]] * 2


def test_workspace_subscriptions_hear_only_their_workspace(app, world, api, receiver):
    _subscribe(api, receiver.url, workspace_id=world.ws_a2.id)
    item = make_interaction(world.ws_a)
    db.session.commit()
    api.patch(f"/api/v1/interactions/{item.id}", json={"status": "closed"})
    assert _run_queued_deliveries() == []
    assert receiver.received == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data/",
    "http://localhost:9/hook", "http://[::1]/hook", "http://192.168.0.10/", "ftp://example.com/x",
    "http://user:pw@example.com/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
])
def test_non_public_targets_are_refused(app, world, api, url):
    response = _subscribe(api, url)
    assert response.status_code == 422 and "url" in response.json["error"]["fields"]
    assert db.session.scalar(select(db.func.count(WebhookSubscription.id))) == 0


def test_a_redirect_to_loopback_is_refused(app, world, api, receiver):
    target = Receiver()  # a second local service the first one redirects to (not allowed)
    try:
        receiver.redirect_to = target.url
        _subscribe(api, receiver.url)
        item = make_interaction(world.ws_a)
        db.session.commit()
        api.patch(f"/api/v1/interactions/{item.id}", json={"status": "closed"})
        assert _run_queued_deliveries() == ["failed"]  # refused: no retry can make it public
        assert target.received == [] and len(receiver.received) == 1
        delivery = db.session.scalar(select(WebhookDelivery))
        assert "not a public address" in delivery.last_error
    finally:
        target.close()


def test_the_connection_itself_is_checked_after_dns(app, monkeypatch):
    """An address that changes between the check and the connection (DNS rebinding) is still refused."""
    local = Receiver()
    try:
        monkeypatch.setattr(webhooks, "check_target", lambda url, allowed=None: None)  # the check was fooled
        with pytest.raises(webhooks.RefusedTarget):
            webhooks.post(f"http://localhost:{local.port}/hook", b"{}", {}, allowed=frozenset())
        assert local.received == []
    finally:
        local.close()
