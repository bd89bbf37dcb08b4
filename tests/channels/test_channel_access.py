"""A channel is connected only when the platform confirms the token's access to exactly that account.

Agency A's client owns accounts on the sandbox; agency B tries to connect them with B's own valid
tokens (of other accounts), with garbage, and with A's account id on a pre-existing row.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from agency import db
from agency.channels.models import Channel, ChannelStatus
from agency.channels.services import connect_channel
from agency.errors import ValidationError
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction
from tests.conftest import login, make_channel, post_form, unique_account, unique_youtube_channel
from tests.inbox.test_webhooks import _feed_payload, _sign


def _gbp_id() -> str:
    return f"accounts/{unique_account()}/locations/{unique_account()}"


_NEW_ID = {"facebook_page": unique_account, "instagram_business": unique_account,
           "google_business_profile": _gbp_id, "youtube_channel": unique_youtube_channel}


def _account(platform, platform_name: str, name: str, **options) -> dict:
    return platform.add_account(platform_name, _NEW_ID[platform_name](), name=name, history_days=1, per_day=4,
                                **options)


def _channels(account_id: str) -> list[Channel]:
    return list(db.session.scalars(select(Channel).where(Channel.external_account_id == account_id)))


def _interactions(channel_id: int) -> int:
    return db.session.scalar(select(func.count(Interaction.id)).where(Interaction.channel_id == channel_id))


@pytest.mark.parametrize("platform_name", ["facebook_page", "instagram_business", "google_business_profile",
                                           "youtube_channel"])
def test_b_cannot_connect_a_account_with_its_own_valid_token_nor_with_garbage(world, platform, platform_name):
    a_account = _account(platform, platform_name, "A's client")
    b_account = _account(platform, platform_name, "B's own client")
    for token in (b_account["token"], "garbage-token", a_account["token"] + "x"):
        with pytest.raises(ValidationError) as refused:
            connect_channel(world.owner_b, world.ws_b, platform=platform_name, account_id=a_account["account_id"],
                            token=token)
        assert refused.value.field == "token"
        assert "confirm" in refused.value.message or "does not accept" in refused.value.message
    assert _channels(a_account["account_id"]) == []
    # The right token is confirmed, and the platform's name of the account is taken over.
    channel = connect_channel(world.owner_a, world.ws_a, platform=platform_name, account_id=a_account["account_id"],
                              token=a_account["token"])
    shown = a_account["username"] if platform_name == "instagram_business" else a_account["name"]
    assert channel.credentials_verified_at is not None and channel.name == shown


def test_instagram_is_confirmed_with_the_token_of_its_linked_page(world, platform):
    page = _account(platform, "facebook_page", "Linked Page")
    instagram = _account(platform, "instagram_business", "Linked IG", page_id=page["account_id"], username="linked.ig")
    unlinked_page = _account(platform, "facebook_page", "Unlinked Page")
    with pytest.raises(ValidationError):
        connect_channel(world.owner_a, world.ws_a, platform="instagram_business",
                        account_id=instagram["account_id"], token=unlinked_page["token"])
    channel = connect_channel(world.owner_a, world.ws_a, platform="instagram_business",
                              account_id=instagram["account_id"], token=page["token"])
    assert channel.credentials_verified_at is not None and channel.name == "linked.ig"
    # A Page token is not a token of an Instagram account as a Page: /me is the Page.
    with pytest.raises(ValidationError):
        connect_channel(world.owner_a, world.ws_a2, platform="facebook_page", account_id=page["account_id"],
                        token=instagram["token"])


def test_connect_form_refuses_another_accounts_token_with_a_message(client, world, platform):
    a_page, b_page = _account(platform, "facebook_page", "A Page"), _account(platform, "facebook_page", "B Page")
    login(client, world.owner_b)
    response = post_form(client, f"/w/{world.ws_b.slug}/channels/", {
        "platform": "facebook_page", "account_id": a_page["account_id"], "token": b_page["token"],
        "backfill_days": "30", "sync_interval": "120"})
    assert response.status_code == 400
    assert "did not confirm that this token gives access" in response.get_data(as_text=True)
    assert _channels(a_page["account_id"]) == []


def test_a_new_token_is_confirmed_again(world, platform):
    page, other = _account(platform, "facebook_page", "Page"), _account(platform, "facebook_page", "Other")
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=page["account_id"],
                              token=page["token"])
    with pytest.raises(ValidationError):
        connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=page["account_id"],
                        token=other["token"])
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).access_token == page["token"]


def test_an_account_is_connected_to_one_workspace_per_agency(world, platform):
    page = _account(platform, "facebook_page", "Shared Page")
    connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=page["account_id"],
                    token=page["token"])
    with pytest.raises(ValidationError, match="Alpha Client") as refused:
        connect_channel(world.owner_a, world.ws_a2, platform="facebook_page", account_id=page["account_id"],
                        token=page["token"])
    assert refused.value.field == "account_id"
    # The database says so too, whatever code path writes.
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.session.begin_nested():
        make_channel(world.ws_a2, "facebook_page", page["account_id"])
    # Another agency with its own confirmed access may connect it as well.
    assert connect_channel(world.owner_b, world.ws_b, platform="facebook_page", account_id=page["account_id"],
                           token=page["token"]).credentials_verified_at is not None


def test_webhooks_for_as_page_never_reach_a_channel_of_b(client, world):
    page_id = unique_account()
    a_channel = make_channel(world.ws_a, "facebook_page", page_id)
    # Rows B could have created before the confirmation existed, or may still have: unconfirmed ones …
    b_unverified = make_channel(world.ws_b, "facebook_page", page_id, verified=False, status="active")
    # … and a confirmed one that is not active (paused, or waiting for a new token).
    other_agency = world.agency_b.__class__(name="Gamma", slug=f"gamma-{unique_account()}")
    db.session.add(other_agency)
    db.session.flush()
    from tests.conftest import make_workspace

    gamma_ws = make_workspace(other_agency, "Gamma Client")
    c_paused = make_channel(gamma_ws, "facebook_page", page_id, status=ChannelStatus.NEEDS_REAUTH)
    db.session.commit()
    body = _feed_payload(page_id, f"{page_id}_777_9", "Nur für A bestimmt")
    response = client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature-256": _sign(body)})
    assert response.status_code == 200 and json.loads(response.get_data())["stored"] == 1
    assert _interactions(a_channel.id) == 1
    assert _interactions(b_unverified.id) == 0 and _interactions(c_paused.id) == 0


def test_sync_of_an_unconfirmed_channel_asks_the_platform_first(world, platform):
    a_page, b_page = _account(platform, "facebook_page", "A Page"), _account(platform, "facebook_page", "B Page")
    # A row as it could exist from before: A's page id with B's token, never confirmed.
    stolen = make_channel(world.ws_b, "facebook_page", a_page["account_id"], verified=False,
                          access_token=b_page["token"], backfill_days=2)
    db.session.commit()
    run_sync(stolen)
    assert stolen.status == ChannelStatus.NEEDS_REAUTH and "did not confirm" in stolen.last_error
    assert stolen.credentials_verified_at is None and _interactions(stolen.id) == 0
    # With the right token the same kind of row is confirmed on its first sync and syncs.
    legacy = make_channel(world.ws_a, "facebook_page", a_page["account_id"], verified=False,
                          access_token=a_page["token"], backfill_days=2)
    db.session.commit()
    run_sync(legacy)
    assert legacy.status == ChannelStatus.ACTIVE and legacy.credentials_verified_at is not None
    assert _interactions(legacy.id) > 0


def _oauth_picker(client, platform, workspace) -> str:
    from tests.channels.test_channels_views import oauth_target

    target = oauth_target(post_form(client, f"/w/{workspace.slug}/channels/connect/meta"))
    consent = platform.http.post(target, data={"decision": "allow"}, allow_redirects=False)
    back = consent.headers["Location"]
    picker = client.get(back[back.index("/channels/oauth/callback"):])
    assert picker.status_code == 200
    return picker.get_data(as_text=True)


def test_picker_marks_accounts_already_connected_and_names_the_workspace(client, world, platform):
    here, elsewhere = _account(platform, "facebook_page", "Page Here"), _account(platform, "facebook_page",
                                                                                  "Page Elsewhere")
    fresh = _account(platform, "facebook_page", "Page Fresh")
    connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=here["account_id"],
                    token=here["token"])
    connect_channel(world.owner_a, world.ws_a2, platform="facebook_page", account_id=elsewhere["account_id"],
                    token=elsewhere["token"])
    login(client, world.owner_a)
    html = _oauth_picker(client, platform, world.ws_a)
    options = {unescape(label): attrs for attrs, label in re.findall(r"<option([^>]*)>([^<]*)</option>", html)}
    assert "disabled" in options["Facebook Page: Page Elsewhere (already connected to Alpha Two)"]
    assert "disabled" not in options["Facebook Page: Page Here (connected here; choosing it renews the access)"]
    assert "disabled" not in options["Facebook Page: Page Fresh"]
    listed = html[html.index("data-connected-accounts"):]
    assert "Page Elsewhere</strong> — in the workspace Alpha Two" in unescape(listed)
    # Choosing the disabled one anyway (a crafted POST) is refused with the workspace's name.
    index = re.search(r'<option[^>]*value="(\d+)"[^>]*>Facebook Page: Page Elsewhere', html).group(1)
    state = re.search(r'name="state" value="([^"]+)"', html).group(1)
    post_form(client, "/channels/oauth/callback", {"account": index, "state": unescape(state)},
              token_from=f"/w/{world.ws_a.slug}/channels/")
    assert [c.workspace_id for c in _channels(elsewhere["account_id"])] == [world.ws_a2.id]
    assert "already connected to the workspace Alpha Two" in client.get(f"/w/{world.ws_a.slug}/channels/")\
        .get_data(as_text=True)
    assert fresh["account_id"] not in {c.external_account_id for c in db.session.scalars(select(Channel))}


def test_channels_page_shows_unconfirmed_access(client, world):
    make_channel(world.ws_a, "facebook_page", name="Alte Seite", verified=False,
                 backfill_done_at=db.utcnow())
    make_channel(world.ws_a, "youtube_channel", name="Bestätigter Kanal", backfill_done_at=db.utcnow())
    login(client, world.owner_a)
    page = client.get(f"/w/{world.ws_a.slug}/channels/").get_data(as_text=True)
    assert page.count("Not confirmed yet") == 1
    assert page.index("Alte Seite") < page.index("Not confirmed yet") < page.index("Bestätigter Kanal")
