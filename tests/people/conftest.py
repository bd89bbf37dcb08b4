"""Helpers for people tests: fan interactions with platform author ids on channels of a workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import select

from agency import db
from agency.inbox.models import Interaction
from agency.people import services
from agency.people.models import Person, PersonIdentity
from tests.inbox.conftest import make_interaction  # noqa: F401  (fixtures these tests use too)
from tests.moderation.conftest import connect, fan_comment  # noqa: F401

_ids = count(1)


@pytest.fixture
def said(app):
    """``said(channel, author_id, text, minutes_ago=0)``: an interaction of that author on that channel."""

    def make(channel, author_id: str, text: str = "Hallo", *, minutes_ago: float = 0, name: str | None = None,
             **fields) -> Interaction:
        n = next(_ids)
        row = Interaction(agency_id=channel.agency_id, workspace_id=channel.workspace_id, channel_id=channel.id,
                          platform=channel.platform, external_id=f"pp-{n}", kind=fields.pop("kind", "comment"),
                          author_name=name or f"Fan {author_id}", author_external_id=author_id, text=text,
                          platform_created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago), **fields)
        db.session.add(row)
        db.session.flush()
        return row

    return make


def person_of(workspace, platform: str, author_id: str) -> Person | None:
    """The person who has this identity (after linking the workspace's authors)."""
    services.link_authors(workspace.agency_id, workspace.id)
    person_id = db.session.scalar(select(PersonIdentity.person_id).where(
        PersonIdentity.workspace_id == workspace.id, PersonIdentity.platform == platform,
        PersonIdentity.author_external_id == author_id))
    return db.session.get(Person, person_id) if person_id else None
