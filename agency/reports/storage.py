"""Where generated files live: a small interface with a local-disk implementation under ``AGENCY_STORAGE_DIR``.

Keys are random (nobody guesses a file name) and written once: ``put`` refuses an existing key, so a
published PDF cannot be replaced by a later render. An object store (S3 and the like) fits the same three
methods later.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}(/[a-z0-9][a-z0-9_.-]{0,120}){1,3}$")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...


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


def storage() -> Storage:
    """The app's storage (local disk under ``AGENCY_STORAGE_DIR``)."""
    return LocalStorage(current_app.config["AGENCY"].resolved_storage_dir)


def new_key(prefix: str, suffix: str) -> str:
    """A fresh random key such as ``reports/12/3f…9a.pdf``."""
    return f"{prefix}/{secrets.token_hex(20)}{suffix}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
