"""Settings, read from the environment in one place.

Every setting the README documents is read here; nothing else in the code base
looks at ``os.environ``. ``Config.from_env()`` is what the app factory uses; tests
build a Config with overrides.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Config:
    """The application's settings; see README.md, "Configuration"."""

    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = ""
    encryption_keys: tuple[str, ...] = ()
    instance_dir: Path = Path("instance")
    storage_dir: Path | None = None
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str = "https://api.stripe.com"
    meta_app_id: str | None = None
    meta_app_secret: str | None = None
    meta_verify_token: str | None = None
    meta_graph_base: str = "https://graph.facebook.com/v26.0"
    meta_dialog_base: str = "https://www.facebook.com/v26.0/dialog/oauth"
    google_api_base: str = "https://mybusiness.googleapis.com"
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_accounts_base: str = "https://mybusinessaccountmanagement.googleapis.com"
    google_info_base: str = "https://mybusinessbusinessinformation.googleapis.com"
    google_oauth_base: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    youtube_api_base: str = "https://www.googleapis.com/youtube/v3"
    smtp_url: str | None = None
    public_url: str | None = None  # e.g. https://app.example.com — for links in e-mails
    mail_from: str = "Agency <no-reply@localhost>"
    audit_retention_days: int = 400
    # How many reverse proxies stand in front of the app; their X-Forwarded-* headers are trusted (0: none).
    trusted_proxies: int = 0
    login_limit_ip: str = "30 per 10 minutes"
    login_limit_account: str = "8 per 15 minutes"
    session_lifetime_hours: int = 12
    # (connect, read) seconds for every call to a platform
    platform_timeout: tuple[float, float] = (5.0, 30.0)
    max_content_length: int = 4 * 1024 * 1024
    testing: bool = False
    # ``agency demo`` only: the demo agency's simulated staff answer its items on a realistic schedule.
    demo_staff: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Config:
        keys = tuple(k.strip() for k in (_env("AGENCY_ENCRYPTION_KEYS") or "").split(",") if k.strip())
        instance_dir = Path(_env("AGENCY_INSTANCE_DIR", "instance")).resolve()
        storage = _env("AGENCY_STORAGE_DIR")
        return cls(
            database_url=_env("DATABASE_URL"),
            redis_url=_env("REDIS_URL"),
            secret_key=_env("SECRET_KEY") or "",
            encryption_keys=keys,
            instance_dir=instance_dir,
            storage_dir=Path(storage).resolve() if storage else None,
            stripe_api_key=_env("STRIPE_API_KEY"),
            stripe_webhook_secret=_env("STRIPE_WEBHOOK_SECRET"),
            stripe_api_base=_env("STRIPE_API_BASE", cls.stripe_api_base),
            meta_app_id=_env("META_APP_ID"),
            meta_app_secret=_env("META_APP_SECRET"),
            meta_verify_token=_env("META_VERIFY_TOKEN"),
            meta_graph_base=_env("META_GRAPH_BASE", cls.meta_graph_base).rstrip("/"),
            meta_dialog_base=_env("META_DIALOG_BASE", cls.meta_dialog_base),
            google_api_base=_env("GOOGLE_API_BASE", cls.google_api_base).rstrip("/"),
            google_client_id=_env("GOOGLE_CLIENT_ID"),
            google_client_secret=_env("GOOGLE_CLIENT_SECRET"),
            google_accounts_base=_env("GOOGLE_ACCOUNTS_BASE", cls.google_accounts_base).rstrip("/"),
            google_info_base=_env("GOOGLE_INFO_BASE", cls.google_info_base).rstrip("/"),
            google_oauth_base=_env("GOOGLE_OAUTH_BASE", cls.google_oauth_base),
            google_token_url=_env("GOOGLE_TOKEN_URL", cls.google_token_url),
            youtube_api_base=_env("YOUTUBE_API_BASE", cls.youtube_api_base).rstrip("/"),
            smtp_url=_env("SMTP_URL"),
            public_url=(_env("PUBLIC_URL") or "").rstrip("/") or None,
            mail_from=_env("MAIL_FROM", cls.mail_from),
            audit_retention_days=_env_int("AGENCY_AUDIT_RETENTION_DAYS", cls.audit_retention_days),
            trusted_proxies=_env_int("AGENCY_TRUSTED_PROXIES", cls.trusted_proxies),
            demo_staff=_env("AGENCY_DEMO_STAFF", "0") == "1",
        )

    def with_overrides(self, **overrides) -> Config:
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return replace(self, **overrides)

    @property
    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or (self.instance_dir / "storage")

    def resolved_secret_key(self) -> str:
        """The SECRET_KEY, or a random one kept in the instance folder (demo/dev only)."""
        if self.secret_key:
            return self.secret_key
        path = self.instance_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def resolved_encryption_keys(self) -> tuple[str, ...]:
        """Fernet keys from AGENCY_ENCRYPTION_KEYS, or one generated into the instance folder."""
        if self.encryption_keys:
            return self.encryption_keys
        from cryptography.fernet import Fernet

        path = self.instance_dir / "encryption_keys"
        if path.exists():
            return tuple(k for k in path.read_text().split() if k)
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key().decode()
        path.write_text(key + "\n")
        path.chmod(0o600)
        return (key,)
