"""Cross-tenant harness resolvers for the billing routes: a finalised invoice of agency A's workspace ws_a."""

from datetime import date

from agency.billing import drafting, finalising
from tests.billing.conftest import MONTH, approved, set_up_billing


def _invoice_of_a(world):
    invoice = getattr(world, "_billing_invoice", None)
    if invoice is None:
        set_up_billing(world)
        approved(world, 60, day=date(2026, 10, 7))
        invoice = finalising.finalise(world.am_a, drafting.draft_month(world.am_a, world.ws_a, MONTH))
        world._billing_invoice = invoice
    return invoice.id


def _line_of_a(world):
    _invoice_of_a(world)
    return world._billing_invoice.lines[0].id


RESOLVERS = {"invoice_id": _invoice_of_a, "line_id": _line_of_a}
