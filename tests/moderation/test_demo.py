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


def test_demo_seed_adds_an_auto_hide_and_a_suggest_rule_per_workspace(app):
    from agency.demo import seed_demo
    from agency.inbox.models import InboxRule

    assert seed_demo()
    rules = db.session.scalars(select(InboxRule)).all()
    per_workspace: dict[int, set] = {}
    for rule in rules:
        if rule.actions.get("moderate"):
            per_workspace.setdefault(rule.workspace_id, set()).add((rule.actions["moderate"], rule.actions["mode"]))
    assert len(per_workspace) == 3
    assert all(modes == {("hide", "act"), ("hide", "suggest")} for modes in per_workspace.values())
