"""Personal access tokens: created in the profile (the secret shown once), looked up by their SHA-256,
scoped per area (read or write), with an expiry; revoked by their owner."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agency import audit, db
from agency.accounts.models import User
from agency.api.models import ApiToken
from agency.errors import ValidationError

#: The areas a token can be allowed to read or write, with what each covers (shown in the profile).
AREAS = {
    "workspaces": _l("Workspaces and their channels"),
    "interactions": _l("Interactions: list, assign, tag, status, replies, notes"),
    "time": _l("Time entries, timer and budgets"),
    "webhooks": _l("Webhook subscriptions and their deliveries"),
    "billing": _l("Invoices and their PDF and XML files"),
    "reports": _l("Monthly reports and their published PDFs"),
}
ACCESS = ("read", "write")
#: Areas the API only reads: invoices and reports change through their pages (finalising, publishing).
READ_ONLY_AREAS = frozenset({"billing", "reports"})
SCOPES = tuple(f"{area}:{access}" for area in AREAS for access in ACCESS
               if access == "read" or area not in READ_ONLY_AREAS)
PREFIX = "agy_"
MAX_NAME = 80
MAX_DAYS = 366
MAX_TOKENS_PER_USER = 50
# last_used_at is written at most this often per token: an API client's every call must not be a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def allows(token: ApiToken, area: str, access: str) -> bool:
    """Whether the token may ``access`` ("read"/"write") ``area``; write includes read."""
    granted = set(token.scopes)
    return f"{area}:write" in granted or (access == "read" and f"{area}:read" in granted)


def create_token(actor: User, *, name: str, scopes: list[str], expires_in_days: int | None) -> tuple[ApiToken, str]:
    """A new token for ``actor``; returns it with its secret (never stored, shown once)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the token a name."), "name")
    if len(name) > MAX_NAME:
        raise ValidationError(_("At most %(n)d characters.", n=MAX_NAME), "name")
    chosen = sorted(set(scopes))
    if not chosen or any(s not in SCOPES for s in chosen):
        raise ValidationError(_("Choose at least one area and what the token may do there."), "scopes")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise ValidationError(_("A token expires after 1 to %(n)d days.", n=MAX_DAYS), "expires_in_days")
    active = db.session.scalar(select(db.func.count(ApiToken.id)).where(
        ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_TOKENS_PER_USER:
        raise ValidationError(_("You have %(n)d tokens; revoke one first.", n=active), "name")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = db.utcnow()
    token = ApiToken(agency_id=actor.agency_id, user_id=actor.id, name=name, token_hash=digest(secret),
                     prefix=secret[:10], scopes=chosen,
                     expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    db.session.add(token)
    db.session.flush()
    audit.record("api.token_created", agency_id=actor.agency_id, actor=actor, object_type="api_token",
                 object_id=token.id, details={"name": name, "scopes": chosen})
    return token, secret


def revoke(actor: User, token: ApiToken) -> None:
    """Stop ``token`` working at once (kept for the record)."""
    if token.user_id != actor.id:
        raise ValidationError(_("Only its owner can revoke a token."))
    if token.revoked_at is None:
        token.revoked_at = db.utcnow()
        audit.record("api.token_revoked", agency_id=actor.agency_id, actor=actor, object_type="api_token",
                     object_id=token.id, details={"name": token.name})
    db.session.flush()


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def is_usable(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or db.utcnow()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def authenticate(secret: str, ip: str = "") -> tuple[ApiToken, User] | None:
    """The live token and its active user for a presented secret, or None.

    The agency is not known before the token is found: the lookup is the one cross-agency step.
    """
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    with db.system_scope("api: find the agency of a bearer token"):
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
        if token is None:
            return None
        user = db.session.get(User, token.user_id)
    now = db.utcnow()
    if not is_usable(token, now) or user is None or not user.is_active or not user.is_staff:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        token.last_used_at = now
        token.last_used_ip = ip[:45] or None
    return token, user
