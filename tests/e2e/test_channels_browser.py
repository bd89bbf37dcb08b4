"""Connect a channel with a login in a real browser: the strict CSP must not stop the way to the consent page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def oauth_world(_app, _session_sandbox):
    """A committed agency with an owner and a workspace; the app's Meta login points at the sandbox."""
    from agency.accounts.models import Agency
    from tests.conftest import make_agency, make_channel, make_user, make_workspace, unique_account

    sandbox = _session_sandbox
    original = _app.config["AGENCY"]
    _app.config["AGENCY"] = original.with_overrides(
        meta_graph_base=sandbox.graph_base, meta_app_id="test-app",
        meta_dialog_base=f"{sandbox.url}/facebook/v26.0/dialog/oauth")
    # The sandbox's login manages every account it holds (other tests' too): the names must be unique.
    suffix = unique_account()
    page_account = sandbox.add_account("facebook_page", unique_account(), name=f"Browser OAuth Page {suffix}",
                                       history_days=1, per_day=2)
    taken = sandbox.add_account("facebook_page", unique_account(), name=f"Page Elsewhere {suffix}",
                                history_days=1, per_day=2)
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("OAuth Agentur")
        ws = make_workspace(agency, "OAuth Kunde")
        owner = make_user(agency, "owner", name="Olga OAuth")
        make_channel(make_workspace(agency, "Anderer Kunde"), "facebook_page", taken["account_id"],
                     access_token=taken["token"], status="paused")
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "workspace_id": ws.id, "owner": owner.email,
                "account_id": page_account["account_id"], "suffix": suffix}
        db.session.remove()
    try:
        yield info
    finally:
        _app.config["AGENCY"] = original
        with _app.app_context(), db.system_scope("test: committed fixtures"):
            db.session.delete(db.session.get(Agency, info["agency_id"]))
            db.session.commit()
            db.session.remove()


def test_connect_with_a_login_reaches_the_consent_page_and_comes_back(page, live_server, oauth_world, _app,
                                                                     _session_sandbox):
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", oauth_world["owner"])
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/w/{oauth_world['slug']}/channels/")
    page.click("text=Connect Facebook / Instagram")
    # The sandbox's consent page (another origin), despite the app's form-action 'self'.
    page.wait_for_url(f"{_session_sandbox.url}/facebook/v26.0/dialog/oauth**", timeout=30000)
    assert page.locator("button[value=allow]").is_visible()
    screenshot(page, "channels-oauth-consent")
    page.click("button[value=allow]")
    page.wait_for_url(f"{live_server}/channels/oauth/callback**", timeout=30000)
    taken = page.locator("option", has_text=f"Page Elsewhere {oauth_world['suffix']}")
    assert "(already connected to Anderer Kunde)" in taken.inner_text() and taken.is_disabled()
    screenshot(page, "channels-oauth-picker")
    page.select_option("select[name=account]", label=f"Facebook Page: Browser OAuth Page {oauth_world['suffix']}")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/w/{oauth_world['slug']}/channels/", timeout=30000)
    assert f"Browser OAuth Page {oauth_world['suffix']}" in page.inner_text("table")
    screenshot(page, "channels-oauth-connected")
    assert violations == []
    from agency.channels.models import Channel

    with _app.app_context(), db.system_scope("test: committed fixtures"):
        channel = db.session.scalars(select(Channel).where(
            Channel.workspace_id == oauth_world["workspace_id"])).one()
        assert channel.external_account_id == oauth_world["account_id"] and channel.credentials_verified_at
        db.session.remove()
