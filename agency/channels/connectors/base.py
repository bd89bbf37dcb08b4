"""The connector contract: plain data in and out, HTTP errors mapped to a few exceptions.

Connectors talk to one platform account over real HTTP and return frozen dataclasses. They know
nothing of the database: the inbox turns ``PlatformItem`` into interactions and stores the
``SyncPage.cursor`` in the same transaction, which is what makes a sync crash-safe.

Cursor design (shared by every connector, see ``Connector.iter_pages``)::

    {"v": 1,
     "horizon": ISO,            # oldest creation time we care about (the first sync's ``since``)
     "next_window": ISO|None,   # set once a pass finished: the next pass is incremental from here
     "pass": None | {           # a pass in progress
         "mode": "backfill" | "incremental",
         "window": ISO,          # items changed at/after this time are wanted in this pass
         "started": ISO,         # when the pass began; becomes next_window minus the overlap
         "phase": int,           # index into the connector's streams (posts, messages, ...)
         "state": dict|None},    # the stream's own resume point (paging cursors, indexes)
     "extra": dict}             # small per-connector memory (e.g. Instagram comment counts)
"""

from __future__ import annotations

import abc
import copy
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

KINDS = ("comment", "reply", "direct_message", "review", "mention")
DEFAULT_OVERLAP = timedelta(hours=2)
#: Messenger's standard window, and the HUMAN_AGENT tag's extension of it
#: (developers.facebook.com/docs/messenger-platform/send-messages, "Message tags").
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
#: What connectors write where a platform does not tell who wrote something (Messenger webhooks carry
#: ids only, a deleted account has no name). Such a name never replaces a real one at ingest.
PLACEHOLDER_AUTHOR_NAMES = frozenset({"Facebook user", "Messenger user", "Instagram user", "YouTube user",
                                      "Google user"})


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class PlatformItem:
    """One comment, reply, direct message, review or mention as the platform shows it."""

    external_id: str
    kind: str
    text: str
    author_name: str
    author_external_id: str | None
    created_at: datetime
    updated_at: datetime | None = None
    parent_external_id: str | None = None
    thread_external_id: str | None = None
    context_text: str | None = None
    context_url: str | None = None
    permalink: str | None = None
    rating: int | None = None
    is_deleted: bool = False
    is_own: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    author_avatar_url: str | None = None
    #: pictures the item carries (a photo in a comment, an image in a message), at most a few, as the platform
    #: addresses them; and the picture of the post or media it was written on
    media_urls: tuple[str, ...] = ()
    context_image_url: str | None = None


@dataclass(slots=True)
class SyncPage:
    """A batch of items plus the cursor from which fetching resumes after it.

    ``progress`` is a 0..1 estimate of how far the current pass has come (None when unknown);
    ``fetched_at`` is when the items were read: they show the platform's state as of then.
    """

    items: list[PlatformItem]
    cursor: dict[str, Any]
    done: bool
    progress: float | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """What a reply answers.

    ``external_id`` is the interaction answered; ``parent_external_id`` its top-level comment when
    it is itself a reply (platforms nest only one level); ``thread_external_id`` the post, video,
    conversation or review; ``author_external_id`` the customer (the DM recipient).
    """

    kind: str
    external_id: str
    thread_external_id: str | None = None
    parent_external_id: str | None = None
    author_external_id: str | None = None
    last_customer_message_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplyLimit:
    """The longest reply a platform accepts for one kind of target, and how it counts.

    ``unit`` is "characters" (Unicode code points) or "bytes" (UTF-8), so the composer's hint,
    its counter and the error before queueing all measure the same way.
    """

    maximum: int
    unit: str = "characters"

    def measure(self, text: str) -> int:
        """The length of ``text`` in this limit's unit."""
        return len(text.encode("utf-8")) if self.unit == "bytes" else len(text)

    def exceeded_by(self, text: str) -> bool:
        """True when ``text`` is longer than the platform accepts."""
        return self.measure(text) > self.maximum


@dataclass(frozen=True, slots=True)
class VerifiedAccount:
    """What the platform confirmed: the token grants access to exactly this account."""

    account_id: str
    name: str


@dataclass(frozen=True, slots=True)
class SentReply:
    """A reply the platform accepted."""

    external_id: str
    created_at: datetime
    permalink: str | None = None


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class ModerationTarget:
    """What a moderation action acts on: a comment (or our own reply) and its author."""

    kind: str
    external_id: str
    parent_external_id: str | None = None
    author_external_id: str | None = None
    is_own: bool = False


