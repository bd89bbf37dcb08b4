"""Writes for agencies, users, workspaces, memberships and 2FA.

Every function takes the actor (and so the agency) explicitly, flushes but never
commits, and records an audit event for admin changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from zoneinfo import available_timezones

from flask_babel import gettext as _
from sqlalchemy import func, select

from agency import audit, db
from agency.accounts import passwords, twofactor
from agency.accounts.models import (
    ADDRESS_FORMS,
    LOCALES,
    Agency,
    Membership,
    RecoveryCode,
    Role,
    User,
    Workspace,
)
from agency.accounts.permissions import assignable_roles
from agency.errors import ValidationError

_TIMEZONES = frozenset(available_timezones())
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_RESERVED_SLUGS = frozenset({"new", "edit", "archive", "all", "admin", "api", "static"})


def slugify(text: str, max_length: int = 64) -> str:
    """ASCII slug; German umlauts become ae/oe/ue/ss rather than vanishing."""
    text = text.lower()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:max_length].strip("-") or "x"


def validate_timezone(tz: str) -> str:
    if tz not in _TIMEZONES:
        raise ValidationError(_("Unknown time zone."), "timezone")
    return tz


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_password(password: str, email: str, name: str) -> None:
    problems = passwords.password_problems(password, email=email, name=name)
    if problems:
        raise ValidationError(" ".join(problems), "password")


def email_taken(email: str, exclude_user_id: int | None = None) -> bool:
    """Whether any agency has a user with this address (addresses log in, so they are unique everywhere)."""
    stmt = select(User.id).where(func.lower(User.email) == normalise_email(email))
    if exclude_user_id is not None:
        stmt = stmt.where(User.id != exclude_user_id)
    with db.system_scope("e-mail addresses are unique across agencies"):
        return db.session.execute(stmt).first() is not None


# --- agencies -------------------------------------------------------------------------

def create_agency(name: str, owner_email: str, owner_name: str, password: str, *, slug: str | None = None,
                  locale: str = "de", timezone: str = "Europe/Berlin", currency: str = "EUR") -> tuple[Agency, User]:
    """A new tenant with its first owner."""
    name = name.strip()
    if not name:
        raise ValidationError(_("A name is required."), "name")
    slug = _unique_agency_slug(slug or slugify(name))
    if locale not in LOCALES:
        raise ValidationError(_("Unknown language."), "locale")
    validate_timezone(timezone)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValidationError(_("Use a three-letter ISO currency code such as EUR."), "currency")
    agency = Agency(name=name, slug=slug, default_locale=locale, timezone=timezone, currency=currency)
    db.session.add(agency)
    db.session.flush()
    owner = _new_user(agency, owner_email, owner_name, Role.OWNER, password, locale)
    audit.record("agency.created", agency_id=agency.id, actor=owner, obj=agency, details={"name": name})
    return agency, owner


def _unique_agency_slug(base: str) -> str:
    base = slugify(base)
    candidate, n = base, 1
    while db.session.execute(select(Agency.id).where(Agency.slug == candidate)).first():
        n += 1
        candidate = f"{base[:58]}-{n}"
    return candidate


def update_agency(actor: User, agency: Agency, *, ip: str = "", **changes) -> Agency:
    """Change agency settings (name, locale, time zone, currency, colour, 2FA enforcement, logo)."""
    allowed = {"name", "default_locale", "timezone", "currency", "primary_color", "require_2fa",
               "logo_data", "logo_mimetype"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown agency settings: {sorted(unknown)}")
    if "timezone" in changes:
        validate_timezone(changes["timezone"])
    if "primary_color" in changes and not re.fullmatch(r"#[0-9a-fA-F]{6}", changes["primary_color"] or ""):
        raise ValidationError(_("Use a colour like #2f5d8a."), "primary_color")
    before = {k: getattr(agency, k) for k in changes if k != "logo_data"}
    for key, value in changes.items():
        setattr(agency, key, value)
    db.session.flush()
    after = {k: getattr(agency, k) for k in changes if k != "logo_data"}
    audit.record("agency.updated", agency_id=agency.id, actor=actor, obj=agency, ip=ip,
                 details={"before": before, "after": after, "logo_changed": "logo_data" in changes})
    return agency


# --- users ----------------------------------------------------------------------------

def _new_user(agency: Agency, email: str, name: str, role: str, password: str | None, locale: str | None) -> User:
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise ValidationError(_("A name is required."), "name")
    if role not in set(Role):
        raise ValidationError(_("Unknown role."), "role")
    if email_taken(email):
        raise ValidationError(_("A user with this e-mail address already exists."), "email")
    user = User(agency_id=agency.id, email=email, name=name, role=role, locale=locale)
    if password is not None:
        _check_password(password, email, name)
        user.password_hash = passwords.hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _workspaces_of_agency(agency_id: int, workspace_ids: Iterable[int]) -> list[Workspace]:
    ids = {int(i) for i in workspace_ids}
    if not ids:
        return []
    found = db.session.scalars(
        select(Workspace).where(Workspace.agency_id == agency_id, Workspace.id.in_(ids))
    ).all()
    if len(found) != len(ids):
        raise ValidationError(_("Choose workspaces of your agency."), "workspaces")
    return list(found)


def _check_role_change(actor: User, role: str) -> None:
    if role not in assignable_roles(actor):
        raise ValidationError(_("You cannot give this role."), "role")


def create_user(actor: User, *, email: str, name: str, role: str, password: str | None = None,
                workspace_ids: Iterable[int] = (), locale: str | None = None, ip: str = "") -> User:
    """Create a staff or client user in the actor's agency.

    Without a password the user is invited: they set one through the invitation link.
    A client user belongs to exactly one workspace.
    """
    _check_role_change(actor, role)
    workspaces = _workspaces_of_agency(actor.agency_id, workspace_ids)
    if role == Role.CLIENT and len(workspaces) != 1:
        raise ValidationError(_("A client user belongs to exactly one workspace."), "workspaces")
    user = _new_user(actor.agency, email, name, role, password, locale)
    for ws in workspaces:
        db.session.add(Membership(agency_id=actor.agency_id, user_id=user.id, workspace_id=ws.id))
    db.session.flush()
    audit.record("user.created", agency_id=actor.agency_id, actor=actor, obj=user, ip=ip,
                 details={"email": user.email, "role": role, "workspaces": [w.slug for w in workspaces],
                          "invited": password is None})
    return user


def update_user(actor: User, user: User, *, name: str, role: str, workspace_ids: Iterable[int],
                locale: str | None = None, ip: str = "") -> User:
    """Change a user's name, role, language and workspace assignments."""
    if role != user.role:
        _check_role_change(actor, role)
        if user.role == Role.OWNER and role != Role.OWNER:
            _ensure_other_owner(user)
        if user.role == Role.OWNER and actor.role != Role.OWNER:
            raise ValidationError(_("Only an owner can change an owner."), "role")
    workspaces = _workspaces_of_agency(actor.agency_id, workspace_ids)
    if role == Role.CLIENT and len(workspaces) != 1:
        raise ValidationError(_("A client user belongs to exactly one workspace."), "workspaces")
    if not name.strip():
        raise ValidationError(_("A name is required."), "name")
    before = {"name": user.name, "role": user.role, "locale": user.locale,
              "workspaces": sorted(m.workspace.slug for m in user.memberships)}
    user.name, user.role, user.locale = name.strip(), role, locale
    wanted = {w.id for w in workspaces}
    for membership in list(user.memberships):
        if membership.workspace_id not in wanted:
            user.memberships.remove(membership)
    have = {m.workspace_id for m in user.memberships}
    for ws in workspaces:
        if ws.id not in have:
            user.memberships.append(Membership(agency_id=user.agency_id, workspace_id=ws.id))
    if role != before["role"]:
        user.session_generation += 1  # a changed role starts from a fresh login
    db.session.flush()
    after = {"name": user.name, "role": user.role, "locale": user.locale,
             "workspaces": sorted(w.slug for w in workspaces)}
    audit.record("user.updated", agency_id=actor.agency_id, actor=actor, obj=user, ip=ip,
                 details={"before": before, "after": after})
    return user


