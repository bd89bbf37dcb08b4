"""The demo seeds 60 days of time for every staff member, retainers near 80 % and over budget, and plans."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.accounts.models import Agency, Workspace
from agency.timetracking.budgets import budget_statuses
from agency.timetracking.models import PlannedTime, TimeEntry
from agency.timetracking.settings import today


def test_demo_seed(app):
    from agency.demo import DEMO_AGENCY_SLUG, seed_demo

    assert seed_demo()
    agency = db.session.scalar(select(Agency).where(Agency.slug == DEMO_AGENCY_SLUG))
    workspaces = list(db.session.scalars(select(Workspace).where(Workspace.agency_id == agency.id)
                                         .order_by(Workspace.id)))
    people = set(db.session.scalars(select(TimeEntry.user_id).where(TimeEntry.agency_id == agency.id)))
    assert len(people) == 4  # every staff member
    sources = set(db.session.scalars(select(TimeEntry.source).where(TimeEntry.agency_id == agency.id)))
    assert sources == {"timer", "manual", "inbox"}
    assert db.session.scalar(select(func.count(TimeEntry.id)).where(TimeEntry.agency_id == agency.id)) > 300
    statuses = budget_statuses(workspaces, today(agency).replace(day=1))
    percents = [statuses[w.id].percent_used for w in workspaces]
    if today(agency).day > 3:  # early in a month there is too little time for the shape
        assert 70 <= percents[0] <= 90, percents
        assert percents[1] > 100, percents
    assert db.session.scalar(select(func.count(PlannedTime.id))) > 0