#: Every moderation action a connector may offer (each platform offers a subset, see ``moderation_actions``).
MODERATION_ACTIONS = ("hide", "unhide", "delete", "like", "unlike", "ban", "unban", "private_reply", "edit")


class ConnectorError(Exception):
    """Base of everything a connector raises; ``str()`` is fit for a community manager."""


class AuthExpired(ConnectorError):
    """The token is expired or revoked: the channel needs to be reconnected."""


class RateLimited(ConnectorError):
    """The platform asks us to wait; retry no earlier than ``retry_after`` (aware UTC)."""

    def __init__(self, message: str, retry_after: datetime) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AlreadyDone(ConnectorError):
    """The platform refuses because the action was done already (a private reply a comment already has)."""


class TransientError(ConnectorError):
    """5xx, timeout or connection trouble: retry with backoff."""


class PlatformError(ConnectorError):
    """The platform refused the request for a reason retrying will not fix."""


class MessagingWindowClosed(PlatformError):
    """A direct message can no longer be answered (more than 7 days since the customer wrote)."""


class AccessNotGranted(PlatformError):
    """The token is valid but does not grant access to the account it was given for."""


class UnsafeIdentifier(PlatformError):
    """An id that would not stay one path segment (``/``, ``..``, empty): never sent to the platform."""


# --------------------------------------------------------------------------- helpers


def messaging_window(last_customer_message_at: datetime | None, now: datetime) -> str:
    """Which Messenger window applies: "open" (<24h), "human_agent" (<7 days) or "closed"."""
    if last_customer_message_at is None:
        return "closed"
    age = now - last_customer_message_at
    if age <= STANDARD_WINDOW:
        return "open"
    if age <= HUMAN_AGENT_WINDOW:
        return "human_agent"
    return "closed"


def path_segment(value: object) -> str:
    """``value`` as exactly one URL path segment.

    Ids come from staff (account ids) and from strangers' platform data (comment, post and
    conversation ids). Quoted with nothing kept safe, ``/`` and ``?`` cannot reach another
    endpoint of the platform's API with the channel's token; ``.``/``..`` and empty values are
    refused because quoting leaves them as they are and URL normalisation would climb up.
    """
    text = str(value) if value is not None else ""
    if text in ("", ".", "..") or len(text) > 512:
        raise UnsafeIdentifier("The platform id is not usable in a request.")
    return quote(text, safe="")


def join_path(*segments: object) -> str:
    """A relative API path of ``segments``, each quoted as one segment (see ``path_segment``)."""
    return "/".join(path_segment(segment) for segment in segments)


def utcnow() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


