"""The declared webhook events are emitted where they happen: SLA warnings and breaches (the minute scan),
an opened crisis incident, a published report, an invoice that became paid. Each through its package's
signal, once, to the subscriptions that asked for it and only to those."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from agency import db
from agency.api.models import WebhookDelivery, WebhookSubscription
from agency.billing import drafting, finalising, stripe_gateway
from agency.community.services import crisis
from agency.reports import services
from agency.sla import alerts
from tests.billing.conftest import MONTH, approved, set_up_billing
from tests.reports.conftest import seeded  # noqa: F401  (fixture)
from tests.reports.test_lifecycle import generated
from tests.sla.conftest import channel, ingest  # noqa: F401  (fixtures)
from tests.sla.test_alerts import _policy


def _subscribe(world, *events, workspace=None) -> int:
    sub = WebhookSubscription(agency_id=world.agency_a.id, workspace_id=getattr(workspace, "id", None),
                              url="https://hooks.example.com/agency", events=list(events), secret="whsec_test")
    db.session.add(sub)
    db.session.flush()
    return sub.id


def _events(subscription_id: int) -> list[tuple[str, dict]]:
    rows = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
                              .order_by(WebhookDelivery.id))
    return [(row.event_type, row.payload["data"]) for row in rows]


def test_sla_warning_then_breach(world, ingest):  # noqa: F811
    _policy(world)
    listening = _subscribe(world, "sla.warning", "sla.breached")
    other = _subscribe(world, "incident.opened")
    now = db.utcnow()
    item = ingest(now - timedelta(minutes=50))  # due in 10 minutes: inside the warning window
    db.session.commit()
    assert alerts.scan(now=now)["alerts"] == 1
    assert alerts.scan(now=now)["alerts"] == 0  # each alert once
    assert alerts.scan(now=now + timedelta(minutes=11))["alerts"] == 1
    events = _events(listening)
    assert [kind for kind, _data in events] == ["sla.warning", "sla.breached"]
    assert [data["sla"]["level"] for _kind, data in events] == ["at_risk", "breached"]
    assert all(data["interaction"]["id"] == item.id and data["sla"]["target"] == "first_response"
               for _kind, data in events)
    assert _events(other) == []


def test_incident_opened(world):
    listening = _subscribe(world, "incident.opened", workspace=world.ws_a)
    elsewhere = _subscribe(world, "incident.opened", workspace=world.ws_a2)
    incident = crisis.open_incident(world.ws_a, title="Shitstorm um die Rückrufaktion", actor=world.am_a,
                                    severity="hoch")
    [(kind, data)] = _events(listening)
    assert kind == "incident.opened" and data["incident"]["id"] == incident.id
    assert data["incident"]["title"] == "Shitstorm um die Rückrufaktion" and data["incident"]["automatic"] is False
    assert _events(elsewhere) == []


def test_report_published(world, seeded):  # noqa: F811
    report = generated(seeded.workspace, world.am_a)
    listening = _subscribe(world, "report.published")
    assert _events(listening) == []  # generating is not publishing
    services.publish(report, world.am_a)
    [(kind, data)] = _events(listening)
    assert kind == "report.published"
    assert data["report"]["id"] == report.id and data["report"]["month"] == "2026-10"
    assert data["report"]["checksum"] == report.checksum and len(report.checksum) == 64


def test_invoice_paid_once(world):
    set_up_billing(world)
    approved(world, 60)
    invoice = finalising.finalise(world.am_a, drafting.draft_month(world.am_a, world.ws_a, MONTH))
    listening = _subscribe(world, "invoice.paid")
    assert stripe_gateway.apply_status(invoice, "open")
    assert _events(listening) == []
    assert stripe_gateway.apply_status(invoice, "paid")
    assert not stripe_gateway.apply_status(invoice, "paid")  # a repeated webhook changes nothing
    [(kind, data)] = _events(listening)
    assert kind == "invoice.paid"
    assert data["invoice"]["id"] == invoice.id and data["invoice"]["number"] == "RE-00001"
    assert data["invoice"]["gross_cents"] == 11305 and data["invoice"]["paid_at"]
