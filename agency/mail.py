"""Outgoing e-mail: build a message, send it through SMTP, or queue it as a job with retries.

``SMTP_URL`` names the server: ``smtp://user:password@host:port`` (plain, port 25 by
default), ``?starttls=1`` to upgrade the connection, ``smtps://`` for implicit TLS (port 465).
User and password are URL-encoded. Without ``SMTP_URL`` nothing is sent: a log line says so,
which is what development and the demo want.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from agency.queue import job

log = logging.getLogger(__name__)

_MAX_SUBJECT = 250
_MAX_BODY = 100_000


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False


def parse_smtp_url(url: str) -> SmtpSettings:
    """Settings from ``smtp://user:pass@host:port[?starttls=1]`` or ``smtps://…``; ValueError when malformed."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("SMTP_URL needs a host")
    query = parse_qs(parts.query)
    starttls = (query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes"))
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 25)
    except ValueError as exc:
        raise ValueError("SMTP_URL has an invalid port") from exc
    return SmtpSettings(host=parts.hostname, port=port,
                        username=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None,
                        starttls=starttls and not implicit, implicit_tls=implicit)


def _clean_header(value: str) -> str:
    # Header injection: a name or subject from outside must not start a new header line.
    return " ".join(str(value).split())[:_MAX_SUBJECT]


def build_message(to: str | list[str], subject: str, body: str, *, sender: str,
                  html: str | None = None) -> EmailMessage:
    """A plain-text (optionally also HTML) message."""
    recipients = [to] if isinstance(to, str) else list(to)
    message = EmailMessage()
    message["From"] = _clean_header(sender)
    message["To"] = ", ".join(_clean_header(r) for r in recipients)
    message["Subject"] = _clean_header(subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content(body[:_MAX_BODY])
    if html is not None:
        message.add_alternative(html[:_MAX_BODY], subtype="html")
    return message


def deliver(message: EmailMessage, settings: SmtpSettings, *, timeout: float = 30) -> None:
    """Send one message; smtplib's exceptions propagate (the job retries)."""
    if settings.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    with client:
        if settings.starttls:
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


def send_now(to: str | list[str], subject: str, body: str, *, html: str | None = None) -> bool:
    """Send at once with the app's settings; False (and a log line) when SMTP_URL is not set."""
    config = current_app.config["AGENCY"]
    if not config.smtp_url:
        log.info("SMTP_URL not set: not sending %r to %s", subject[:80], to)
        return False
    message = build_message(to, subject, body, sender=config.mail_from, html=html)
    deliver(message, parse_smtp_url(config.smtp_url))
    return True


@job("mail", timeout=120, retries=5, retry_intervals=(30, 120, 600, 1800, 3600))
def send_mail(to: str | list[str], subject: str, body: str, html: str | None = None) -> bool:
    """Send one e-mail through SMTP_URL (retried with backoff when the server fails)."""
    return send_now(to, subject, body, html=html)


def absolute_url(path: str) -> str:
    """``path`` under PUBLIC_URL (links in e-mails must work outside the app); the path alone when unset."""
    from flask import current_app

    base = current_app.config["AGENCY"].public_url
    return f"{base}{path}" if base and path.startswith("/") else path


def queue_mail(to: str | list[str], subject: str, body: str, *, html: str | None = None) -> None:
    """Send an e-mail from a job on the "mail" queue once the current transaction commits."""
    send_mail.enqueue(to, str(subject), str(body), html)  # type: ignore[attr-defined]
