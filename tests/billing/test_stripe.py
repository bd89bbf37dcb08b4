"""Payment through Stripe (the local double, over HTTP, through the official SDK): one Stripe invoice with our
number however often, and whenever, sending is interrupted or repeated; webhooks verified, deduplicated and
applied forward only."""

import json
from datetime import date

import pytest

from agency import db
from agency.billing import drafting, finalising, stripe_gateway
from agency.billing.models import Invoice, SendState
from agency.billing.webhooks import handle_event
from tests.billing.conftest import MONTH, approved
from tests.billing.stripe_helpers import deliver, stripe_double


@pytest.fixture
def double(app):
    with stripe_double(app) as running:
        yield running


def final_invoice(w, reverse_charge=False):
    approved(w, 90)
    approved(w, 45, day=date(2026, 10, 12), user=w.am_a)
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    drafting.add_line(w.am_a, invoice, kind="discount", description="Rabatt", quantity=1, unit_cents=500)
    invoice = finalising.finalise(w.am_a, invoice, on=date(2026, 11, 2))
    stripe_gateway.start_sending(w.am_a, invoice)
    db.session.commit()
    return invoice


def the_only_stripe_invoice(double, invoice):
    found = [i for i in double.invoices.values() if i["metadata"].get("agency_invoice_id") == str(invoice.id)]
    assert len(found) == 1, found
    stripe_invoice = found[0]
    assert stripe_invoice["number"] == invoice.number
    assert stripe_invoice["amount_due"] == invoice.gross_cents
    assert stripe_invoice["pending_invoice_items_behavior"] == "exclude"
    assert len(double.items) == len(invoice.lines) + 1  # the lines and one VAT item, none twice
    return stripe_invoice


def test_send_creates_one_open_invoice_with_our_number(billing_world, double):
    invoice = final_invoice(billing_world)
    stripe_gateway.send(invoice.id, invoice.agency_id)
    stripe_invoice = the_only_stripe_invoice(double, invoice)
    assert stripe_invoice["status"] == "open" and stripe_invoice["collection_method"] == "send_invoice"
    stored = db.session.get(Invoice, invoice.id)
    assert stored.send_state == SendState.SENT and stored.stripe_status == "open"
    assert stored.stripe_invoice_id == stripe_invoice["id"]
    assert stored.stripe_hosted_url == stripe_invoice["hosted_invoice_url"]
    assert any(e["type"] == "invoice.sent" for e in double.events)
    customer = double.customers[stripe_invoice["customer"]]
    assert customer["email"] == "buchhaltung@alpha.test" and customer["preferred_locales"] == ["de"]


def test_sending_twice_or_a_double_click_bills_once(billing_world, double):
    invoice = final_invoice(billing_world)
    stripe_gateway.send(invoice.id, invoice.agency_id)
    stripe_gateway.send(invoice.id, invoice.agency_id)
    db.session.get(Invoice, invoice.id).send_state = SendState.SENDING  # a second job for the same click
    db.session.commit()
    stripe_gateway.send(invoice.id, invoice.agency_id)
    the_only_stripe_invoice(double, invoice)
    assert double.count("POST", "/v1/invoices") == 1


@pytest.mark.parametrize("step", ["/v1/customers", "/v1/invoices", "/v1/invoiceitems",
                                  r"/v1/invoices/in_\w+/finalize", r"/v1/invoices/in_\w+/send"])
@pytest.mark.parametrize("mode", ["drop_after", "error_before"])
def test_interrupted_at_any_step_a_retry_finishes_with_one_invoice(billing_world, double, step, mode):
    invoice = final_invoice(billing_world)
    double.fail_next("POST", step, mode)
    stripe_gateway.send(invoice.id, invoice.agency_id)
    failed = db.session.get(Invoice, invoice.id)
    assert failed.send_state == SendState.FAILED and failed.send_error
    stripe_gateway.send(invoice.id, invoice.agency_id)
    stripe_invoice = the_only_stripe_invoice(double, invoice)
    assert stripe_invoice["status"] == "open"
    assert db.session.get(Invoice, invoice.id).send_state == SendState.SENT


@pytest.mark.parametrize("step", ["/v1/invoices", "/v1/invoiceitems"])
def test_a_retry_days_later_looks_up_before_creating(billing_world, double, step):
    """Idempotency keys expire after a day: the retry must find what the first attempt created."""
    invoice = final_invoice(billing_world)
    double.fail_next("POST", step, "drop_after")
    stripe_gateway.send(invoice.id, invoice.agency_id)
    db.session.get(Invoice, invoice.id).stripe_invoice_id = None  # even the stored id was lost
    db.session.commit()
    double.idempotency.clear()
    stripe_gateway.send(invoice.id, invoice.agency_id)
    the_only_stripe_invoice(double, invoice)


