"""The channels page: connect by token and by OAuth (against the sandbox), pause, sync now, disconnect."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from agency import db
from agency.channels.models import Channel, ChannelStatus
from agency.queue import get_queue
from tests.conftest import login, post_form, unique_account

OAUTH_TARGET_RE = re.compile(r'<a class="btn btn-primary" href="([^"]+)" rel="noreferrer" data-oauth-continue>')


def test_connect_with_token_pause_resume_sync_disconnect(client, world, platform):
    account_id = unique_account()
    created = platform.add_account("instagram_business", account_id, name="Insta Shop", history_days=1, per_day=2)
    login(client, world.am_a)
    url = f"/w/{world.ws_a.slug}/channels/"
    empty = client.get(url)
    assert empty.status_code == 200 and "No channels connected" in empty.get_data(as_text=True)
    get_queue("sync").empty()
    response = post_form(client, url, {"platform": "instagram_business", "account_id": account_id,
                                       "token": created["token"], "name": "<script>x</script>Insta",
                                       "backfill_days": "30", "sync_interval": "120"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    channel = db.session.scalars(select(Channel).where(Channel.external_account_id == account_id)).one()
    assert channel.credentials_verified_at is not None
    assert f"sync-{channel.id}" in [j.id for j in get_queue("sync").jobs]  # the first sync is queued
    page = client.get(url).get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;Insta" in page and "<script>x</script>" not in page
    assert "Fetching history" in page

    assert post_form(client, f"{url}{channel.id}/pause", {"paused": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).status == ChannelStatus.PAUSED
    response = post_form(client, f"{url}{channel.id}/sync")
    assert response.status_code == 302 and "cannot sync" in client.get(url).get_data(as_text=True)
    post_form(client, f"{url}{channel.id}/pause", {"paused": "0"})
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).status == ChannelStatus.ACTIVE
    assert post_form(client, f"{url}{channel.id}/disconnect").status_code == 302
    assert db.session.get(Channel, channel.id) is None


def test_community_manager_sees_channels_but_cannot_connect(client, world):
    login(client, world.cm_a)
    url = f"/w/{world.ws_a.slug}/channels/"
    page = client.get(url)
    assert page.status_code == 200 and "Connect with an access token" not in page.get_data(as_text=True)
    assert post_form(client, url, {"platform": "facebook_page", "account_id": "1", "token": "t",
                                   "backfill_days": "30", "sync_interval": "120"}).status_code == 403


def test_connect_form_rejects_bad_input(client, world):
    login(client, world.owner_a)
    url = f"/w/{world.ws_a.slug}/channels/"
    for data in ({}, {"platform": "myspace", "account_id": "1", "token": "t", "backfill_days": "30",
                      "sync_interval": "120"},
                 {"platform": "facebook_page", "account_id": "a b", "token": "t", "backfill_days": "30",
                  "sync_interval": "120"},
                 {"platform": "facebook_page", "account_id": "1", "token": "t", "backfill_days": "9999",
                  "sync_interval": "1"}):
        response = post_form(client, url, data)
        assert response.status_code == 400 and 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(Channel)).all() == []


def oauth_target(response) -> str:
    """The consent page the "continue" page navigates to."""
    from html import unescape

    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return unescape(OAUTH_TARGET_RE.search(response.get_data(as_text=True)).group(1))


def test_oauth_flow_against_the_sandbox(client, world, platform):
    account_id = unique_account()
    platform.add_account("facebook_page", account_id, name="OAuth Page", history_days=1, per_day=2)
    db.session.commit()
    login(client, world.owner_a)
    start = post_form(client, f"/w/{world.ws_a.slug}/channels/connect/meta")
    target = oauth_target(start)
    # The page navigates by itself (CSP form-action would block a redirect after the form).
    assert f'http-equiv="refresh" content="0;url={target}' in start.get_data(as_text=True).replace("&amp;", "&")
    assert start.headers["Content-Security-Policy"].count("form-action 'self'") == 1
    dialog = urlparse(target)
    assert dialog.path.endswith("/dialog/oauth")
    query = parse_qs(dialog.query)
    # The person consents on the platform, which redirects back with a code and our state.
    consent = platform.http.post(target, data={"decision": "allow"}, allow_redirects=False)
    assert consent.status_code in (302, 303)
    back = urlparse(consent.headers["Location"])
    returned = parse_qs(back.query)
    assert returned["state"] == query["state"]
    picker = client.get(f"{back.path}?{back.query}")
    assert picker.status_code == 200, picker.get_data(as_text=True)[:500]
    html = picker.get_data(as_text=True)
    assert "OAuth Page" in html
    choice = re.search(r'<option value="(\d+)">[^<]*OAuth Page', html).group(1)
    done = post_form(client, "/channels/oauth/callback", {"account": choice, "state": returned["state"][0]},
                     token_from=f"/w/{world.ws_a.slug}/channels/")
    assert done.status_code == 302
    channel = db.session.scalars(select(Channel).where(Channel.external_account_id == account_id)).one()
    assert channel.workspace_id == world.ws_a.id and channel.access_token and channel.credentials_verified_at


def test_oauth_callback_rejects_forged_state(client, world):
    login(client, world.owner_a)
    assert client.get("/channels/oauth/callback?state=forged&code=x").status_code == 400
