"""Fixtures of the billing tests: agency A with legal details, a default rate and approved time."""

from __future__ import annotations

from datetime import date

import pytest

from agency.billing import rates
from agency.billing.settings import save_agency_details, save_workspace_billing
from agency.timetracking.models import State
from tests.timetracking.conftest import activity_of, make_entry

MONTH = date(2026, 10, 1)

DETAILS = {
    "legal_name": "Nordlicht Social GmbH", "street": "Hafenstraße 12", "postcode": "20457", "city": "Hamburg",
    "country": "DE", "tax_number": "27/123/45678", "vat_id": "DE123456789", "email": "rechnung@nordlicht.test",
    "bank_name": "Hamburger Sparkasse", "iban": "DE02200505501015871393", "bic": "HASPDEHHXXX",
    "footer": "Geschäftsführerin: Carla Brandt · HRB 12345 Amtsgericht Hamburg",
}


def set_up_billing(world, *, rate_cents: int = 9500, **workspace):
    save_agency_details(world.owner_a, world.agency_a.id, **DETAILS)
    rates.set_rate(world.agency_a.id, cents_per_hour=rate_cents, valid_from=date(2020, 1, 1))
    values = {"client_name": "Alpha Client GmbH", "client_street": "Marktplatz 1", "client_postcode": "80331",
                  "client_city": "München", "client_country": "DE", "billing_email": "buchhaltung@alpha.test"}
    values.update(workspace)
    save_workspace_billing(world.owner_a, world.ws_a, **values)


def approved(world, minutes: int, *, day: date = date(2026, 10, 5), user=None, activity=None):
    return make_entry(user or world.cm_a, world.ws_a, day=day, minutes=minutes, state=State.APPROVED,
                      activity=activity)


@pytest.fixture
def billing_world(world):
    set_up_billing(world)
    return world


__all__ = ["MONTH", "activity_of", "approved", "set_up_billing"]