def test_reverse_charge_footer_and_no_vat_item(billing_world, double):
    from agency.billing.settings import save_workspace_billing

    w = billing_world
    save_workspace_billing(w.owner_a, w.ws_a, reverse_charge=True, client_vat_id="ATU12345678", client_country="AT")
    approved(w, 60)
    invoice = finalising.finalise(w.am_a, drafting.draft_month(w.am_a, w.ws_a, MONTH))
    stripe_gateway.start_sending(w.am_a, invoice)
    db.session.commit()
    stripe_gateway.send(invoice.id, invoice.agency_id)
    stripe_invoice = next(iter(double.invoices.values()))
    assert "Steuerschuldnerschaft des Leistungsempfängers" in stripe_invoice["footer"]
    assert stripe_invoice["amount_due"] == invoice.gross_cents == invoice.net_cents
    assert next(iter(double.customers.values()))["tax_ids"]["data"][0]["value"] == "ATU12345678"


def test_the_double_replays_and_refuses_reused_keys(double, app):
    import stripe

    from tests.billing.stripe_helpers import API_KEY

    sdk = stripe.StripeClient(API_KEY, base_addresses={"api": app.config["AGENCY"].stripe_api_base})
    first = sdk.v1.customers.create(params={"name": "Eins"}, options={"idempotency_key": "k1"})
    again = sdk.v1.customers.create(params={"name": "Eins"}, options={"idempotency_key": "k1"})
    assert first.id == again.id and len(double.customers) == 1
    with pytest.raises(stripe.IdempotencyError):
        sdk.v1.customers.create(params={"name": "Zwei"}, options={"idempotency_key": "k1"})
    invoice = sdk.v1.invoices.create(params={"customer": first.id, "collection_method": "send_invoice",
                                             "days_until_due": 14, "number": "RE-1"})
    sdk.v1.invoices.finalize_invoice(invoice.id)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.invoices.update(invoice.id, params={"number": "RE-2"})
    assert refused.value.code == "invoice_not_editable"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sdk.v1.invoices.retrieve("in_missing")
    assert missing.value.code == "resource_missing" and missing.value.http_status == 404
    found = sdk.v1.invoices.search(params={"query": f"metadata['x']:'{invoice.id}'"})
    assert found.data == []
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("sk_live_wrong", base_addresses={"api": app.config["AGENCY"].stripe_api_base}) \
            .v1.customers.retrieve(first.id)


def _sent(w, double):
    invoice = final_invoice(w)
    stripe_gateway.send(invoice.id, invoice.agency_id)
    return db.session.get(Invoice, invoice.id)


def test_webhooks_paid_applies_duplicates_and_reordering_change_nothing(billing_world, double, client):
    invoice = _sent(billing_world, double)
    double.take_outbox()  # created/finalized/sent: already reflected
    double._pay(double.invoices[invoice.stripe_invoice_id])
    double.duplicate_events = True
    assert deliver(client, double) == [200, 200]
    db.session.expire_all()
    paid = db.session.get(Invoice, invoice.id)
    assert paid.stripe_status == "paid" and paid.paid_at is not None
    # a late "finalized" (older) event arriving after "paid" never moves the invoice back
    late = next(e for e in double.events if e["type"] == "invoice.finalized")
    payload = json.dumps({**late, "id": "evt_late_finalized"}).encode()
    response = client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": double.sign(payload)})
    assert response.status_code == 200 and response.get_json()["status"] == "unchanged"
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).stripe_status == "paid"


def test_webhooks_out_of_order_end_in_the_latest_state(billing_world, double, client):
    invoice = _sent(billing_world, double)
    double.take_outbox()
    stripe_invoice = double.invoices[invoice.stripe_invoice_id]
    double._end(stripe_invoice, "uncollectible", "invoice.marked_uncollectible")
    double._pay(stripe_invoice)
    assert deliver(client, double, reverse=True) == [200, 200]  # paid first, then marked_uncollectible
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).stripe_status == "paid"


def test_webhook_signature_is_checked_and_unknown_events_are_ignored(billing_world, double, client):
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "customer.created",
                          "data": {"object": {"id": "cus_1", "object": "customer"}}}).encode()
    assert client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": "t=1,v1=00"}).status_code == 400
    assert client.post("/webhooks/stripe", data=payload).status_code == 400
    stale = double.sign(payload, timestamp=1_000_000_000)
    assert client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": stale}).status_code == 400
    response = client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": double.sign(payload)})
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    again = client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": double.sign(payload)})
    assert again.get_json()["status"] == "duplicate"
    assert handle_event("evt_2", "invoice.paid", "in_unknown")["status"] == "ignored"


