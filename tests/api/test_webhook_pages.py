"""The webhook settings pages (/settings/webhooks): subscribe through the form (the secret shown once), the
delivery log of deliveries to a local receiver, redelivery, a test event, edit, delete, SSRF refusals as
form errors, bad input refused, another agency's or an unmanageable subscription answers 404."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from agency import db
from agency.api import subscriptions, webhooks
from agency.api.models import WebhookDelivery, WebhookSubscription
from tests.api.test_webhooks import Receiver, _run_queued_deliveries
from tests.conftest import login, post_form

EVENTS = ["interaction.updated", "reply.sent"]


@pytest.fixture
def hook_receiver(app):
    found = Receiver()
    app.config["WEBHOOK_ALLOWED_TARGETS"] = (f"127.0.0.1:{found.port}",)
    try:
        yield found
    finally:
        app.config["WEBHOOK_ALLOWED_TARGETS"] = ()
        found.close()


def _subs() -> int:
    return db.session.scalar(select(func.count(WebhookSubscription.id)))


def _subscribe(client, world, url, **extra):
    data = {"url": url, "scope": str(world.ws_a.id), "events": EVENTS, "description": "CRM", **extra}
    return post_form(client, "/settings/webhooks/new", data)


def test_subscribe_through_the_form_shows_the_secret_once(client, world, hook_receiver):
    login(client, world.owner_a)
    empty = client.get("/settings/webhooks").get_data(as_text=True)
    assert "No webhooks yet" in empty
    assert "/settings/webhooks" in client.get("/profile").get_data(as_text=True)  # linked from the profile

    response = _subscribe(client, world, hook_receiver.url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = re.search(r'data-testid="new-secret">(whsec_[^<]+)<', page).group(1)
    assert "Agency-Signature: t=&lt;unix&gt;,v1=&lt;hex&gt;" in page and "hmac.compare_digest" in page
    sub = db.session.scalar(select(WebhookSubscription))
    assert (sub.url, sub.workspace_id, sub.events, sub.description) == (hook_receiver.url, world.ws_a.id, EVENTS,
                                                                         "CRM")
    assert sub.secret == secret
    # Shown once: neither the list nor the webhook's own page shows it again.
    listing = client.get("/settings/webhooks").get_data(as_text=True)
    assert hook_receiver.url in listing and "Alpha Client" in listing and secret not in listing
    detail = client.get(f"/settings/webhooks/{sub.id}").get_data(as_text=True)
    assert secret not in detail and "No deliveries yet" in detail


def test_an_agency_wide_webhook_needs_the_agency_permission(client, world, hook_receiver):
    login(client, world.am_a)  # an account manager: workspaces.manage, not agency.manage
    form = client.get("/settings/webhooks/new").get_data(as_text=True)
    assert 'value="agency"' not in form and f'value="{world.ws_a.id}"' in form
    response = _subscribe(client, world, hook_receiver.url, scope="agency")
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    assert _subs() == 0
    assert _subscribe(client, world, hook_receiver.url).status_code == 200


def test_delivery_log_test_event_and_redelivery(client, world, hook_receiver):
    sub, secret = subscriptions.subscribe(world.owner_a, url=hook_receiver.url, events=EVENTS,
                                          workspace_id=world.ws_a.id)
    login(client, world.owner_a)
    assert post_form(client, f"/settings/webhooks/{sub.id}/ping").status_code == 302
    assert _run_queued_deliveries() == ["delivered"]
    [received] = hook_receiver.received
    assert webhooks.verify(secret, received["body"], received["headers"]["Agency-Signature"])
    event = json.loads(received["body"])
    assert event["type"] == "ping" and event["data"]["webhook_id"] == sub.id

    page = client.get(f"/settings/webhooks/{sub.id}").get_data(as_text=True)
    log = page[page.index('data-testid="deliveries"'):]
    assert event["id"] in log and "ping" in log and ">delivered<" in log and ">200<" in log

    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id))
    response = post_form(client, f"/settings/webhooks/{sub.id}/deliveries/{delivery.id}/redeliver")
    assert response.status_code == 302
    assert _run_queued_deliveries() == ["delivered"]
    assert [json.loads(r["body"])["id"] for r in hook_receiver.received] == [event["id"]] * 2
    page = client.get(f"/settings/webhooks/{sub.id}").get_data(as_text=True)
    assert page[page.index('data-testid="deliveries"'):].count(event["id"]) == 2

    # A receiver that fails: the log says so in words, with the next attempt.
    hook_receiver.statuses = [500]
    post_form(client, f"/settings/webhooks/{sub.id}/ping")
    assert _run_queued_deliveries() == ["retry"]
    page = client.get(f"/settings/webhooks/{sub.id}").get_data(as_text=True)
    assert "The receiver answered 500: an error on its side" in page and ">pending<" in page
    listing = client.get("/settings/webhooks").get_data(as_text=True)
    assert ">pending<" in listing and "<code>500</code>" in listing


def test_edit_events_pause_and_delete(client, world, hook_receiver):
    sub, _secret = subscriptions.subscribe(world.owner_a, url=hook_receiver.url, events=EVENTS)
    login(client, world.owner_a)
    response = post_form(client, f"/settings/webhooks/{sub.id}", {"events": ["sla.breached"], "description": "Chat"})
    assert response.status_code == 302
    db.session.expire_all()
    sub = db.session.get(WebhookSubscription, sub.id)
    assert (sub.events, sub.description, sub.is_active) == (["sla.breached"], "Chat", False)  # unchecked: paused
    assert ">paused<" in client.get("/settings/webhooks").get_data(as_text=True)
    post_form(client, f"/settings/webhooks/{sub.id}/ping")
    _run_queued_deliveries()
    assert post_form(client, f"/settings/webhooks/{sub.id}/delete").status_code == 302
    db.session.expire_all()
    assert _subs() == 0 and db.session.scalar(select(func.count(WebhookDelivery.id))) == 0
    assert client.get(f"/settings/webhooks/{sub.id}").status_code == 404


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest/meta-data/", "http://localhost:9/hook",
                                 "ftp://example.com/x"])
def test_non_public_targets_are_form_errors(client, world, url):
    login(client, world.owner_a)
    response = _subscribe(client, world, url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'<small class="error">([^<]+)</small>', page)
    assert error and ("public address" in error.group(1) or "http and https" in error.group(1))
    assert _subs() == 0


def test_the_forms_refuse_bad_input(client, world, hook_receiver):
    sub, _secret = subscriptions.subscribe(world.owner_a, url=hook_receiver.url, events=EVENTS)
    login(client, world.owner_a)
    bad_new = [
        {"url": "", "scope": "agency", "events": EVENTS},
        {"url": "   ", "scope": "agency", "events": EVENTS},
        {"url": hook_receiver.url, "scope": "agency"},  # no event
        {"url": hook_receiver.url, "scope": "agency", "events": ["nope"]},
        {"url": hook_receiver.url, "scope": str(world.ws_b.id), "events": EVENTS},  # another agency's workspace
        {"url": hook_receiver.url, "scope": "99999999999999999999", "events": EVENTS},
        {"url": hook_receiver.url + "x" * 3000, "scope": "agency", "events": EVENTS},
        {"url": hook_receiver.url, "scope": "agency", "events": EVENTS, "description": "d" * 300},
    ]
    for data in bad_new:
        response = post_form(client, "/settings/webhooks/new", data)
        assert response.status_code == 422, data
        assert 'class="error"' in response.get_data(as_text=True) or "alert-error" in response.get_data(as_text=True)
    assert _subs() == 1
    for data in ({}, {"events": ["nope"]}, {"events": EVENTS, "description": "d" * 300}):
        response = post_form(client, f"/settings/webhooks/{sub.id}", data)
        assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True), data
    db.session.expire_all()
    assert db.session.get(WebhookSubscription, sub.id).events == EVENTS


def test_another_agencys_or_an_unmanageable_webhook_is_404(app, world, hook_receiver):
    sub, _secret = subscriptions.subscribe(world.owner_a, url=hook_receiver.url, events=EVENTS,
                                           workspace_id=world.ws_a2.id)  # a workspace the account manager lacks
    webhooks.ping(sub)
    delivery = db.session.scalar(select(WebhookDelivery))
    db.session.commit()
    urls = [f"/settings/webhooks/{sub.id}", f"/settings/webhooks/{sub.id}/delete", f"/settings/webhooks/{sub.id}/ping",
            f"/settings/webhooks/{sub.id}/deliveries/{delivery.id}/redeliver"]
    for user in (world.owner_b, world.am_a, world.cm_a):
        client = app.test_client()
        login(client, user)
        assert client.get(urls[0]).status_code == 404, user.role
        for url in urls:
            assert post_form(client, url).status_code == 404, (user.role, url)
        if user is not world.am_a:
            assert sub.url not in client.get("/settings/webhooks").get_data(as_text=True)
    assert _subs() == 1
    cm = app.test_client()
    login(cm, world.cm_a)
    assert cm.get("/settings/webhooks").status_code == 403
    owner = app.test_client()
    login(owner, world.owner_a)
    assert owner.get(urls[0]).status_code == 200