def parse_time(value: str | int | float | None) -> datetime | None:
    """Parse Graph ("2026-03-01T12:00:00+0000"), RFC 3339 ("...Z", fractions) or unix seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(value: datetime) -> str:
    """Serialise an aware datetime for a cursor."""
    return value.astimezone(UTC).isoformat()


def short(text: str | None, limit: int = 80) -> str:
    """Truncate stranger-provided text for logs."""
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_session_lock = threading.Lock()
_shared_session: requests.Session | None = None


def shared_session() -> requests.Session:
    """One pooled ``requests.Session`` per process (connections are reused across jobs)."""
    global _shared_session
    with _session_lock:
        if _shared_session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=16, pool_maxsize=32)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            _shared_session = session
        return _shared_session


def backoff_retry_after(now: datetime, attempt: int, base_seconds: int = 60) -> datetime:
    """Exponential backoff (60s, 120s, ... capped at 1h) for limits that name no wait time."""
    return now + timedelta(seconds=min(base_seconds * 2 ** max(attempt, 0), 3600))


def retry_after_header(response: requests.Response, now: datetime) -> datetime | None:
    """The standard Retry-After header (seconds form) as a datetime, if present."""
    value = response.headers.get("Retry-After")
    if value and value.strip().isdigit():
        return now + timedelta(seconds=int(value.strip()))
    return None


# --------------------------------------------------------------------------- connector


Stream = Callable[["PassContext", dict[str, Any] | None], Iterator[tuple[list[PlatformItem], Any]]]


@dataclass(slots=True)
class PassContext:
    """What a stream needs to know about the current pass."""

    mode: str
    window: datetime
    horizon: datetime
    started: datetime
    extra: dict[str, Any]

    @property
    def incremental(self) -> bool:
        """True when only items changed since ``window`` are wanted."""
        return self.mode == "incremental"


class Connector(abc.ABC):
    """One platform account, reached over HTTP. Subclasses define streams and replies."""

    platform: ClassVar[str] = ""
    #: the longest reply text the platform accepts (subclasses cite their source)
    max_reply_length: ClassVar[int] = 2000
    #: what an account id of this platform looks like; anything else never reaches a URL
    account_id_pattern: ClassVar[re.Pattern[str]] = re.compile(r"[0-9]{1,32}")
    #: how people recognise such an id, for the connect form's error message
    account_id_example: ClassVar[str] = "123456789"

    @classmethod
    def valid_account_id(cls, account_id: str) -> bool:
        """Whether ``account_id`` has this platform's form."""
        return bool(cls.account_id_pattern.fullmatch(account_id or ""))

    @classmethod
    def reply_limit(cls, kind: str) -> ReplyLimit:
        """The longest answer to a ``kind`` of item (comment, direct_message, review ...)."""
        return ReplyLimit(cls.max_reply_length)

    @classmethod
    def has_messaging_window(cls, kind: str) -> bool:
        """Whether answers to a ``kind`` of item are allowed only for a while (see ``messaging_window``)."""
        return False

    def __init__(
        self,
        base_url: str,
        account_id: str,
        access_token: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5, 30),
        overlap: timedelta = DEFAULT_OVERLAP,
        clock: Callable[[], datetime] | None = None,
        page_size: int | None = None,
    ) -> None:
        self.account_id = account_id
        if not self.valid_account_id(account_id):
            raise UnsafeIdentifier(f"{account_id[:80]!r} is not a {self.platform} account id.")
        self.base_url = base_url.rstrip("/")
        self._token = access_token
        self.session = session or shared_session()
        self.timeout = timeout
        self.overlap = overlap
        self.clock = clock or utcnow
        self.page_size = page_size
        self._rate_limit_hits = 0

    def __repr__(self) -> str:  # never show the token
        return f"<{type(self).__name__} {self.account_id}>"

    # -- HTTP ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP call with the timeout set; network trouble becomes ``TransientError``."""
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.Timeout as exc:
            raise TransientError(f"{self.platform_label} did not answer in time") from exc
        except requests.ConnectionError as exc:
            raise TransientError(f"Could not reach {self.platform_label}") from exc
        log.debug("%s %s -> %s", method, url.split("?")[0], response.status_code)
        return response

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            if response.status_code >= 500:
                raise TransientError(f"{self.platform_label} answered with an error page") from exc
            raise PlatformError(f"{self.platform_label} sent an unreadable answer") from exc

    def _rate_limited(self, message: str, retry_after: datetime | None) -> RateLimited:
        """Build a ``RateLimited``; without a stated wait, back off exponentially per hit."""
        now = self.clock()
        self._rate_limit_hits += 1
        when = retry_after or backoff_retry_after(now, self._rate_limit_hits - 1)
        return RateLimited(message, when)

    @property
    def platform_label(self) -> str:
        """A human name of the platform for messages."""
        return self.platform.replace("_", " ").title()

    # -- sync ------------------------------------------------------------------------------

    @abc.abstractmethod
    def streams(self) -> list[Stream]:
        """The resumable streams a pass walks through in order (posts, messages, ratings ...)."""

    def iter_pages(self, cursor: dict[str, Any] | None, since: datetime) -> Iterator[SyncPage]:
        """Stream pages of items; each page's cursor resumes right after it.

        ``cursor=None`` starts a backfill of everything created since ``since``. A finished pass
        leaves a cursor whose next use is incremental from the pass start minus the overlap.
        """
        now = self.clock()
        cursor = dict(cursor or {})
        horizon = parse_time(cursor.get("horizon")) or since
        extra = dict(cursor.get("extra") or {})
        current = cursor.get("pass")
        if current is None:
            next_window = parse_time(cursor.get("next_window"))
            mode = "incremental" if next_window else "backfill"
            current = {
                "mode": mode,
                "window": iso(next_window or horizon),
                "started": iso(now),
                "phase": 0,
                "state": None,
            }
        ctx = PassContext(
            mode=current["mode"],
            window=parse_time(current["window"]) or horizon,
            horizon=horizon,
            started=parse_time(current["started"]) or now,
            extra=extra,
        )
        streams = self.streams()
        phase = int(current.get("phase", 0))
        state = current.get("state")
        while phase < len(streams):
            produced = False
            for fetched_at, items, next_state in self._timed(streams[phase](ctx, state)):
                produced = True
                state = next_state
                finished_phase = next_state is None
                next_phase = phase + 1 if finished_phase else phase
                if finished_phase and next_phase >= len(streams):
                    yield self._final_page(items, ctx, fetched_at)
                    return
                page_cursor = {
                    "v": 1,
                    "horizon": iso(horizon),
                    "next_window": None,
                    "pass": {**current, "phase": next_phase, "state": next_state},
                    "extra": copy.deepcopy(ctx.extra),
                }
                yield SyncPage(
                    items=items,
                    cursor=page_cursor,
                    done=False,
                    progress=self._progress(next_phase, len(streams), items, ctx),
                    fetched_at=fetched_at,
                )
                if finished_phase:
                    break
            if not produced:
                state = None
            phase += 1
            state = None
        yield self._final_page([], ctx, self.clock())

    def _timed(self, pages: Iterator[tuple[list[PlatformItem], Any]]) -> Iterator[tuple[datetime, list, Any]]:
        """A stream's pages, each with the time taken just before its requests were made.

        The items show the platform's state at least as new as that time; taking it before the
        requests (not after) means a change made while a page was being read is never dated
        older than this page's copy of the item.
        """
        while True:
            before = self.clock()
            try:
                items, next_state = next(pages)
            except StopIteration:
                return
            yield before, items, next_state

    def _final_page(self, items: list[PlatformItem], ctx: PassContext, fetched_at: datetime) -> SyncPage:
        final = {
            "v": 1,
            "horizon": iso(ctx.horizon),
            "next_window": iso(ctx.started - self.overlap),
            "pass": None,
            "extra": copy.deepcopy(ctx.extra),
        }
        return SyncPage(items=items, cursor=final, done=True, progress=1.0, fetched_at=fetched_at)

    @staticmethod
    def _progress(phase: int, phases: int, items: list[PlatformItem], ctx: PassContext) -> float:
        """Estimate: phases done plus, within a phase, how far back in time we have reached."""
        within = 0.0
        span = (ctx.started - ctx.window).total_seconds()
        if items and span > 0:
            oldest = min(item.created_at for item in items)
            within = min(max((ctx.started - oldest).total_seconds() / span, 0.0), 1.0)
        return round(min((phase + within) / max(phases, 1), 0.99), 3)

    # -- access ----------------------------------------------------------------------------

    @abc.abstractmethod
    def verify_access(self) -> VerifiedAccount:
        """Ask the platform whether the token grants access to exactly ``account_id``.

        Raises ``AccessNotGranted`` when the platform says no (another account's token, a token
        of a person who does not manage the account), ``AuthExpired`` for a token it does not
        accept at all, ``TransientError`` when it cannot be asked right now.
        """

    # -- replies and lookups ---------------------------------------------------------------

    @abc.abstractmethod
    def reply(self, target: ReplyTarget, text: str) -> SentReply:
        """Publish ``text`` as the page/channel's answer to ``target``."""

    @abc.abstractmethod
    def find_existing_reply(self, target: ReplyTarget, text: str, not_before: datetime) -> SentReply | None:
        """Our own reply to ``target`` with exactly ``text``, created at/after ``not_before``."""

    @abc.abstractmethod
    def fetch_item(self, external_id: str, kind: str | None = None) -> PlatformItem | None:
        """The item as it is now on the platform, or None when it was deleted."""

    # -- moderation ------------------------------------------------------------------------

    @classmethod
    def moderation_actions(cls, kind: str, is_own: bool) -> tuple[str, ...]:
        """The moderation actions the platform allows on a ``kind`` of item (ours or a fan's)."""
        return ()

    def moderate(self, action: str, target: ModerationTarget, text: str | None = None) -> str | None:
        """Do ``action`` on the platform; returns the id of what it created (a private reply), else None.

        Every action but ``private_reply`` sets a state (hidden, deleted, liked, banned, the text of our own
        reply for ``edit``) and may be repeated safely; a private reply is refused by the platform once the
        comment has one (``AlreadyDone``).
        """
        raise PlatformError(f"{self.platform_label} does not allow this action here.")

    def _check_moderation(self, action: str, target: ModerationTarget) -> None:
        if action not in self.moderation_actions(target.kind, target.is_own):
            raise PlatformError(f"{self.platform_label} does not allow this action here.")

    def check_reply_text(self, text: str, kind: str) -> None:
        """Refuse empty or over-long replies to a ``kind`` of item before any HTTP call."""
        limit = self.reply_limit(kind)
        if not text.strip():
            raise PlatformError("The reply is empty.")
        if limit.exceeded_by(text):
            raise PlatformError(f"{self.platform_label} accepts at most {limit.maximum} {limit.unit} per reply.")
