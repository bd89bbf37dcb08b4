"""The demo agency's reply approval: answers to the bakery's negative public comments, and the bike shop's
replies while a crisis is open, wait for the account manager (Mia); the bakery's new items are assigned round robin
among its community managers on shift. Every workspace has two auto-moderation rules: spam with a link is hidden on
the platform at once, insults in negative comments are suggested for hiding; the first sync of the demo channels
fills the rules log (its recent spam is hidden, a few comments wait as suggestions)."""

from __future__ import annotations

from agency.accounts.models import User, Workspace
from agency.inbox.services import save_rule
from agency.moderation import approvals, assignment

SETTINGS = {
    "baeckerei-sonnenschein": {"mode": "rule", "approver": "staff", "rule_negative_public": True, "rule_tags": []},
    "radhaus-mueller": {"mode": "crisis", "approver": "staff", "rule_negative_public": True, "rule_tags": []},
}
AUTO_ASSIGNED = {"baeckerei-sonnenschein"}
#: (name, conditions, actions) of every demo workspace's auto-moderation rules.
RULES = (
    ("Spam-Links", {"is_spam": True, "has_link": True}, {"moderate": "hide", "mode": "act"}),
    ("Beleidigungen prüfen", {"sentiment": "negative", "text_contains": "betrug, abzocke, frechheit, schämt euch, "
                                                                         "scam, disgusting"},
     {"moderate": "hide", "mode": "suggest"}),
)


def seed(owner: User, workspaces: list[Workspace]) -> None:
    """Set the demo workspaces' approval modes (called once, when the demo agency is created)."""
    for workspace in workspaces:
        setting = SETTINGS.get(workspace.slug)
        if setting:
            approvals.save_settings(owner, workspace, **setting)
        if workspace.slug in AUTO_ASSIGNED:
            assignment.save_settings(owner, workspace, mode="round_robin", cap=15)
        for name, conditions, actions in RULES:
            save_rule(owner, workspace, name=name, conditions=dict(conditions), actions=dict(actions))
