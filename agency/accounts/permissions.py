"""Roles and what each may do. One table; views and templates ask ``can()``."""

from __future__ import annotations

from agency.accounts.models import Role

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({
        "agency.manage", "users.manage", "workspaces.manage", "workspaces.view_all", "audit.view",
        "inbox.work", "channels.manage", "time.track", "time.approve", "time.reopen", "billing.manage",
        "reports.publish", "sla.manage", "privacy.manage", "inbox.export",
    }),
    Role.ADMIN: frozenset({
        "agency.manage", "users.manage", "workspaces.manage", "workspaces.view_all", "audit.view",
        "inbox.work", "channels.manage", "time.track", "time.approve", "time.reopen", "billing.manage",
        "reports.publish", "sla.manage", "privacy.manage", "inbox.export",
    }),
    Role.ACCOUNT_MANAGER: frozenset({
        "workspaces.manage", "inbox.work", "channels.manage", "time.track", "time.approve", "billing.manage",
        "reports.publish", "sla.manage", "privacy.manage", "inbox.export",
    }),
    Role.COMMUNITY_MANAGER: frozenset({"inbox.work", "time.track"}),
    Role.CLIENT: frozenset({"portal.view"}),
}

# Roles a user with the key may hand out (an admin cannot create an owner).
ASSIGNABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.OWNER: tuple(Role),
    Role.ADMIN: (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.COMMUNITY_MANAGER, Role.CLIENT),
}


def can(user, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in PERMISSIONS.get(user.role, frozenset())


def assignable_roles(user) -> tuple[str, ...]:
    return ASSIGNABLE_ROLES.get(user.role, ())
