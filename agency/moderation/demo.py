"""The demo agency's reply approval: answers to the bakery's negative public comments, and the bike shop's
replies while a crisis is open, wait for the account manager (Mia)."""

from __future__ import annotations

from agency.accounts.models import User, Workspace
from agency.moderation import approvals

SETTINGS = {
    "baeckerei-sonnenschein": {"mode": "rule", "approver": "staff", "rule_negative_public": True, "rule_tags": []},
    "radhaus-mueller": {"mode": "crisis", "approver": "staff", "rule_negative_public": True, "rule_tags": []},
}


def seed(owner: User, workspaces: list[Workspace]) -> None:
    """Set the demo workspaces' approval modes (called once, when the demo agency is created)."""
    for workspace in workspaces:
        setting = SETTINGS.get(workspace.slug)
        if setting:
            approvals.save_settings(owner, workspace, **setting)
