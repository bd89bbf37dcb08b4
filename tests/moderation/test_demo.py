"""The demo agency comes with reply approval set up."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.moderation.models import ApprovalSettings, AssignmentSettings


def test_demo_seed_sets_reply_approval(app):
    from agency.demo import seed_demo

    assert seed_demo()
    modes = {row.mode for row in db.session.scalars(select(ApprovalSettings))}
    assert modes == {"rule", "crisis"}
    assert [(row.mode, row.cap) for row in db.session.scalars(select(AssignmentSettings))] == [("round_robin", 15)]
