"""Browser journey of billing: the account manager drafts last month's invoice for a client, edits a line,
finalises and sends it through Stripe (the local double, over HTTP), sees it open, and paid after Stripe's
signed webhook reaches the live server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def billing_world(_app):
    from agency.accounts.models import Agency
    from agency.billing import rates
    from agency.billing.settings import save_agency_details, save_workspace_billing
    from agency.timetracking.models import State, TimeEntry
    from agency.timetracking.settings import activities, today
    from tests.billing.conftest import DETAILS
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed billing agency"):
        agency = make_agency("Rechnung im Browser")
        ws = make_workspace(agency, "Bäckerei Sonnenschein")
        am = make_user(agency, "account_manager", workspaces=[ws], name="Mia Account")
        cm = make_user(agency, "community_manager", workspaces=[ws], name="Chris Community")
        acts = activities(agency.id)
        save_agency_details(am, agency.id, **DETAILS)
        rates.set_rate(agency.id, cents_per_hour=9500, valid_from=today(agency).replace(year=2020, month=1, day=1))
        save_workspace_billing(am, ws, client_name="Bäckerei Sonnenschein GmbH", client_street="Marktplatz 1",
                               client_postcode="80331", client_city="München", billing_email="buch@baeckerei.test")
        last_month = (today(agency).replace(day=1) - timedelta(days=1)).replace(day=1)
        for day, minutes in ((3, 90), (10, 45), (17, 120)):
            db.session.add(TimeEntry(agency_id=agency.id, workspace_id=ws.id, user_id=cm.id, activity_id=acts[0].id,
                                     work_date=last_month + timedelta(days=day), minutes=minutes,
                                     state=State.APPROVED, billable=True, source="manual"))
        db.session.commit()
        info = {"agency": agency.id, "am": am.email, "ws": ws.name, "slug": ws.slug,
                "month": last_month.strftime("%Y-%m")}
    db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: delete the committed agency"):
        db.session.execute(TimeEntry.__table__.delete().where(TimeEntry.agency_id == info["agency"]))
        db.session.delete(db.session.get(Agency, info["agency"]))
        db.session.commit()
    db.session.remove()


def test_draft_edit_finalise_send_and_paid(_app, live_server, page, billing_world):
    from agency.billing.jobs import send_invoice_to_stripe
    from agency.billing.models import Invoice
    from tests.billing.stripe_helpers import stripe_double

    base = live_server
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/login")
    page.fill("input[name=email]", billing_world["am"])
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.click("nav.mainnav >> text=Billing")
    page.wait_for_url(f"{base}/billing")
    row = page.locator(f"tr[data-workspace='{billing_world['slug']}']")
    assert "4:15" in row.inner_text()  # 90 + 45 + 120 minutes last month
    screenshot(page, "billing-overview")
    row.locator("button", has_text="Draft").click()
    page.wait_for_url(f"{base}/billing/invoices/*")
    invoice_url = page.url
    assert "403,75" in page.inner_text("[data-net]") or "403.75" in page.inner_text("[data-net]")
    page.locator("tr[data-line] summary").first.click()
    page.fill("tr[data-line] input[name=description]", "Community Management")
    page.fill("tr[data-line] input[name=unit_price]", "100")
    page.locator("tr[data-line] button", has_text="Save line").click()
    page.wait_for_load_state()
    assert "425.00" in page.inner_text("[data-net]")
    screenshot(page, "billing-draft")
    page.click("[data-finalise]")
    page.wait_for_selector("[data-stripe]")
    assert "final" in page.inner_text("[data-state]")
    assert page.locator("a[data-pdf]").count() == 1
    with stripe_double(_app) as double:
        double.hold_events = False
        double.webhook_url = f"{base}/webhooks/stripe"
        page.click("[data-send]")
        page.wait_for_load_state()
        invoice_id = int(invoice_url.rstrip("/").rsplit("/", 1)[1])
        with _app.app_context():
            send_invoice_to_stripe.run_inline(billing_world["agency"], invoice_id)
        page.goto(invoice_url)
        assert page.inner_text("[data-stripe-status]") == "open"
        stripe_invoice = next(iter(double.invoices.values()))
        assert stripe_invoice["number"].startswith("RE-") and stripe_invoice["amount_due"] == 50575
        screenshot(page, "billing-open")
        page.goto(stripe_invoice["hosted_invoice_url"])  # the client pays on Stripe's page
        page.click("button")
        for _ in range(50):  # the double delivers the signed webhook to the live server
            page.goto(invoice_url)
            if page.inner_text("[data-stripe-status]") == "paid":
                break
            page.wait_for_timeout(100)
        assert page.inner_text("[data-stripe-status]") == "paid"
        screenshot(page, "billing-paid")
    with _app.app_context(), db.system_scope("test: read back"):
        assert db.session.get(Invoice, invoice_id).paid_at is not None
    db.session.remove()
    page.goto(f"{base}/billing/invoices")
    screenshot(page, "billing-invoices")
    page.goto(f"{base}/billing/rates")
    screenshot(page, "billing-rates")
    page.goto(f"{base}/billing/settings")
    screenshot(page, "billing-settings")
