"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current RFC 9106 low-memory profile

# A valid hash that is never the hash of a real password: verifying against it keeps
# the time of a login for an unknown e-mail address the same as for a known one.
_DUMMY_HASH = _hasher.hash("timing-equaliser-never-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("agency.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _core(password: str) -> str:
    """The password without its decoration: digits, symbols and repeats at either end."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons the password is not acceptable (empty when it is)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("Use at least %(n)d characters.", n=MIN_LENGTH)))
        return problems
    if len(password) > MAX_LENGTH:
        problems.append(str(_l("Use at most %(n)d characters.", n=MAX_LENGTH)))
        return problems
    lowered = password.lower()
    common = _common_passwords()
    if lowered in common or _core(password) in common or len(set(lowered)) <= 3 or _is_sequence(lowered):
        problems.append(str(_l("This password is too common or too easy to guess.")))
    local = email.split("@", 1)[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (name and len(name) >= 4 and name.lower() in lowered):
        problems.append(str(_l("The password must not contain your name or e-mail address.")))
    return problems


_ROWS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm")


def _is_sequence(lowered: str) -> bool:
    for row in _ROWS:
        doubled = row + row
        if lowered in doubled or lowered[::-1] in doubled:
            return True
    return False