def _ensure_other_owner(user: User) -> None:
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.agency_id == user.agency_id, User.role == Role.OWNER, User.id != user.id,
            User.is_active_user.is_(True),
        )
    )
    if not others:
        raise ValidationError(_("An agency needs at least one active owner."), "role")


def set_user_active(actor: User, user: User, active: bool, *, ip: str = "") -> User:
    """Deactivate (ending every session of the user at once) or reactivate a user."""
    if user.id == actor.id and not active:
        raise ValidationError(_("You cannot deactivate yourself."))
    if not active and user.role == Role.OWNER:
        if actor.role != Role.OWNER:
            raise ValidationError(_("Only an owner can change an owner."))
        _ensure_other_owner(user)
    if user.is_active_user == active:
        return user
    user.is_active_user = active
    user.session_generation += 1
    db.session.flush()
    audit.record("user.activated" if active else "user.deactivated", agency_id=actor.agency_id,
                 actor=actor, obj=user, ip=ip, details={"email": user.email})
    return user


def set_password(user: User, new_password: str, *, actor: User | None = None, ip: str = "",
                 current_password: str | None = None) -> None:
    """Set a password (checking the current one when given); ends the user's other sessions."""
    if current_password is not None and not passwords.verify_password(user.password_hash, current_password):
        raise ValidationError(_("The current password is not correct."), "current_password")
    _check_password(new_password, user.email, user.name)
    user.password_hash = passwords.hash_password(new_password)
    user.session_generation += 1
    db.session.flush()
    audit.record("user.password_changed", agency_id=user.agency_id, actor=actor or user, obj=user, ip=ip)


