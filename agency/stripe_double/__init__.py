"""A local stand-in for the parts of Stripe's API that billing calls (tests and the demo).

It follows Stripe's documented behaviour: form-encoded parameters with bracket nesting, bearer keys,
``Idempotency-Key`` (the first response is replayed; other parameters under the same key answer
``idempotency_error``), invoices that move draft → open on finalize, ``number`` settable only on drafts,
Stripe's error shapes, list and search results, and signed webhooks (``Stripe-Signature``) sent back to a
configured URL — also twice or in reverse order on demand. Responses are shaped after Stripe's own example
objects (``objects.json``). Like the platform sandbox it imports none of our domains.
"""

from agency.stripe_double.server import StripeDouble, serve  # noqa: F401
