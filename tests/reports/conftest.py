"""Fixtures of the report tests: a month of seeded interactions in agency A's workspace (tests.conftest.World)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from agency import db
from agency.inbox.models import Interaction
from tests.conftest import make_channel

BERLIN = ZoneInfo("Europe/Berlin")
MONTH = date(2026, 10, 1)
_ids = count(1)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@dataclass
class Seeded:
    """What was written, so that tests compute the expected figures themselves."""

    workspace: object
    channels: list
    items: list = field(default_factory=list)


def add_item(workspace, channel, created: datetime, *, kind="comment", text=None, answered_after=None,
             status=None, sentiment="neutral", tags=(), question=False, spam=False, own=False,
             due_after: timedelta | None = None, author_id=None) -> Interaction:
    n = next(_ids)
    responded = created + answered_after if answered_after is not None else None
    row = Interaction(
        agency_id=workspace.agency_id, workspace_id=workspace.id, channel_id=channel.id, platform=channel.platform,
        external_id=f"rep-{n}", kind=kind, author_name=f"Fan {n}", text=text or f"Beitrag Nummer {n}",
        platform_created_at=created, is_own=own, sentiment_label=sentiment, tags=list(tags), is_question=question,
        is_spam=spam, status=status or ("spam" if spam else ("replied" if responded else "open")),
        first_responded_at=responded, resolved_at=None,
        first_response_due_at=created + due_after if due_after is not None else None)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def seeded(world) -> Seeded:
    """October 2026 in Berlin (and a few items of the months before and after it), two channels."""
    ws = world.ws_a
    ws.timezone, ws.country, ws.subdivision = "Europe/Berlin", "DE", "BY"
    facebook = make_channel(ws, "facebook_page", name="Alpha Facebook")
    instagram = make_channel(ws, "instagram_business", name="Alpha Instagram")
    data = Seeded(ws, [facebook, instagram])
    hour = timedelta(hours=1)
    # Tuesdays in October 2026, in service hours: answered 10 to 50 minutes later.
    for week, day in enumerate((6, 13, 20, 27)):
        for i in range(5):
            created = berlin(2026, 10, day, 10, 5 * i)
            data.items.append(add_item(ws, facebook if i % 2 == 0 else instagram, created,
                                       kind="comment" if i < 3 else "direct_message",
                                       answered_after=timedelta(minutes=10 * (i + 1) + week),
                                       sentiment=("positive", "neutral", "negative", "positive", "neutral")[i],
                                       tags=("lieferung",) if i < 2 else ("preis",) if i == 2 else (),
                                       text=("Wann kommt meine Lieferung? Die Lieferung ist spät" if i == 0
                                             else f"Gutschein Rabatt Frage {week}-{i}"),
                                       question=i == 0, due_after=hour))
    # Open, never answered; one late answer (missed its hour).
    data.items.append(add_item(ws, facebook, berlin(2026, 10, 14, 9, 0), sentiment="negative", due_after=hour))
    data.items.append(add_item(ws, instagram, berlin(2026, 10, 15, 9, 0), answered_after=timedelta(hours=3),
                               kind="review", sentiment="negative", due_after=hour))
    # Spam and our own post: counted apart / not at all.
    data.items.append(add_item(ws, facebook, berlin(2026, 10, 16, 12, 0), spam=True, sentiment="neutral"))
    data.items.append(add_item(ws, facebook, berlin(2026, 10, 16, 13, 0), own=True))
    # Month edges in Berlin time: 31 Oct 23:30 is October; 30 Sep 23:30 is September (UTC says otherwise).
    data.items.append(add_item(ws, facebook, berlin(2026, 10, 31, 23, 30), sentiment="positive"))
    data.items.append(add_item(ws, facebook, berlin(2026, 9, 30, 23, 30), answered_after=timedelta(minutes=30)))
    data.items.append(add_item(ws, facebook, berlin(2026, 11, 1, 0, 30)))
    # September and August: the comparison months.
    for day in (8, 15):
        data.items.append(add_item(ws, facebook, berlin(2026, 9, day, 11, 0), answered_after=timedelta(minutes=60)))
    data.items.append(add_item(ws, facebook, berlin(2026, 8, 11, 11, 0), answered_after=timedelta(minutes=20)))
    # Another workspace of the same agency: never in ws_a's figures.
    other = make_channel(world.ws_a2, "facebook_page", name="Other")
    add_item(world.ws_a2, other, berlin(2026, 10, 6, 10, 0), answered_after=timedelta(minutes=1))
    return data


def in_month(items, first: datetime, end: datetime):
    return [i for i in items if first <= i.platform_created_at < end]
