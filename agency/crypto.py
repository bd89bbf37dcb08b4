"""Encryption of stored secrets (channel tokens, API secrets) with MultiFernet.

The first key of AGENCY_ENCRYPTION_KEYS encrypts; every key decrypts, so keys
rotate by prepending a new one and running ``agency rotate-keys``.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

_fernet: MultiFernet | None = None


class SecretError(RuntimeError):
    """A stored secret could not be decrypted with any configured key."""


def configure(keys: tuple[str, ...]) -> None:
    global _fernet
    if not keys:
        raise RuntimeError("no encryption keys configured (AGENCY_ENCRYPTION_KEYS)")
    try:
        _fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise RuntimeError(
            "AGENCY_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes)"
        ) from exc


def _get() -> MultiFernet:
    if _fernet is None:
        raise RuntimeError("encryption not configured; call create_app() first")
    return _fernet


def encrypt(plaintext: str) -> bytes:
    return _get().encrypt(plaintext.encode("utf-8"))


def decrypt(token: bytes) -> str:
    try:
        return _get().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise SecretError("stored secret cannot be decrypted with the configured keys") from exc


def rotate(token: bytes) -> bytes:
    """Re-encrypt under the first (primary) key."""
    try:
        return _get().rotate(bytes(token))
    except InvalidToken as exc:
        raise SecretError("stored secret cannot be decrypted with the configured keys") from exc


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token; reads give plaintext back."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)


def rotate_encryption_keys() -> int:
    """Re-encrypt every stored secret under the first key of AGENCY_ENCRYPTION_KEYS; return how many.

    Every table with an ``EncryptedText`` column must be imported (``agency.models``) before.
    """
    from sqlalchemy import text

    from agency import db

    count = 0
    for table in db.Base.metadata.sorted_tables:
        columns = [c.name for c in table.columns if isinstance(c.type, EncryptedText)]
        if not columns:
            continue
        pk = next(iter(table.primary_key.columns)).name
        for column in columns:
            rows = db.session.execute(text(
                f'SELECT "{pk}", "{column}" FROM "{table.name}" WHERE "{column}" IS NOT NULL FOR UPDATE'))  # noqa: S608
            for key, value in rows.all():
                db.session.execute(
                    text(f'UPDATE "{table.name}" SET "{column}" = :v WHERE "{pk}" = :k'),  # noqa: S608
                    {"v": rotate(value), "k": key})
                count += 1
    return count
