"""Retainers: rollover arithmetic (properties), budget status with rounding and closed months, the forecast,
and alerts exactly once per threshold and month — also with two workers at once."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from agency import db
from agency.accounts.notifications import Notification
from agency.timetracking import approval, jobs
from agency.timetracking.budgets import (
    budget_status,
    carry_out,
    forecast,
    history,
    next_month,
    roll,
    working_days,
)
from agency.timetracking.models import BudgetAlert, Rollover, TimeEntry
from agency.timetracking.settings import save_workspace_settings, today
from tests.timetracking.conftest import activity_of, make_entry

budgets = st.integers(min_value=0, max_value=20_000)
usage = st.lists(st.integers(min_value=0, max_value=30_000), min_size=1, max_size=24)


@given(budgets, usage)
def test_without_rollover_nothing_carries(budget, used):
    assert all(pair == (0, 0) for pair in roll(Rollover.NONE, budget, used))


@given(budgets, usage)
def test_carrying_both_telescopes_to_total_budget_minus_total_use(budget, used):
    chain = roll(Rollover.BOTH, budget, used)
    assert chain[-1][1] == budget * len(used) - sum(used)
    for (_in, out), (next_in, _out) in pairwise(chain):
        assert out == next_in


@given(budgets, usage)
def test_carrying_unused_never_goes_negative_and_never_beats_carrying_both(budget, used):
    unused = roll(Rollover.UNUSED, budget, used)
    both = roll(Rollover.BOTH, budget, used)
    assert all(out >= 0 for _in, out in unused)
    assert all(u_out >= b_out for (_a, u_out), (_b, b_out) in zip(unused, both, strict=True))
    assert unused[-1][1] <= budget * len(used)  # never more than was ever budgeted


@given(budgets, st.integers(min_value=-50_000, max_value=50_000), st.integers(min_value=0, max_value=50_000))
def test_one_month_of_each_policy(budget, carry_in, used):
    assert carry_out(Rollover.NONE, budget, carry_in, used) == 0
    assert carry_out(Rollover.BOTH, budget, carry_in, used) == budget + carry_in - used
    assert carry_out(Rollover.UNUSED, budget, carry_in, used) == max(0, budget + carry_in - used)


def _month(offset: int, base: date) -> date:
    month = base.replace(day=1)
    for _ in range(abs(offset)):
        month = next_month(month) if offset > 0 else (month - timedelta(days=1)).replace(day=1)
    return month


def test_status_counts_billed_minutes_and_carries_month_by_month(world):
    this_month = today(world.agency_a).replace(day=1)
    two_ago, one_ago = _month(-2, this_month), _month(-1, this_month)
    save_workspace_settings(world.am_a, world.ws_a, rounding_minutes=15, budget_minutes=600,
                            rollover=Rollover.BOTH, thresholds=[80, 100], budget_starts_on=two_ago)
    make_entry(world.cm_a, world.ws_a, day=two_ago, minutes=405)  # a multiple of 15: 195 left
    make_entry(world.cm_a, world.ws_a, day=one_ago, minutes=700)  # 700 → 705 billed: 195 + 600 − 705 = 90
    make_entry(world.cm_a, world.ws_a, day=one_ago, minutes=50, billable=False)  # not against the budget
    make_entry(world.cm_a, world.ws_a, day=this_month, minutes=10)  # 10 → 15 billed
    status = budget_status(world.ws_a, this_month.year, this_month.month)
    assert (status.budget_minutes, status.carried_over_minutes, status.used_minutes) == (600, 90, 15)
    assert status.available_minutes == 690 and status.remaining_minutes == 675
    # The same figures month by month, and a closed month freezes them.
    rows = history(world.ws_a, this_month, count=3)
    assert [(r.carry_in, r.used, r.carry_out) for r in rows] == [(0, 405, 195), (195, 705, 90), (90, 15, 675)]
    approval.close_month(world.am_a, world.ws_a, two_ago)
    approval.close_month(world.am_a, world.ws_a, one_ago)
    assert budget_status(world.ws_a, this_month.year, this_month.month).carried_over_minutes == 90


def test_unused_policy_forgives_overruns(world):
    this_month = today(world.agency_a).replace(day=1)
    one_ago = _month(-1, this_month)
    save_workspace_settings(world.am_a, world.ws_a, rounding_minutes=0, budget_minutes=60, rollover=Rollover.UNUSED,
                            thresholds=[80, 100], budget_starts_on=one_ago)
    make_entry(world.cm_a, world.ws_a, day=one_ago, minutes=200)
    assert budget_status(world.ws_a, this_month.year, this_month.month).carried_over_minutes == 0


def test_per_activity_budgets_are_reported(world):
    this_month = today(world.agency_a).replace(day=1)
    content = activity_of(world.agency_a, "content")
    save_workspace_settings(world.am_a, world.ws_a, rounding_minutes=0, budget_minutes=600, rollover=Rollover.NONE,
                            thresholds=[80], budget_starts_on=None, activity_budgets={content.id: 120})
    make_entry(world.cm_a, world.ws_a, day=this_month, minutes=130, activity=content)
    status = budget_status(world.ws_a, this_month.year, this_month.month)
    assert status.activity_budgets == {content.id: 120} and status.activity_used[content.id] == 130


def test_forecast_extrapolates_by_working_days(world):
    month = date(2026, 12, 1)
    days = working_days(month, date(2026, 12, 31), "DE", world.ws_a.subdivision)
    # 10 working days in, 20 hours used: at this pace the month ends at 20 h × all/10.
    now_day = days[9]
    from datetime import UTC, datetime

    now = datetime(now_day.year, now_day.month, now_day.day, 12, tzinfo=UTC)
    assert forecast(1200, month, world.ws_a, now=now) == round(1200 * len(days) / 10)
    assert forecast(1200, date(2026, 10, 1), world.ws_a, now=now) == 1200  # a past month: what was used


def test_holidays_of_the_region_are_no_working_days():
    december = working_days(date(2026, 12, 1), date(2026, 12, 31), "DE", "BY")
    assert date(2026, 12, 25) not in december and date(2026, 12, 24) in december
    assert date(2026, 1, 6) not in working_days(date(2026, 1, 5), date(2026, 1, 9), "DE", "BY")  # Epiphany
    assert date(2026, 1, 6) in working_days(date(2026, 1, 5), date(2026, 1, 9), "DE", "NW")


def _budget(world, minutes=600):
    save_workspace_settings(world.am_a, world.ws_a, rounding_minutes=0, budget_minutes=minutes,
                            rollover=Rollover.NONE, thresholds=[80, 100], budget_starts_on=None)


def test_alerts_once_per_threshold_and_month(world):
    _budget(world)
    this_month = today(world.agency_a).replace(day=1)
    make_entry(world.cm_a, world.ws_a, day=this_month, minutes=500)  # 83 %
    assert jobs.check_budgets() == 1
    assert jobs.check_budgets() == 0
    make_entry(world.cm_a, world.ws_a, day=this_month, minutes=120)  # 103 %
    assert jobs.check_budgets() == 1
    assert jobs.check_budgets() == 0
    thresholds = sorted(db.session.scalars(select(BudgetAlert.threshold)))
    assert thresholds == [80, 100]
    notified = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "time.budget")))
    assert notified == {world.am_a.id}  # the workspace's account manager


def test_alerts_once_with_two_workers(_app, committed):
    """Two scans at once on committed data (own connections): each threshold alerts exactly once."""
    from agency.accounts.models import User, Workspace

    with _app.app_context(), db.tenant(db.session(), committed["agency"]):
        am = db.session.get(User, committed["am"])
        ws = db.session.get(Workspace, committed["ws1"])
        save_workspace_settings(am, ws, rounding_minutes=0, budget_minutes=600, rollover=Rollover.NONE,
                                thresholds=[50, 80, 100], budget_starts_on=None)
        make_entry(db.session.get(User, committed["cm"]), ws, day=today(am.agency), minutes=700)
        db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(2)
    results = []

    def worker():
        with _app.app_context():
            barrier.wait()
            results.append(jobs.scan_budgets.run_inline())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(results) == 3, results
    with _app.app_context(), db.system_scope("test: read back"):
        assert db.session.scalar(select(func.count(BudgetAlert.id)).where(
            BudgetAlert.workspace_id == committed["ws1"])) == 3
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.kind == "time.budget", Notification.user_id == committed["am"])) == 3
    db.session.remove()


def _totals_kept(workspace_ids) -> dict:
    rows = db.session.execute(text(
        "SELECT workspace_id, month, minutes, minutes_5, minutes_6, minutes_10, minutes_15 FROM time_month_usage "
        "WHERE workspace_id = ANY(:ids) AND (minutes, minutes_5, minutes_6, minutes_10, minutes_15) "
        "<> (0, 0, 0, 0, 0)"), {"ids": list(workspace_ids)})
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _totals_from_entries(workspace_ids) -> dict:
    """The same sums computed here in Python from the entries themselves (not by the database's trigger)."""
    found: dict = {}
    entries = db.session.scalars(select(TimeEntry).where(TimeEntry.workspace_id.in_(list(workspace_ids)),
                                                         TimeEntry.billable.is_(True)))
    for entry in entries:
        key = (entry.workspace_id, entry.work_date.replace(day=1))
        steps = [entry.minutes] + [-(-entry.minutes // step) * step for step in (5, 6, 10, 15)]
        found[key] = tuple(a + b for a, b in zip(found.get(key, (0,) * 5), steps, strict=True))
    return {key: value for key, value in found.items() if any(value)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["add", "edit", "move", "toggle", "delete"]),
                          st.integers(min_value=0, max_value=1440), st.integers(min_value=-70, max_value=0),
                          st.booleans()), min_size=1, max_size=12))
