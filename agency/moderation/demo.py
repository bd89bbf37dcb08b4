"""The demo agency's reply approval: answers to the bakery's negative public comments, and the bike shop's
replies while a crisis is open, wait for the account manager (Mia); the bakery's new items are assigned round robin
among its community managers on shift."""

from __future__ import annotations

from agency.accounts.models import User, Workspace
from agency.moderation import approvals, assignment

SETTINGS = {
    "baeckerei-sonnenschein": {"mode": "rule", "approver": "staff", "rule_negative_public": True, "rule_tags": []},
    "radhaus-mueller": {"mode": "crisis", "approver": "staff", "rule_negative_public": True, "rule_tags": []},
}
AUTO_ASSIGNED = {"baeckerei-sonnenschein"}


def seed(owner: User, workspaces: list[Workspace]) -> None:
    """Set the demo workspaces' approval modes (called once, when the demo agency is created)."""
    for workspace in workspaces:
        setting = SETTINGS.get(workspace.slug)
        if setting:
            approvals.save_settings(owner, workspace, **setting)
        if workspace.slug in AUTO_ASSIGNED:
            assignment.save_settings(owner, workspace, mode="round_robin", cap=15)
