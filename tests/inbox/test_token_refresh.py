"""Google access tokens live an hour: channels connected by OAuth refresh them before expiry and once on a 401.

The sandbox here runs on a clock the test moves, and refuses a token once its ``expires_in`` passed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from agency import db
from agency.channels.models import Channel, ChannelStatus
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction, Reply
from agency.inbox.replies import queue_reply, send_reply
from agency.sandbox.testing import running_sandbox
from tests.channels.test_channels_views import oauth_target
from tests.conftest import login, post_form, unique_account


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def google(app):
    """A sandbox on a movable clock, with the app's Google settings pointing at it."""
    clock = Clock()
    with running_sandbox(now=clock, default_accounts=False) as sandbox:
        original = app.config["AGENCY"]
        app.config["AGENCY"] = original.with_overrides(
            google_api_base=sandbox.google_base, google_accounts_base=sandbox.google_base,
            google_info_base=sandbox.google_base, youtube_api_base=sandbox.youtube_base,
            google_oauth_base=f"{sandbox.url}/google/o/oauth2/v2/auth", google_token_url=f"{sandbox.url}/google/token",
            google_client_id="test-client", google_client_secret="test-secret")
        try:
            yield sandbox, clock
        finally:
            app.config["AGENCY"] = original


def _connect_by_oauth(client, world, sandbox) -> Channel:
    location = f"accounts/{unique_account()}/locations/{unique_account()}"
    sandbox.add_account("google_business_profile", location, name="Refresh Bäckerei", history_days=2, per_day=12)
    login(client, world.owner_a)
    target = oauth_target(post_form(client, f"/w/{world.ws_a.slug}/channels/connect/google"))
    back = sandbox.http.post(target, data={"decision": "allow"}, allow_redirects=False).headers["Location"]
    picker = client.get(back[back.index("/channels/oauth/callback"):]).get_data(as_text=True)
    choice = re.search(r'<option value="(\d+)">[^<]*Refresh Bäckerei', picker).group(1)
    state = unescape(re.search(r'name="state" value="([^"]+)"', picker).group(1))
    done = post_form(client, "/channels/oauth/callback", {"account": choice, "state": state},
                     token_from=f"/w/{world.ws_a.slug}/channels/")
    assert done.status_code == 302
    channel = db.session.scalars(select(Channel).where(Channel.external_account_id == location)).one()
    assert channel.refresh_token and channel.token_expires_at is not None
    assert timedelta(minutes=50) < channel.token_expires_at - db.utcnow() <= timedelta(hours=1)
    return channel


def test_token_is_refreshed_before_it_expires(client, world, google):
    sandbox, clock = google
    channel = _connect_by_oauth(client, world, sandbox)
    old_token = channel.access_token
    clock.now += timedelta(hours=2)  # on the platform the token is long dead …
    channel.token_expires_at = db.utcnow() - timedelta(minutes=1)  # … and we know it
    db.session.commit()
    result = run_sync(channel)
    assert channel.status == ChannelStatus.ACTIVE, channel.last_error
    assert result.inserted > 0 and channel.access_token != old_token
    assert channel.token_expires_at > db.utcnow() + timedelta(minutes=50)


def test_a_401_before_the_stated_expiry_refreshes_once(client, world, google):
    sandbox, clock = google
    channel = _connect_by_oauth(client, world, sandbox)
    old_token = channel.access_token
    clock.now += timedelta(hours=2)  # we still think the token is good for almost an hour
    result = run_sync(channel)
    assert channel.status == ChannelStatus.ACTIVE, channel.last_error
    assert result.inserted > 0 and channel.access_token != old_token


def test_reply_refreshes_the_token_too(client, world, google):
    sandbox, clock = google
    channel = _connect_by_oauth(client, world, sandbox)
    run_sync(channel)
    review = db.session.scalars(select(Interaction).where(Interaction.channel_id == channel.id,
                                                          Interaction.kind == "review")).first()
    reply = queue_reply(world.cm_a, review, "Vielen Dank für die Bewertung!")
    db.session.commit()
    clock.now += timedelta(hours=2)
    assert send_reply.__wrapped__(reply.agency_id, reply.id) == "sent"
    assert db.session.get(Reply, reply.id).status == "sent"
    assert [r["text"] for r in sandbox.admin("GET", "replies")["replies"]] == ["Vielen Dank für die Bewertung!"]


def test_a_revoked_grant_asks_for_reconnection(client, world, google):
    sandbox, clock = google
    channel = _connect_by_oauth(client, world, sandbox)
    sandbox.state.codes.pop(channel.refresh_token)  # the person removed our access at Google
    clock.now += timedelta(hours=2)
    run_sync(channel)
    assert channel.status == ChannelStatus.NEEDS_REAUTH and "reconnect" in channel.last_error
