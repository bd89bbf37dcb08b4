"""Helpers for moderation tests: channels on the sandbox, fan comments synced into the inbox, the job run inline."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agency import db
from agency.channels.services import connect_channel
from agency.inbox.jobs import run_sync
from agency.inbox.models import Interaction
from agency.moderation.jobs import run_action
from tests.conftest import unique_account, unique_youtube_channel
from tests.inbox.conftest import make_interaction  # noqa: F401  (a fixture these tests use too)


def run(row_or_id, agency_id: int | None = None) -> str:
    """Run the action's job inline (as a worker would, without RQ's retry wrapper)."""
    action_id = getattr(row_or_id, "id", row_or_id)
    agency_id = agency_id or row_or_id.agency_id
    return run_action.__wrapped__(agency_id, action_id)


def platform_log(platform, account_id: str) -> list[dict]:
    return platform.admin("GET", "moderation", account_id=account_id)["moderation"]


def platform_state(platform, account_id: str) -> dict:
    return platform.admin("GET", "moderation", account_id=account_id)["state"].get(account_id, {})


@pytest.fixture
def connect(platform, world):
    """``connect("facebook_page")``: a channel of ws_a on the sandbox with a little history, synced once."""

    def make(name: str = "facebook_page", workspace=None):
        account_id = unique_account()
        if name == "google_business_profile":
            account_id = f"accounts/{unique_account()}/locations/{unique_account()}"
        elif name == "youtube_channel":
            account_id = unique_youtube_channel()
        created = platform.add_account(name, account_id, name="Moderation Test", history_days=1, per_day=4)
        channel = connect_channel(world.owner_a, workspace or world.ws_a, platform=name, account_id=account_id,
                                  token=created["token"], name="Moderation Test", backfill_days=2)
        db.session.commit()
        run_sync(channel)
        return channel

    return make


@pytest.fixture
def fan_comment(platform):
    """``fan_comment(channel, text)``: a fan comments on the sandbox; the next sync brings it into the inbox."""

    def make(channel, text: str = "Das ist doch Betrug!", **fields) -> Interaction:
        kind = "review" if channel.platform == "google_business_profile" else "comment"
        record = platform.fan(channel.external_account_id, kind, text, **fields)
        run_sync(channel)
        found = db.session.scalars(select(Interaction).where(
            Interaction.channel_id == channel.id, Interaction.external_id == record["id"])).one()
        return found

    return make