def _store_card(double, billing_world, method):
    """The client stored a payment method with Stripe (through Stripe's pages; here straight in the double)."""
    from agency.billing.settings import workspace_billing

    invoice = final_invoice(billing_world)
    customer_id = stripe_gateway._customer(stripe_gateway.client(), invoice, billing_world.ws_a,
                                           workspace_billing(billing_world.ws_a)).id
    double.customers[customer_id]["invoice_settings"]["default_payment_method"] = method
    return invoice


def test_a_client_with_a_stored_card_is_charged_once(billing_world, double, client):
    invoice = _store_card(double, billing_world, "pm_card_visa")
    stripe_gateway.send(invoice.id, invoice.agency_id)
    stripe_gateway.send(invoice.id, invoice.agency_id)  # a retry charges nothing more
    stripe_invoice = the_only_stripe_invoice(double, invoice)
    assert stripe_invoice["collection_method"] == "charge_automatically" and stripe_invoice["status"] == "paid"
    assert double.count("POST", r"/v1/invoices/in_\w+/pay") == 1
    assert double.count("POST", r"/v1/invoices/in_\w+/send") == 0
    stored = db.session.get(Invoice, invoice.id)
    assert stored.send_state == SendState.SENT and stored.stripe_status == "paid" and not stored.send_error


def test_a_declined_card_leaves_the_invoice_open_with_its_link(billing_world, double, client):
    invoice = _store_card(double, billing_world, "pm_card_chargeDeclined")
    stripe_gateway.send(invoice.id, invoice.agency_id)
    stripe_invoice = the_only_stripe_invoice(double, invoice)
    assert stripe_invoice["status"] == "open" and stripe_invoice["attempted"] is True
    stored = db.session.get(Invoice, invoice.id)
    assert stored.send_state == SendState.SENT and stored.stripe_status == "open"
    assert "declined" in stored.send_error and stored.stripe_hosted_url == stripe_invoice["hosted_invoice_url"]
    assert any(e["type"] == "invoice.payment_failed" for e in double.events)


def _post_event(client, double, event_id, event_type, stripe_id, **invoice_fields):
    payload = json.dumps({"id": event_id, "object": "event", "type": event_type,
                          "data": {"object": {"id": stripe_id, "object": "invoice", **invoice_fields}}}).encode()
    return client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": double.sign(payload)})


def test_webhook_reads_the_fresh_invoice_not_the_payload_and_skips_a_settled_one(billing_world, double, client):
    invoice = _sent(billing_world, double)
    double.take_outbox()
    # The payload claims "paid"; Stripe says "open": the stored status follows Stripe.
    response = _post_event(client, double, "evt_claims_paid", "invoice.paid", invoice.stripe_invoice_id,
                           status="paid")
    assert response.status_code == 200 and response.get_json()["stripe_status"] == "open"
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).stripe_status == "open"
    # An event that reports no more than we hold ("finalized" while open) is acknowledged without a fetch.
    fetches = double.count("GET", r"/v1/invoices/in_\w+")
    same = _post_event(client, double, "evt_finalized_again", "invoice.finalized", invoice.stripe_invoice_id)
    assert same.get_json() == {"status": "unchanged", "stripe_status": "open"}
    assert double.count("GET", r"/v1/invoices/in_\w+") == fetches
    double._pay(double.invoices[invoice.stripe_invoice_id])
    double.take_outbox()
    assert _post_event(client, double, "evt_paid", "invoice.paid", invoice.stripe_invoice_id).get_json() == {
        "status": "applied", "stripe_status": "paid"}
    fetches = double.count("GET", r"/v1/invoices/in_\w+")
    # Paid is the end of the line: a later event is acknowledged without asking Stripe again.
    late = _post_event(client, double, "evt_late", "invoice.payment_failed", invoice.stripe_invoice_id)
    assert late.get_json() == {"status": "unchanged", "stripe_status": "paid"}
    assert double.count("GET", r"/v1/invoices/in_\w+") == fetches
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).stripe_status == "paid"


@pytest.mark.parametrize("payload", [b"[1, 2]", b"\xff\xfe{}", b'{"id": "evt_x", "type": ["invoice.paid"]}',
                                     b'{"id": 5, "type": "invoice.paid"}', b'{"id": "evt_y", "data": "x"}',
                                     b'{"id": "evt_z", "type": "invoice.paid", "data": {"object": {"id": 7}}}'])
def test_webhook_odd_but_signed_bodies_answer_4xx_or_are_ignored(billing_world, double, client, payload):
    response = client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": double.sign(payload)})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.get_json()["status"] == "ignored"


def _next_month_invoice(w):
    approved(w, 30, day=date(2026, 11, 4))
    invoice = finalising.finalise(w.am_a, drafting.draft_month(w.am_a, w.ws_a, date(2026, 11, 1)),
                                  on=date(2026, 12, 1))
    stripe_gateway.start_sending(w.am_a, invoice)
    db.session.commit()
    return invoice


