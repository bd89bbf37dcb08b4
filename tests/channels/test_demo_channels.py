"""The demo connects its sandbox channels through the same confirmation as everyone else."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.channels.models import Channel
from agency.demo import DEMO_CHANNELS, connect_demo_channels, ensure_sandbox_accounts, seed_demo


def test_demo_channels_are_confirmed_by_the_sandbox(app, platform):
    ensure_sandbox_accounts(platform.url)
    assert seed_demo()
    assert connect_demo_channels() == len(DEMO_CHANNELS)
    channels = db.session.scalars(select(Channel)).all()
    assert {c.external_account_id for c in channels} == {row[2] for row in DEMO_CHANNELS}
    assert all(c.credentials_verified_at is not None for c in channels)
    assert connect_demo_channels() == 0  # idempotent
