"""Helpers for SLA tests: a Berlin workspace with a channel, interactions ingested at known times."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.channels.models import Channel
from agency.inbox.models import Interaction

BERLIN = ZoneInfo("Europe/Berlin")
_ids = count(1)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def channel(world):
    """A Facebook Page of ws_a (Berlin, DE, Bavaria)."""
    ws = world.ws_a
    ws.timezone, ws.country, ws.subdivision = "Europe/Berlin", "DE", "BY"
    ch = Channel(agency_id=world.agency_a.id, workspace_id=ws.id, platform="facebook_page",
                 external_account_id=f"sla-page-{next(_ids)}", name="SLA Page", access_token="secret")
    db.session.add(ch)
    db.session.flush()
    return ch


@pytest.fixture
def ingest(channel):
    """Ingest one customer item through the real ingest (which sends interactions_received)."""
    from agency.inbox.ingest import ingest_items

    def run(created_at: datetime, *, kind: str = "comment", external_id: str | None = None, is_own: bool = False,
            parent: str | None = None, thread: str | None = None, text: str | None = None,
            on=None) -> Interaction:
        n = next(_ids)
        external_id = external_id or f"item-{n}"
        # Each item its own words: the same text again from the same author would be copy-paste spam.
        text = text or f"Wann habt ihr morgen geöffnet? (Frage {n})"
        item = PlatformItem(external_id=external_id, kind=kind, text=text, author_name="Erika Muster",
                            author_external_id="fan-1", created_at=created_at, parent_external_id=parent,
                            thread_external_id=thread, is_own=is_own)
        ingest_items(on or channel, [item])
        return db.session.scalars(select(Interaction).where(Interaction.channel_id == (on or channel).id,
                                                               Interaction.external_id == external_id)).one()

    return run


def fresh(interaction: Interaction) -> Interaction:
    db.session.refresh(interaction)
    return interaction
