"""Helpers for community tests: interactions in agency A's workspace, a tone guide, experts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from agency import db
from agency.channels.models import Channel
from agency.inbox.models import Interaction

_ids = count(1)


@pytest.fixture
def make_interaction(app):
    def make(workspace, *, text="Hallo", kind="comment", minutes_ago=0, channel=None, **fields):
        n = next(_ids)
        row = Interaction(agency_id=workspace.agency_id, workspace_id=workspace.id,
                          channel_id=channel.id if channel else None, platform="facebook_page",
                          external_id=fields.pop("external_id", f"cm-{n}"), kind=kind,
                          author_name=fields.pop("author_name", f"Anna Fan{n}"), text=text,
                          platform_created_at=fields.pop("created_at", None)
                          or datetime.now(UTC) - timedelta(minutes=minutes_ago), **fields)
        db.session.add(row)
        db.session.flush()
        return row

    return make


@pytest.fixture
def channel_a(world):
    ch = Channel(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, platform="facebook_page",
                 external_account_id=f"cm-page-{next(_ids)}", name="Alpha Page", access_token="secret")
    db.session.add(ch)
    db.session.flush()
    return ch


@pytest.fixture
def guide_a(world):
    from agency.community.services import voice

    world.ws_a.address_form = "sie"
    return voice.save_guide(world.owner_a, world.ws_a, address_form="sie", persona_name="Lena",
                            persona_role="Community-Team", signature_template="^{persona}",
                            preferred_words=["gern"], banned=[{"phrase": "Problem", "suggestion": "Anliegen"}],
                            brands=["Du darfst"], emoji_policy="sparingly", typical_length=300,
                            guide_markdown="# Ton\n\n**Freundlich**, nie *flapsig*.")


@pytest.fixture
def expert_a(world):
    from agency.community.services import escalations

    return escalations.save_expert(world.owner_a, world.ws_a, name="Dr. Vera Weber", email="vera.weber@alpha.test",
                                   phone="+49 30 1234", topics=["Allergene", "Rezepte"],
                                   availability="Mo–Do 9–15 Uhr")
