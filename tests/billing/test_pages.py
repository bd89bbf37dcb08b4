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


def test_draft_all_runs_as_a_job_with_progress_on_the_overview(app, billing_world):
    from datetime import date

    from agency.billing.jobs import draft_all_for_month, draft_all_job_id
    from agency.queue import get_queue
    from agency.timetracking.models import State
    from tests.timetracking.conftest import make_entry

    w = billing_world
    approved(w, 60)
    make_entry(w.cm_a, w.ws_a2, day=date(2026, 10, 5), minutes=30, state=State.APPROVED)
    db.session.commit()
    client = app.test_client()
    login(client, w.am_a)
    queue = get_queue("billing")
    queue.empty()

    first = _post(client, "/billing/draft-all", {"month": "2026-10"})
    assert first.status_code == 302 and "month=2026-10" in first.headers["Location"]
    again = _post(client, "/billing/draft-all", {"month": "2026-10"})  # a double click queues nothing more
    assert again.status_code == 302
    assert queue.job_ids == [draft_all_job_id(w.agency_a.id, MONTH)]
    page = client.get("/billing?month=2026-10").get_data(as_text=True)
    assert 'data-draft-all-progress="queued"' in page and 'http-equiv="refresh"' in page
    assert db.session.scalar(select(Invoice.id).where(Invoice.agency_id == w.agency_a.id)) is None  # not in the request

    job = queue.fetch_job(queue.job_ids[0])
    assert draft_all_for_month.run_inline(*job.args) == 2
    db.session.expire_all()
    drafted = db.session.scalars(select(Invoice.workspace_id).where(Invoice.agency_id == w.agency_a.id)).all()
    assert sorted(drafted) == sorted([w.ws_a.id, w.ws_a2.id])
    page = client.get("/billing?month=2026-10").get_data(as_text=True)
    assert 'data-draft-all-progress="done"' in page and 'http-equiv="refresh"' not in page


def test_draft_all_that_is_refused_says_why(app, world):
    from agency.billing.jobs import draft_all_for_month
    from agency.queue import get_queue

    approved(world, 60)  # and no hourly rate anywhere: drafting is refused
    db.session.commit()
    client = app.test_client()
    login(client, world.am_a)
    assert _post(client, "/billing/draft-all", {"month": "2026-10"}).status_code == 302
    job = get_queue("billing").fetch_job(get_queue("billing").job_ids[-1])
    assert draft_all_for_month.run_inline(*job.args) == 0
    page = client.get("/billing?month=2026-10").get_data(as_text=True)
    assert 'data-draft-all-progress="failed"' in page and "2026-10-05" in page  # the refusal, in words
    assert db.session.scalar(select(Invoice.id).where(Invoice.agency_id == world.agency_a.id)) is None