def test_month_totals_follow_every_write_of_entries(world, steps):
    """The trigger-kept month totals equal sums over the entries after any mix of inserts, edits, moves between
    months and workspaces, billable switches and deletes (the rollover of unclosed months reads them)."""
    base = today(world.agency_a).replace(day=1)
    spaces = (world.ws_a, world.ws_a2)
    written: list = []
    with db.session.begin_nested() as savepoint:
        for index, (action, minutes, offset, billable) in enumerate(steps):
            day = base + timedelta(days=offset)
            if action == "add" or not written:
                written.append(make_entry(world.cm_a, spaces[index % 2], day=day, minutes=minutes, billable=billable))
                continue
            entry = written[index % len(written)]
            if action == "edit":
                entry.minutes = minutes
            elif action == "move":
                entry.work_date, entry.workspace_id = day, spaces[(index + 1) % 2].id
            elif action == "toggle":
                entry.billable = not entry.billable
            else:
                db.session.delete(entry)
                written.remove(entry)
            db.session.flush()
        ids = [ws.id for ws in spaces]
        assert _totals_kept(ids) == _totals_from_entries(ids)
        savepoint.rollback()


def test_rollover_of_years_never_closed_uses_the_month_totals(world):
    """Two years of use without a close: the carried minutes equal the month-by-month rollover of the sums."""
    this_month = today(world.agency_a).replace(day=1)
    first = this_month
    for _ in range(24):
        first = _month(-1, first)
    save_workspace_settings(world.am_a, world.ws_a, rounding_minutes=6, budget_minutes=300, rollover=Rollover.BOTH,
                            thresholds=[80, 100], budget_starts_on=first)
    used, month = [], first
    for index in range(24):
        minutes = 100 + index * 17
        make_entry(world.cm_a, world.ws_a, day=month, minutes=minutes)
        used.append(-(-minutes // 6) * 6)
        month = next_month(month)
    expected = roll(Rollover.BOTH, 300, used)[-1][1]
    assert budget_status(world.ws_a, this_month.year, this_month.month).carried_over_minutes == expected
