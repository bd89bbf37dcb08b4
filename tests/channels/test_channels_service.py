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


def test_token_is_not_readable_in_the_database(app, world):
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id="123456",
                              token="EAAB-very-secret-page-token")
    raw = db.session.execute(text("SELECT access_token FROM channels WHERE id = :id"), {"id": channel.id}).scalar()
    assert b"very-secret" not in bytes(raw)
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).access_token == "EAAB-very-secret-page-token"


def test_key_rotation_reencrypts_under_the_new_key(app, world, test_config):
    channel = connect_channel(world.owner_a, world.ws_a, platform="youtube_channel", account_id="UCabc",
                              token="ya29.secret")
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

    for kwargs in ({"platform": "myspace"}, {"account_id": "has space"}, {"account_id": ""},
                   {"token": "two words"}, {"token": ""}, {"backfill_days": 0}, {"sync_interval_seconds": 5}):
        base = {"platform": "facebook_page", "account_id": "1", "token": "t"}
        with pytest.raises(ValidationError):
            connect_channel(world.owner_a, world.ws_a, **{**base, **kwargs})


def test_channel_add_and_sync_commands(app, world, platform):
    runner = app.test_cli_runner()
    created = platform.add_account("facebook_page", "cli-page-1", name="CLI Page", history_days=2, per_day=5)
    db.session.commit()
    result = runner.invoke(main, args=["channel-add", world.ws_a.slug, "facebook_page", "--account-id", "cli-page-1",
                                 "--token", created["token"], "--name", "CLI Page", "--backfill-days", "3"])
    assert result.exit_code == 0, result.output
    channel = db.session.query(Channel).filter_by(external_account_id="cli-page-1").one()
    result = runner.invoke(main, args=["sync", str(channel.id)])
    assert result.exit_code == 0 and "inserted" in result.output and "status active" in result.output, result.output
    assert runner.invoke(main, args=["sync", "999999"]).exit_code != 0
    bad = runner.invoke(main, args=["channel-add", "no-such-ws", "facebook_page", "--account-id", "x", "--token", "y"])
    assert bad.exit_code != 0
