"""Metrics on a small known data set, and the dashboard's counts."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from agency import db
from agency.sla import metrics, queries
from agency.sla.policy import Target
from agency.sla.services import record_response
from agency.sla.settings import save_policy
from tests.sla.conftest import berlin


@pytest.fixture
def dataset(world, ingest):
    save_policy(world.owner_a, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={("first_response", "comment", "normal"): Target(60, True)})
    fast = ingest(berlin(2025, 11, 19, 10, 0))            # answered after 30 min: met
    slow = ingest(berlin(2025, 11, 19, 10, 0))            # answered after 2 h: missed
    weekend = ingest(berlin(2025, 11, 21, 16, 30))        # Friday 16:30, answered Monday 09:30: met
    waiting = ingest(berlin(2025, 11, 20, 10, 0))         # never answered, long past due: missed
    ingest(berlin(2025, 11, 20, 10, 0), is_own=True)      # our own post: not counted
    ingest(berlin(2025, 12, 1, 10, 0))                    # next month: not counted
    record_response(fast, berlin(2025, 11, 19, 10, 30).astimezone(UTC))
    record_response(slow, berlin(2025, 11, 19, 12, 0).astimezone(UTC))
    record_response(weekend, berlin(2025, 11, 24, 9, 30).astimezone(UTC))
    slow.assignee_id = world.cm_a.id
    db.session.flush()
    return fast, slow, weekend, waiting


def test_workspace_metrics(world, channel, dataset):
    result = metrics.workspace_metrics(world.ws_a, berlin(2025, 11, 1, 0, 0), berlin(2025, 12, 1, 0, 0))
    assert (result.received, result.responded, result.open) == (4, 3, 4)
    assert result.response_rate == 0.75
    first = result.compliance["first_response"]
    assert (first.met, first.missed, first.rate) == (2, 2, 0.5)
    assert result.compliance["resolution"].rate is None
    wall = result.first_response_wall
    assert (wall.count, wall.mean, wall.median) == (3, 81000, 7200)
    assert wall.p90 == pytest.approx(188640)
    business = result.first_response_business
    assert (business.count, business.mean, business.median) == (3, 4200, 3600)
    assert business.p90 == pytest.approx(6480)
    assert result.breaches_by_kind == {"comment": 2}
    assert result.breaches_by_channel == [(channel.id, "SLA Page", 2)]
    assert sorted(result.breaches_by_assignee, key=str) == sorted(
        [(None, "", 1), (world.cm_a.id, world.cm_a.name, 1)], key=str)
    assert result.breached == 2


def test_empty_period(world):
    result = metrics.workspace_metrics(world.ws_a, berlin(2020, 1, 1, 0, 0), berlin(2020, 2, 1, 0, 0))
    assert result.received == 0 and result.response_rate is None and result.first_response_wall.mean is None


def test_dashboard_counts(world, ingest):
    save_policy(world.owner_a, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={("first_response", "comment", "normal"): Target(60, False)})
    now = db.utcnow()
    ingest(now - timedelta(minutes=50))   # at risk
    ingest(now - timedelta(minutes=90))   # breached
    ingest(now - timedelta(minutes=100))  # breached
    ingest(now)                           # on track
    assert queries.dashboard_counts([world.ws_a.id, world.ws_a2.id]) == {world.ws_a.id: (1, 2)}
    assert queries.dashboard_counts([]) == {}
