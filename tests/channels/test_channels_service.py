"""Channel credentials: encrypted at rest, key rotation; the operator commands."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import text

from agency import crypto, db
from agency.channels.models import Channel
from agency.channels.services import connect_channel
from agency.cli import main
from agency.crypto import rotate_encryption_keys
from agency.errors import ValidationError
from tests.conftest import make_channel, unique_account


def test_token_is_not_readable_in_the_database(app, world, platform):
    created = platform.add_account("facebook_page", unique_account(), name="Secret Page",
                                   token=f"EAAB-very-secret-page-token-{unique_account()}")
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=created["account_id"],
                              token=created["token"])
    raw = db.session.execute(text("SELECT access_token FROM channels WHERE id = :id"), {"id": channel.id}).scalar()
    assert b"very-secret" not in bytes(raw)
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).access_token == created["token"]


def test_key_rotation_reencrypts_under_the_new_key(app, world, test_config):
    channel = make_channel(world.ws_a, "youtube_channel", access_token="ya29.secret")
    db.session.flush()
    old_keys = test_config.encryption_keys
    new_key = Fernet.generate_key().decode()
    try:
        crypto.configure((new_key, *old_keys))
        assert rotate_encryption_keys() >= 1
        raw = bytes(db.session.execute(text("SELECT access_token FROM channels WHERE id = :id"),
                                       {"id": channel.id}).scalar())
        assert Fernet(new_key.encode()).decrypt(raw) == b"ya29.secret"
        crypto.configure((new_key,))  # the old key can now be dropped
        db.session.expire_all()
        assert db.session.get(Channel, channel.id).access_token == "ya29.secret"
    finally:
        crypto.configure(old_keys)


def test_connect_validates_input(app, world):
    import pytest

    for kwargs, field in (({"platform": "myspace"}, "platform"), ({"account_id": "has space"}, "account_id"),
                          ({"account_id": ""}, "account_id"), ({"token": "two words"}, "token"),
                          ({"token": ""}, "token"), ({"backfill_days": 0}, "backfill_days"),
                          ({"sync_interval_seconds": 5}, "sync_interval")):
        base = {"platform": "facebook_page", "account_id": "1", "token": "t"}
        with pytest.raises(ValidationError) as refused:
            connect_channel(world.owner_a, world.ws_a, **{**base, **kwargs})
        assert refused.value.field == field, kwargs


def test_account_ids_must_have_the_platforms_form(app, world):
    """Ids that would not stay one path segment never reach a URL (nor the platform's confirmation)."""
    import pytest

    cases = {
        "facebook_page": ["1/../2", "../me", "1001/feed", "me", "1001?fields=access_token", "1%2F2", "١٢٣", "1.2"],
        "instagram_business": ["17841/../1", "17841400000001/", "media_1"],
        "google_business_profile": ["accounts/1/locations/../2", "accounts/1/locations/2/reviews", "locations/2",
                                    "accounts/a/locations/2", "accounts/1//locations/2"],
        "youtube_channel": ["UC/../x", "UCabc/comments", "abc", "UC", "UCab.cd"],
    }
    for platform_name, ids in cases.items():
        for account_id in ids:
            with pytest.raises(ValidationError) as refused:
                connect_channel(world.owner_a, world.ws_a, platform=platform_name, account_id=account_id, token="t")
            assert refused.value.field == "account_id", (platform_name, account_id)
    assert db.session.query(Channel).count() == 0


def test_channel_add_and_sync_commands(app, world, platform):
    runner = app.test_cli_runner()
    account_id = unique_account()
    created = platform.add_account("facebook_page", account_id, name="CLI Page", history_days=2, per_day=5)
    db.session.commit()
    result = runner.invoke(main, args=["channel-add", world.ws_a.slug, "facebook_page", "--account-id", account_id,
                                 "--token", created["token"], "--name", "CLI Page", "--backfill-days", "3"])
    assert result.exit_code == 0, result.output
    channel = db.session.query(Channel).filter_by(external_account_id=account_id).one()
    result = runner.invoke(main, args=["sync", str(channel.id)])
    assert result.exit_code == 0 and "inserted" in result.output and "status active" in result.output, result.output
    assert runner.invoke(main, args=["sync", "999999"]).exit_code != 0
    bad = runner.invoke(main, args=["channel-add", "no-such-ws", "facebook_page", "--account-id", "x", "--token", "y"])
    assert bad.exit_code != 0
    other = platform.add_account("facebook_page", unique_account(), name="Other Page")
    refused = runner.invoke(main, args=["channel-add", world.ws_b.slug, "facebook_page", "--account-id", account_id,
                                        "--token", other["token"]])
    assert refused.exit_code != 0 and "did not confirm" in refused.output
    assert db.session.query(Channel).filter_by(external_account_id=account_id).count() == 1