def set_user_locale(user: User, locale: str | None) -> None:
    if locale is not None and locale not in LOCALES:
        raise ValidationError(_("Unknown language."), "locale")
    user.locale = locale
    db.session.flush()


# --- two-factor -------------------------------------------------------------------------

def enable_totp(user: User, secret: str, code: str, *, ip: str = "") -> list[str]:
    """Turn on 2FA after the user proved their app has ``secret``; returns fresh recovery codes."""
    counter = twofactor.verify_totp(secret, code, last_counter=None)
    if counter is None:
        raise ValidationError(_("That code is not valid. Check the time on your phone and try again."), "code")
    user.totp_secret = secret
    user.totp_enabled_at = db.utcnow()
    user.totp_last_counter = counter
    codes = _replace_recovery_codes(user)
    audit.record("user.2fa_enabled", agency_id=user.agency_id, actor=user, obj=user, ip=ip)
    return codes


def disable_totp(user: User, password: str, *, actor: User | None = None, ip: str = "") -> None:
    if actor is None and not passwords.verify_password(user.password_hash, password):
        raise ValidationError(_("The password is not correct."), "password")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    for code in _recovery_codes(user):
        db.session.delete(code)
    db.session.flush()
    audit.record("user.2fa_disabled", agency_id=user.agency_id, actor=actor or user, obj=user, ip=ip)


def regenerate_recovery_codes(user: User, *, ip: str = "") -> list[str]:
    codes = _replace_recovery_codes(user)
    audit.record("user.recovery_codes_regenerated", agency_id=user.agency_id, actor=user, obj=user, ip=ip)
    return codes


def _recovery_codes(user: User) -> list[RecoveryCode]:
    return list(db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)))


def _replace_recovery_codes(user: User) -> list[str]:
    for old in _recovery_codes(user):
        db.session.delete(old)
    codes = twofactor.new_recovery_codes()
    for code in codes:
        db.session.add(RecoveryCode(agency_id=user.agency_id, user_id=user.id,
                                    code_hash=twofactor.hash_recovery_code(code)))
    db.session.flush()
    return codes


def check_second_factor(user: User, code: str, *, ip: str = "") -> bool:
    """Accept a TOTP code or an unused recovery code (which is then spent)."""
    if not user.totp_secret:
        return False
    counter = twofactor.verify_totp(user.totp_secret, code, last_counter=user.totp_last_counter)
    if counter is not None:
        user.totp_last_counter = counter
        db.session.flush()
        return True
    digest = twofactor.hash_recovery_code(code)
    row = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest,
                                   RecoveryCode.used_at.is_(None)).with_for_update()
    ).first()
    if row is None:
        return False
    row.used_at = db.utcnow()
    db.session.flush()
    audit.record("user.recovery_code_used", agency_id=user.agency_id, actor=user, obj=user, ip=ip)
    return True


