"""The Stripe double for tests: served over HTTP on a free port, the app's settings pointed at it."""

from __future__ import annotations

import contextlib

from agency.stripe_double import StripeDouble, serve

API_KEY = "sk_test_agency_tests"
WEBHOOK_SECRET = "whsec_agency_tests"


@contextlib.contextmanager
def stripe_double(app):
    double = StripeDouble(webhook_secret=WEBHOOK_SECRET)
    double.hold_events = True  # tests deliver the outbox themselves, through the test client
    server = serve(double)
    original = app.config["AGENCY"]
    app.config["AGENCY"] = original.with_overrides(
        stripe_api_key=API_KEY, stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=f"http://127.0.0.1:{server.server_port}")
    try:
        yield double
    finally:
        app.config["AGENCY"] = original
        server.shutdown()
        server.server_close()


def deliver(client, double, *, reverse: bool = False) -> list[int]:
    """POST the double's pending events to /webhooks/stripe; returns the status codes."""
    codes = []
    for payload, signature in double.take_outbox(reverse=reverse):
        response = client.post("/webhooks/stripe", data=payload, headers={
            "Stripe-Signature": signature, "Content-Type": "application/json"})
        codes.append(response.status_code)
    return codes
