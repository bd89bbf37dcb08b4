"""Browser journey of the API and the DSGVO tools: a token created in the profile lists, tags and answers
interactions over HTTP (as curl would); the reference page documents it; a fan is found, exported and erased."""

from __future__ import annotations

import re

import pytest
import requests

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def api_world(_app):
    from agency.accounts.models import Agency
    from agency.inbox.models import Interaction
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed API agency"):
        agency = make_agency("API im Browser")
        ws = make_workspace(agency, "Bäckerei Sonnenschein")
        owner = make_user(agency, "owner", name="Olivia Owner")
        item = Interaction(agency_id=agency.id, workspace_id=ws.id, platform="facebook_page",
                           external_id=f"e2e-api-{agency.id}", kind="comment", author_name="Jana Beispiel",
                           author_external_id="fan-jana", text="Habt ihr morgen offen?",
                           platform_created_at=db.utcnow())
        db.session.add(item)
        db.session.commit()
        info = {"agency": agency.id, "owner": owner.email, "slug": ws.slug, "item": item.id}
    db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: delete the committed agency"):
        db.session.delete(db.session.get(Agency, info["agency"]))
        db.session.commit()
    db.session.remove()


def _login(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_token_from_the_profile_works_with_curl_and_a_fan_is_erased(browser, live_server, api_world):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    _login(page, live_server, api_world["owner"])
    page.goto(f"{live_server}/profile")
    page.click("text=API tokens")
    page.fill("input[name=name]", "BI export")
    page.check("input[value='interactions:write']")
    page.click("text=Create token")
    secret = page.text_content("[data-testid=new-token]").strip()
    assert re.fullmatch(r"agy_[\w-]{40,}", secret)
    screenshot(page, "api-tokens")
    headers = {"Authorization": f"Bearer {secret}"}
    listed = requests.get(f"{live_server}/api/v1/interactions", headers=headers, timeout=30)
    assert listed.status_code == 200 and [i["id"] for i in listed.json()["items"]] == [api_world["item"]]
    tagged = requests.patch(f"{live_server}/api/v1/interactions/{api_world['item']}", json={"add_tags": ["VIP"]},
                            headers=headers, timeout=30)
    assert tagged.json()["tags"] == ["VIP"]
    page.goto(f"{live_server}/api/v1/reference")
    assert page.locator("#op-list_interactions").count() == 1
    screenshot(page, "api-reference")

    page.goto(f"{live_server}/w/{api_world['slug']}/privacy?q=Jana")
    assert page.locator("text=fan-jana").count() == 1
    screenshot(page, "privacy-search")
    page.click("text=Erase…")
    screenshot(page, "privacy-erase-confirm")
    page.check("input[name=confirm]")
    page.click("text=Erase for good")
    page.wait_for_url(f"{live_server}/w/{api_world['slug']}/privacy")
    screenshot(page, "privacy-after-erasure")
    assert "Erased: 1 interactions" in page.content()
    answer = requests.get(f"{live_server}/api/v1/interactions/{api_world['item']}", headers=headers, timeout=30)
    assert answer.json()["author_name"] == "[erased]" and answer.json()["text"] == "[erased]"
    context.close()


def test_a_webhook_subscribed_in_the_settings_gets_a_signed_test_event(browser, live_server, api_world, _app):
    from agency.api import webhooks
    from tests.api.test_webhooks import Receiver, _run_queued_deliveries

    receiver = Receiver()
    _app.config["WEBHOOK_ALLOWED_TARGETS"] = (f"127.0.0.1:{receiver.port}",)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        _login(page, live_server, api_world["owner"])
        page.goto(f"{live_server}/profile")
        page.click("main a:has-text('Webhooks')")
        page.wait_for_url(f"{live_server}/settings/webhooks")
        assert page.locator("text=No webhooks yet").count() == 1
        screenshot(page, "webhooks-empty")
        page.click("main a:has-text('New webhook') >> nth=0")
        page.fill("input[name=url]", "http://169.254.169.254/latest/meta-data/")
        page.check("input[value='reply.sent']")
        page.click("text=Subscribe")
        assert "not a public address" in page.text_content("small.error")
        screenshot(page, "webhook-ssrf-refused")
        page.fill("input[name=url]", receiver.url)
        page.click("text=Subscribe")
        secret = page.text_content("[data-testid=new-secret]").strip()
        assert secret.startswith("whsec_")
        screenshot(page, "webhook-created")
        page.click("text=Open the webhook")
        page.click("text=Send a test event")
        page.wait_for_selector("text=A test event")
        with _app.app_context():
            assert _run_queued_deliveries() == ["delivered"]
            db.session.remove()
        [received] = receiver.received
        assert webhooks.verify(secret, received["body"], received["headers"]["Agency-Signature"])
        page.reload()
        assert page.locator("[data-testid=deliveries] >> text=ping").count() == 1
        screenshot(page, "webhook-delivery-log")
        page.goto(f"{live_server}/settings/webhooks")
        screenshot(page, "webhooks-list")
    finally:
        _app.config["WEBHOOK_ALLOWED_TARGETS"] = ()
        receiver.close()
        context.close()
