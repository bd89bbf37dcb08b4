"""Any order and any repetition of an item's deliveries ends in the same state (property-based).

Deliveries of one comment: the add, two edits, the removal (webhooks, dated by the platform's change time)
and copies read by syncs before the first edit, between the last edit and the removal, and after the
removal (the platform shows it again). Whatever order they arrive in, one by one or in one page, the
stored item shows the newest text seen, and it is deleted exactly when a removal came and no sync read
the item after it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from agency import db
from agency.channels.connectors.base import PlatformItem
from agency.channels.models import Channel
from agency.inbox.ingest import ingest_items
from agency.inbox.models import Interaction

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)

# name: (text, seconds after T0, kind of delivery)
DELIVERIES = {
    "add": ("Erst so", 0, "change"),
    "edit-1": ("Dann so", 60, "change"),
    "edit-2": ("Zuletzt so", 120, "change"),
    "remove": ("", 180, "removal"),
    "read-early": ("Erst so", 30, "read"),
    "read-late": ("Zuletzt so", 150, "read"),
    "read-after-removal": ("Zuletzt so", 240, "read"),
}


def _delivery(name: str, external_id: str) -> tuple[PlatformItem, datetime | None]:
    text, seconds, kind = DELIVERIES[name]
    at = T0 + timedelta(seconds=seconds)
    edited = name.startswith("edit") or kind == "removal"
    item = PlatformItem(external_id=external_id, kind="comment", text=text, author_name="Greta Gast",
                        author_external_id="5551234", created_at=T0 if kind != "removal" else at,
                        updated_at=at if edited else None, is_deleted=kind == "removal")
    return item, at if kind == "read" else None


def _expected(names: list[str]) -> tuple[str, bool]:
    """The newest text seen; deleted when a removal came and nothing read the item after it."""
    seen = [n for n in names if DELIVERIES[n][2] != "removal"]
    if not seen:
        return "", True
    newest = max(seen, key=lambda n: (DELIVERIES[n][1], n.startswith("edit")))
    removed = "remove" in names and all(DELIVERIES[n][1] < DELIVERIES["remove"][1] for n in seen)
    return DELIVERIES[newest][0], removed


def _state(channel_id: int, external_id: str) -> tuple[str, bool]:
    db.session.expire_all()
    row = db.session.scalars(select(Interaction).where(Interaction.channel_id == channel_id,
                                                       Interaction.external_id == external_id)).one()
    return row.text, row.is_deleted


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(sorted(DELIVERIES)), min_size=1, max_size=8))
@example(names=["edit-2", "read-after-removal", "remove"])  # a read showing nothing new still dates the item
@example(names=["remove", "edit-1", "add", "read-early"])
def test_any_order_and_repetition_of_deliveries_ends_in_the_newest_state(world, names):
    channel = db.session.scalars(select(Channel).where(Channel.workspace_id == world.ws_a.id)).first()
    if channel is None:
        channel = Channel(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, platform="facebook_page",
                          external_account_id="order-page", name="Order Page", access_token="secret")
        db.session.add(channel)
        db.session.flush()
    expected = _expected(names)

    one_by_one = f"one-{next(_ids)}"
    for name in names:
        item, observed_at = _delivery(name, one_by_one)
        ingest_items(channel, [item], observed_at=observed_at)
    assert _state(channel.id, one_by_one) == expected, names

    # Delivered again, newest first: nothing changes.
    for name in reversed(names):
        item, observed_at = _delivery(name, one_by_one)
        ingest_items(channel, [item], observed_at=observed_at)
    assert _state(channel.id, one_by_one) == expected, names

    # The webhook deliveries (no read time) in one batch, as a page carrying duplicates would bring them.
    changes = [n for n in names if DELIVERIES[n][2] != "read"]
    if changes:
        in_one_page = f"page-{next(_ids)}"
        ingest_items(channel, [_delivery(name, in_one_page)[0] for name in changes])
        assert _state(channel.id, in_one_page) == _expected(changes), changes