def unused_recovery_code_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0


# --- workspaces -----------------------------------------------------------------------

def _validate_workspace_fields(agency_id: int, *, name: str, slug: str, timezone: str, locale: str,
                               address_form: str, exclude_id: int | None = None) -> str:
    if not name.strip():
        raise ValidationError(_("A name is required."), "name")
    slug = slug.strip().lower()
    if not _SLUG_RE.fullmatch(slug) or slug in _RESERVED_SLUGS:
        raise ValidationError(_("Use lower-case letters, digits and hyphens (not at the ends)."), "slug")
    stmt = select(Workspace.id).where(Workspace.agency_id == agency_id, Workspace.slug == slug)
    if exclude_id is not None:
        stmt = stmt.where(Workspace.id != exclude_id)
    if db.session.execute(stmt).first():
        raise ValidationError(_("Another workspace already uses this short name."), "slug")
    validate_timezone(timezone)
    if locale not in LOCALES:
        raise ValidationError(_("Unknown language."), "locale")
    if address_form not in ADDRESS_FORMS:
        raise ValidationError(_("Choose Sie or du."), "address_form")
    return slug


def create_workspace(actor: User, *, name: str, slug: str | None = None, timezone: str = "Europe/Berlin",
                     locale: str = "de", address_form: str = "sie", country: str = "DE",
                     subdivision: str | None = None, ip: str = "") -> Workspace:
    """A new client workspace; the creator is assigned to it unless they see all workspaces."""
    slug = _validate_workspace_fields(actor.agency_id, name=name, slug=slug or slugify(name), timezone=timezone,
                                      locale=locale, address_form=address_form)
    ws = Workspace(agency_id=actor.agency_id, name=name.strip(), slug=slug, timezone=timezone, locale=locale,
                   address_form=address_form, country=country, subdivision=subdivision or None)
    db.session.add(ws)
    db.session.flush()
    if not actor.sees_all_workspaces and actor.is_staff:
        db.session.add(Membership(agency_id=actor.agency_id, user_id=actor.id, workspace_id=ws.id))
        db.session.flush()
    audit.record("workspace.created", agency_id=actor.agency_id, actor=actor, obj=ws, ip=ip,
                 details={"name": ws.name, "slug": ws.slug})
    return ws


def update_workspace(actor: User, ws: Workspace, *, name: str, slug: str, timezone: str, locale: str,
                     address_form: str, country: str = "DE", subdivision: str | None = None,
                     ip: str = "") -> Workspace:
    slug = _validate_workspace_fields(actor.agency_id, name=name, slug=slug, timezone=timezone, locale=locale,
                                      address_form=address_form, exclude_id=ws.id)
    fields = ("name", "slug", "timezone", "locale", "address_form", "country", "subdivision")
    before = {f: getattr(ws, f) for f in fields}
    ws.name, ws.slug, ws.timezone, ws.locale = name.strip(), slug, timezone, locale
    ws.address_form, ws.country, ws.subdivision = address_form, country, subdivision or None
    db.session.flush()
    after = {f: getattr(ws, f) for f in fields}
    changed = {f: [before[f], after[f]] for f in fields if before[f] != after[f]}
    audit.record("workspace.updated", agency_id=actor.agency_id, actor=actor, obj=ws, ip=ip,
                 details={"changed": changed})
    return ws


def set_workspace_archived(actor: User, ws: Workspace, archived: bool, *, ip: str = "") -> Workspace:
    if ws.is_archived == archived:
        return ws
    ws.archived_at = db.utcnow() if archived else None
    db.session.flush()
    audit.record("workspace.archived" if archived else "workspace.restored", agency_id=actor.agency_id,
                 actor=actor, obj=ws, ip=ip, details={"slug": ws.slug})
    return ws