def test_a_changed_client_is_brought_up_to_date_before_the_next_invoice(billing_world, double):
    """The client moved, changed its billing address and got a VAT id: Stripe's customer (whose details Stripe
    e-mails and prints) must say what our next invoice says, without a second customer."""
    from agency.billing.settings import save_workspace_billing

    w = billing_world
    first = _sent(w, double)
    customer_id = double.invoices[first.stripe_invoice_id]["customer"]
    assert double.customers[customer_id]["tax_ids"]["data"] == []
    updates_before = double.count("POST", rf"/v1/customers/{customer_id}")

    save_workspace_billing(w.owner_a, w.ws_a, client_street="Leopoldstraße 7", client_postcode="80802",
                           billing_email="rechnungen@alpha.test", client_vat_id="DE811907980")
    second = _next_month_invoice(w)
    stripe_gateway.send(second.id, second.agency_id)
    stored = db.session.get(Invoice, second.id)
    assert stored.send_state == SendState.SENT, stored.send_error
    assert len(double.customers) == 1
    customer = double.customers[customer_id]
    assert customer["email"] == "rechnungen@alpha.test"
    assert customer["address"]["line1"] == "Leopoldstraße 7" and customer["address"]["postal_code"] == "80802"
    assert [(t["type"], t["value"]) for t in customer["tax_ids"]["data"]] == [("eu_vat", "DE811907980")]
    assert double.count("POST", rf"/v1/customers/{customer_id}") == updates_before + 1

    # The VAT id changes again: the old one goes, the new one comes; a retry changes nothing more.
    save_workspace_billing(w.owner_a, w.ws_a, client_vat_id="DE136695976")
    approved(w, 30, day=date(2026, 11, 5))
    third = finalising.finalise(w.am_a, drafting.draft_month(w.am_a, w.ws_a, date(2026, 11, 1)),
                                on=date(2026, 12, 2))
    stripe_gateway.start_sending(w.am_a, third)
    db.session.commit()
    stripe_gateway.send(third.id, third.agency_id)
    assert [t["value"] for t in double.customers[customer_id]["tax_ids"]["data"]] == ["DE136695976"]
    updates = double.count("POST", rf"/v1/customers/{customer_id}")
    stripe_gateway._customer(stripe_gateway.client(), db.session.get(Invoice, third.id), w.ws_a,
                             stripe_gateway._settings_row(w.ws_a))
    assert double.count("POST", rf"/v1/customers/{customer_id}") == updates  # nothing changed: no update


def test_the_double_checks_tax_ids_like_stripe(double, app):
    import stripe

    from tests.billing.stripe_helpers import API_KEY

    sdk = stripe.StripeClient(API_KEY, base_addresses={"api": app.config["AGENCY"].stripe_api_base})
    customer = sdk.v1.customers.create(params={"name": "Eins"})
    with pytest.raises(stripe.InvalidRequestError) as invalid:
        sdk.v1.customers.tax_ids.create(customer.id, params={"type": "eu_vat", "value": "not a vat id"})
    assert invalid.value.code == "tax_id_invalid" and invalid.value.http_status == 400
    created = sdk.v1.customers.tax_ids.create(customer.id, params={"type": "eu_vat", "value": "ATU12345678"})
    assert created.object == "tax_id" and created.country == "AT" and created.owner.customer == customer.id
    listed = sdk.v1.customers.tax_ids.list(customer.id)
    assert [t.id for t in listed.data] == [created.id]
    deleted = sdk.v1.customers.tax_ids.delete(customer.id, created.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sdk.v1.customers.tax_ids.delete(customer.id, created.id)
    assert missing.value.code == "resource_missing" and missing.value.http_status == 404


def test_a_send_whose_job_was_lost_says_so_and_a_retry_bills_once(billing_world, double):
    """A worker stopped while sending: the sweep finds the invoice "sending" with no job and marks it failed with
    the retry; one still queued is left alone."""
    from agency.billing import jobs

    lost = final_invoice(billing_world)  # "sending", but its job never ran
    assert jobs.sweep_lost_sends.run_inline() == 1
    stored = db.session.get(Invoice, lost.id)
    assert stored.send_state == SendState.FAILED and stored.send_error
    assert jobs.sweep_lost_sends.run_inline() == 0  # nothing is marked twice

    stored = db.session.get(Invoice, lost.id)
    stripe_gateway.start_sending(billing_world.am_a, stored)
    jobs.queue_send(stored.agency_id, stored.id)
    db.session.commit()
    assert stored.id in jobs.invoices_with_live_send_jobs()
    assert jobs.sweep_lost_sends.run_inline() == 0  # its job waits in the queue
    assert db.session.get(Invoice, lost.id).send_state == SendState.SENDING
    sent = stripe_gateway.send(stored.id, stored.agency_id)
    assert sent.send_state == SendState.SENT
    the_only_stripe_invoice(double, sent)
