"""Where generated files live: a small interface with a local-disk implementation under ``AGENCY_STORAGE_DIR``.

Keys are random (nobody guesses a file name) and written once: ``put`` refuses an existing key, so a
published PDF cannot be replaced by a later render. An object store (S3 and the like) fits the same four
methods later.

A file that a database row will point to is written with ``put_with_transaction``: the disk is not part of
the transaction, so the file is taken away again when the (sub)transaction that was to reference it rolls
back — a failed publication leaves no unreferenced PDF behind, and its retry leaves one file, not two.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}(/[a-z0-9][a-z0-9_.-]{0,120}){1,3}$")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


class StorageKeyError(ValueError):
    """A key that is not one of ours (path tricks, odd characters)."""


class LocalStorage:
    """Files under one folder; each key written once, atomically (temporary file, then a hard link)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key:
            raise StorageKeyError(f"not a storage key: {key[:80]!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails when the key exists: nothing is ever overwritten
        finally:
            temporary.unlink(missing_ok=True)
        path.chmod(0o440)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        """Remove a file (gone already is fine): only for files no committed row references."""
        self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    """The app's storage (local disk under ``AGENCY_STORAGE_DIR``)."""
    return LocalStorage(current_app.config["AGENCY"].resolved_storage_dir)


#: Session info key: (storage, key, transaction) of files written in the session's open transaction.
_WRITTEN = "reports_written_files"


def put_with_transaction(db_session: Session, key: str, data: bytes, store: Storage | None = None) -> None:
    """``put`` a file that belongs to the session's current (sub)transaction: deleted again if that rolls back."""
    store = store or storage()
    store.put(key, data)
    transaction = db_session.get_nested_transaction() or db_session.get_transaction()
    db_session.info.setdefault(_WRITTEN, []).append((store, key, transaction))


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _keep_committed_files(db_session: Session) -> None:
    # A released savepoint keeps its files pending: the enclosing transaction may still roll back.
    if db_session.get_nested_transaction() is None:
        db_session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _delete_rolled_back_files(db_session: Session, previous: SessionTransaction) -> None:
    written = db_session.info.get(_WRITTEN)
    if not written:
        return
    kept = []
    for store, key, transaction in written:
        if not _inside(transaction, previous):
            kept.append((store, key, transaction))
            continue
        try:
            store.delete(key)
        except OSError:  # the rollback goes on; the file is only space, it is not referenced
            log.exception("could not delete %s after a rollback", key)
    db_session.info[_WRITTEN] = kept


def new_key(prefix: str, suffix: str) -> str:
    """A fresh random key such as ``reports/12/3f…9a.pdf``."""
    return f"{prefix}/{secrets.token_hex(20)}{suffix}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
