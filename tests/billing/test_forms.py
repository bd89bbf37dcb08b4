"""Every form of billing answers garbage with a clear 4xx and writes nothing: NUL bytes, blank and huge values,
file parts where text is expected, ids beyond bigint, unknown choices, impossible amounts."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from agency import db
from agency.billing import drafting
from agency.billing.models import AgencyBillingDetails, Invoice, InvoiceLine, Rate, WorkspaceBilling
from tests.billing.conftest import MONTH, approved
from tests.conftest import csrf_token, login

HUGE = "x" * 200_000
BIG_ID = "99999999999999999999999"


def _file():
    return (io.BytesIO(b"file"), "x.txt")


def _cases(world, invoice, line):
    ws = world.ws_a
    return {
        "billing.draft": ("/billing/draft", [
            {}, {"workspace": ws.slug, "month": "2026-13"}, {"workspace": world.ws_b.slug, "month": "2026-10"},
            {"workspace": HUGE, "month": HUGE}, {"workspace": ws.slug, "month": "\x00"}]),
        "billing.draft_all": ("/billing/draft-all", [{}, {"month": "10/2026"}, {"month": HUGE}, {"month": _file()}]),
        "billing.line_add": (f"/billing/invoices/{invoice.id}/lines", [
            {}, {"kind": "manual", "description": "   ", "quantity": "1", "unit_price": "10"},
            {"kind": "gift", "description": "x", "quantity": "1", "unit_price": "10"},
            {"kind": "manual", "description": "x", "quantity": "0", "unit_price": "10"},
            {"kind": "manual", "description": "x", "quantity": BIG_ID, "unit_price": "10"},
            {"kind": "manual", "description": "x", "quantity": "1", "unit_price": "-10"},
            {"kind": "manual", "description": "x", "quantity": "1", "unit_price": "0"},
            {"kind": "manual", "description": "x", "quantity": "1", "unit_price": "1e9"},
            {"kind": "discount", "description": "x", "quantity": "1", "unit_price": "999999"},
            {"kind": "manual", "description": "a\x01b", "quantity": "1", "unit_price": "10"},
            {"kind": "manual", "description": _file(), "quantity": "1", "unit_price": "10"},
            {"kind": HUGE, "description": HUGE, "quantity": HUGE, "unit_price": HUGE}]),
        "billing.line_edit": (f"/billing/invoices/{invoice.id}/lines/{line.id}", [
            {}, {"description": " "}, {"description": "x", "unit_price": "abc"}, {"description": HUGE},
            {"description": _file()}]),
        "billing.settings": ("/billing/settings", [
            {}, {"legal_name": "A", "street": "B", "postcode": "1", "city": "C", "country": "DE",
                 "tax_number": "", "vat_id": " ", "payment_days": "14"},
            {"legal_name": "A", "street": "B", "postcode": "1", "city": "C", "country": "Germany",
             "tax_number": "1", "payment_days": "14"},
            {"legal_name": "A", "street": "B", "postcode": "1", "city": "C", "country": "DE", "vat_id": "123",
             "payment_days": "14"},
            {"legal_name": "A", "street": "B", "postcode": "1", "city": "C", "country": "DE", "tax_number": "1",
             "iban": "DE00123456781234567890", "payment_days": "14"},
            {"legal_name": "A", "street": "B", "postcode": "1", "city": "C", "country": "DE", "tax_number": "1",
             "payment_days": "999"},
            {"legal_name": _file(), "street": "B", "postcode": "1", "city": "C", "country": "DE", "tax_number": "1",
             "payment_days": "14"},
            dict.fromkeys(("legal_name", "street", "postcode", "city", "country", "tax_number", "footer",
                           "payment_days"), HUGE)]),
        "billing.workspace_settings": (f"/w/{ws.slug}/billing", [
            {}, {"model": "barter", "vat_rate": "1900", "grouping": "activity", "client_name": "X",
                 "client_country": "DE"},
            {"model": "hourly", "vat_rate": "1600", "grouping": "activity", "client_name": "X",
             "client_country": "DE"},
            {"model": "retainer", "fee": "lots", "vat_rate": "1900", "grouping": "activity", "client_name": "X",
             "client_country": "DE"},
            {"model": "hourly", "vat_rate": "0", "reverse_charge": "y", "grouping": "activity", "client_name": "X",
             "client_country": "AT"},
            {"model": "hourly", "vat_rate": "1900", "grouping": "activity", "client_name": "X",
             "client_country": "DE", "billing_email": "not-an-address"},
            {"model": HUGE, "client_name": HUGE, "fee": HUGE}]),
        "billing.rates_page": ("/billing/rates", [
            {}, {"rate": "abc", "valid_from": "2026-01"}, {"rate": "95", "valid_from": "January"},
            {"rate": "95", "valid_from": "2026-01", "workspace": str(world.ws_b.id)},
            {"rate": "95", "valid_from": "2026-01", "workspace": BIG_ID},
            {"rate": "95", "valid_from": "2026-01", "user": str(world.cm_a.id)},
            {"rate": "95", "valid_from": "2026-01", "workspace": str(ws.id), "user": str(world.cm_a.id),
             "activity": str(line.activity_id)},
            {"rate": HUGE, "valid_from": HUGE}]),
    }


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (
        Invoice, InvoiceLine, Rate, WorkspaceBilling, AgencyBillingDetails))


def test_forms_reject_bad_input(app, billing_world):
    from tests.billing.forms_registry import FORMS

    world = billing_world
    approved(world, 60)
    invoice = drafting.draft_month(world.am_a, world.ws_a, MONTH)
    line = invoice.lines[0]
    cases = _cases(world, invoice, line)
    assert set(cases) == set(FORMS)
    db.session.commit()
    client = app.test_client()
    login(client, world.owner_a)
    before = _counts()
    for endpoint, (url, payloads) in cases.items():
        for payload in payloads:
            data = {"csrf_token": csrf_token(client, "/billing"), **payload}
            response = client.post(url, data=data, content_type="multipart/form-data")
            assert 400 <= response.status_code < 500, f"{endpoint} {payload!r:.400}"
            body = response.get_data(as_text=True)
            assert any(mark in body for mark in ('class="error"', "alert-error", "flash-error", "Bad request")), \
                (endpoint, list(payload))
    db.session.expire_all()
    assert _counts() == before
    assert db.session.get(InvoiceLine, line.id).net_cents == 9500
