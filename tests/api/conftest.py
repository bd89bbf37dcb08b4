"""Fixtures of the API tests: tokens for the world's users, interactions to list, an authorised client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency import db
from agency.api import tokens
from agency.inbox.models import Interaction
from tests.conftest import make_channel

ALL_SCOPES = list(tokens.SCOPES)


def make_token(user, scopes=None, *, days: int | None = 30) -> str:
    _token, secret = tokens.create_token(user, name="test", scopes=scopes or ALL_SCOPES, expires_in_days=days)
    db.session.flush()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


_seq = {"n": 0}


def make_interaction(workspace, channel=None, *, text: str = "Wann öffnet ihr?", minutes_ago: int = 5, **fields):
    _seq["n"] += 1
    channel = channel or make_channel(workspace)
    item = Interaction(agency_id=workspace.agency_id, workspace_id=workspace.id, channel_id=channel.id,
                       platform=channel.platform, external_id=f"ext-{_seq['n']}", kind=fields.pop("kind", "comment"),
                       author_name=fields.pop("author_name", "Erika Muster"),
                       author_external_id=fields.pop("author_external_id", "fan-1"), text=text,
                       platform_created_at=db.utcnow() - timedelta(minutes=minutes_ago),
                       status=fields.pop("status", "new"), **fields)
    db.session.add(item)
    db.session.flush()
    return item


class Api:
    """A test client that sends a bearer token with every request."""

    def __init__(self, client, secret: str):
        self.client, self.headers = client, bearer(secret)

    def __getattr__(self, method):
        def call(path, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)(path, headers=headers, **kwargs)

        return call


@pytest.fixture
def api(app, world):
    """The owner of agency A with every scope (committed so the requests see it)."""
    secret = make_token(world.owner_a)
    db.session.commit()
    return Api(app.test_client(), secret)
