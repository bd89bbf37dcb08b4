"""Helpers for inbox tests: interactions in agency A's workspace, a synced sandbox channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from agency import db
from agency.inbox.models import Interaction

_ids = count(1)


@pytest.fixture
def make_interaction(app):
    def make(workspace, *, text="Hallo", kind="comment", minutes_ago=0, channel=None, **fields):
        n = next(_ids)
        row = Interaction(agency_id=workspace.agency_id, workspace_id=workspace.id,
                          channel_id=channel.id if channel else None, platform="facebook_page",
                          external_id=fields.pop("external_id", f"it-{n}"), kind=kind,
                          author_name=fields.pop("author_name", f"Fan {n}"), text=text,
                          platform_created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago), **fields)
        db.session.add(row)
        db.session.flush()
        return row

    return make


@pytest.fixture
def synced_channel(platform, world):
    """A Facebook Page of ws_a on the sandbox, synced once (comments, replies, DMs, ratings)."""
    from agency.channels.services import connect_channel
    from agency.inbox.jobs import run_sync
    from tests.conftest import unique_account

    created = platform.add_account("facebook_page", unique_account("ib"), name="Inbox Page", history_days=2,
                                   per_day=30)
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=created["account_id"],
                              token=created["token"], backfill_days=3)
    db.session.commit()
    run_sync(channel)
    return channel
