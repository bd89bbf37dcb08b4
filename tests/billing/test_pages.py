"""The billing pages over HTTP: who sees them, the whole flow from draft to paid, downloads, the portal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from agency import db, wiring
from agency.billing.jobs import send_invoice_to_stripe
from agency.billing.models import Invoice, InvoiceState
from tests.billing.conftest import MONTH, approved
from tests.billing.stripe_helpers import deliver, stripe_double
from tests.conftest import csrf_token, login

PAGES = ["/billing", "/billing/invoices", "/billing/settings", "/billing/rates"]


@pytest.mark.parametrize("role,expected", [("owner_a", 200), ("am_a", 200), ("cm_a", 403), ("client_a", 404)])
def test_who_sees_billing(app, billing_world, role, expected):
    client = app.test_client()
    login(client, getattr(billing_world, role))
    for page in PAGES:
        assert client.get(page).status_code == expected, page
    workspace_page = client.get(f"/w/{billing_world.ws_a.slug}/billing").status_code
    assert workspace_page == (200 if expected == 200 else 404)


def _post(client, path, data=None, token_from="/billing"):
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **(data or {})})


def test_draft_edit_finalise_send_and_see_it_paid(app, billing_world):
    w = billing_world
    approved(w, 90)
    client = app.test_client()
    login(client, w.am_a)
    overview = client.get("/billing?month=2026-10").get_data(as_text=True)
    assert w.ws_a.name in overview and "1:30" in overview
    response = _post(client, "/billing/draft", {"workspace": w.ws_a.slug, "month": "2026-10"})
    assert response.status_code == 302
    invoice_id = int(re.search(r"/billing/invoices/(\d+)", response.headers["Location"]).group(1))
    page = f"/billing/invoices/{invoice_id}"
    assert "142,50" in client.get(page).get_data(as_text=True) or "142.50" in client.get(page).get_data(as_text=True)
    line_id = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id)).lines[0].id
    assert _post(client, f"{page}/lines/{line_id}", {"description": "Community Management Oktober",
                                                     "unit_price": "100"}, page).status_code == 302
    assert _post(client, f"{page}/lines", {"kind": "manual", "description": "Shooting", "quantity": "1",
                                          "unit_price": "250,00"}, page).status_code == 302
    assert _post(client, f"{page}/finalise", token_from=page).status_code == 302
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice_id)
    assert invoice.state == InvoiceState.FINAL and invoice.number == "RE-00001"
    assert invoice.net_cents == 15000 + 25000 and invoice.gross_cents == 47600
    pdf = client.get(f"{page}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    xml = client.get(f"{page}.xml")
    assert xml.status_code == 200 and b"RE-00001" in xml.data and b"476.00" in xml.data
    with stripe_double(app) as double:
        assert _post(client, f"{page}/send", token_from=page).status_code == 302
        assert _post(client, f"{page}/send", token_from=page).status_code in (302, 422)  # a double click
        send_invoice_to_stripe.run_inline(invoice.agency_id, invoice.id)
        send_invoice_to_stripe.run_inline(invoice.agency_id, invoice.id)
        assert len(double.invoices) == 1
        detail = client.get(page).get_data(as_text=True)
        assert "open" in detail and next(iter(double.invoices.values()))["hosted_invoice_url"] in detail
        stripe_id = next(iter(double.invoices))
        double._pay(double.invoices[stripe_id])
        assert set(deliver(client, double)) == {200}
    db.session.expire_all()
    assert db.session.get(Invoice, invoice_id).stripe_status == "paid"
    assert "paid" in client.get("/billing/invoices?state=paid").get_data(as_text=True)


def test_a_client_downloads_only_its_own_invoices(app, billing_world):
    from agency.billing import drafting, finalising

    w = billing_world
    approved(w, 60)
    invoice = finalising.finalise(w.am_a, drafting.draft_month(w.am_a, w.ws_a, MONTH))
    draft = drafting.draft_month(w.am_a, w.ws_a2, MONTH) or invoice
    db.session.commit()
    with app.test_request_context():
        listed = wiring.of(app).providers["portal_invoices"](w.ws_a.id)
    assert [i["number"] for i in listed] == ["RE-00001"] and listed[0]["total_cents"] == 11305
    assert wiring.of(app).providers["invoiced_amount"](w.ws_a.id, 2026, 10) == (9500, "EUR")
    client = app.test_client()
    login(client, w.client_a)
    assert client.get(listed[0]["pdf_url"]).status_code == 200
    assert client.get(listed[0]["xml_url"]).status_code == 200
    assert client.get(f"/billing/invoices/{invoice.id}.pdf").status_code == 404
    assert client.get(f"/portal/invoices/{draft.id}.xml").status_code == 404 or draft.id == invoice.id


def test_rates_page_explains_which_rate_applies(app, billing_world):
    w = billing_world
    client = app.test_client()
    login(client, w.owner_a)
    assert _post(client, "/billing/rates", {"rate": "120", "valid_from": "2026-01",
                                            "workspace": str(w.ws_a.id)}).status_code == 302
    page = client.get(f"/billing/rates?w={w.ws_a.id}&u={w.cm_a.id}&d=2026-02-01").get_data(as_text=True)
    applied = re.search(r"<p data-applied>(.*?)</p>", page, re.S).group(1)
    assert "120" in applied and "this client" in applied
    before = client.get(f"/billing/rates?w={w.ws_a.id}&d=2025-12-01").get_data(as_text=True)
    assert "agency default" in re.search(r"<p data-applied>(.*?)</p>", before, re.S).group(1)
