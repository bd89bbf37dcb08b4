"""Inbox pages: the list (all workspaces or one), the thread, rules settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from babel.dates import (
    get_date_format,
    get_datetime_format,
    get_period_names,
    get_time_format,
    parse_pattern,
    tokenize_pattern,
)
from flask import Blueprint, g, url_for
from flask_babel import get_locale, get_timezone

from agency.inbox.queries import InboxFilter

bp = Blueprint("inbox", __name__)

#: Marks a thread opened from the all-clients inbox (``/inbox/``): its j/k/e walk that list and u returns to it.
ALL_CLIENTS = "all"


@dataclass(frozen=True)
class ListContext:
    """The list a thread was opened from: its filter, and whether it was the all-clients inbox.

    It travels in the query string of the thread's links and of the actions' form URLs, never as form
    fields: an action's own fields (``status``, ``assignee``, ``priority``) must not be read as the filter.
    """

    flt: InboxFilter
    all_clients: bool

    @classmethod
    def of_thread(cls, args, visible_ids: set[int], workspace_id: int) -> ListContext:
        """The context a thread URL names (``inbox=all`` and ``inbox_ws`` for the all-clients list)."""
        if args.get("inbox") == ALL_CLIENTS:
            return cls(InboxFilter.from_args(args, visible_ids, workspace_arg="inbox_ws"), True)
        return cls(InboxFilter.from_args(args, visible_ids, workspace_id=workspace_id), False)

    @property
    def list_args(self) -> dict:
        """Query arguments of the list's own URLs (the all-clients list keeps its workspace choice)."""
        args: dict = self.flt.as_args()
        if self.all_clients and self.flt.workspace_choice:
            args["workspace"] = [str(w) for w in self.flt.workspace_choice]
        return args

    @property
    def thread_args(self) -> dict:
        """Query arguments of the URLs of threads opened from this list (and of their forms)."""
        args: dict = self.flt.as_args()
        if self.all_clients:
            args["inbox"] = ALL_CLIENTS
            if self.flt.workspace_choice:
                args["inbox_ws"] = [str(w) for w in self.flt.workspace_choice]
        return args

    def list_url(self, workspace_slug: str) -> str:
        """The list itself (``u`` and the back link of a thread in ``workspace_slug``)."""
        if self.all_clients:
            return url_for("inbox.all_inboxes", **self.list_args)
        return url_for("inbox.index", workspace=workspace_slug, **self.list_args)

    def thread_url(self, workspace_slug: str, interaction_id: int, endpoint: str = "inbox.thread") -> str:
        """A thread of this list (or one of its form actions, by ``endpoint``), keeping the context."""
        return url_for(endpoint, workspace=workspace_slug, interaction_id=interaction_id, **self.thread_args)


@bp.app_template_global()
def inbox_url_args() -> dict:
    """The current list's filter as query arguments (thread links keep the list's context)."""
    flt = g.get("inbox_filter")
    return flt.as_args() if flt is not None else {}


#: CLDR date fields the short formats of our languages use, as plain functions of a local datetime (Babel's own
#: formatter looks every field up through several method calls: a list page formats a hundred values).
_FIELDS: dict[tuple[str, int], Callable[[datetime], str]] = {
    ("d", 1): lambda t: str(t.day), ("d", 2): lambda t: f"{t.day:02d}",
    ("M", 1): lambda t: str(t.month), ("M", 2): lambda t: f"{t.month:02d}",
    ("y", 2): lambda t: f"{t.year % 100:02d}", ("y", 1): lambda t: str(t.year), ("y", 4): lambda t: f"{t.year:04d}",
    ("H", 1): lambda t: str(t.hour), ("H", 2): lambda t: f"{t.hour:02d}",
    ("h", 1): lambda t: str(t.hour % 12 or 12), ("h", 2): lambda t: f"{t.hour % 12 or 12:02d}",
    ("m", 2): lambda t: f"{t.minute:02d}", ("s", 2): lambda t: f"{t.second:02d}",
}


def _compiled(pattern: str, locale) -> Callable[[datetime], str] | None:
    """A fast formatter for a CLDR pattern made only of the fields above (and the day period), else None."""
    parts: list[Callable[[datetime], str]] = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "chars":
            parts.append(lambda t, text=value: text)
        elif value[0] == "a" and value[1] <= 3:
            periods = get_period_names("abbreviated", "format", locale=locale)
            parts.append(lambda t, am=periods["am"], pm=periods["pm"]: am if t.hour < 12 else pm)
        elif value in _FIELDS:
            parts.append(_FIELDS[value])
        else:
            return None
    return lambda t: "".join(part(t) for part in parts)


def _short_formatter() -> Callable[[datetime], str]:
    """What ``datetimeformat('short')`` does, with the locale, the zone and the parsed patterns looked up once."""
    locale, zone = get_locale(), get_timezone()
    combined = get_datetime_format("short", locale=locale).replace("'", "")
    date_text = get_date_format("short", locale=locale).pattern
    time_text = get_time_format("short", locale=locale).pattern
    fast_date, fast_time = _compiled(date_text, locale), _compiled(time_text, locale)
    if fast_date is not None and fast_time is not None:
        def short(moment: datetime) -> str:
            local = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(zone)
            return combined.replace("{0}", fast_time(local)).replace("{1}", fast_date(local))

        return short
    date_pattern, time_pattern = parse_pattern(date_text), parse_pattern(time_text)

    def short_by_babel(moment: datetime) -> str:
        local = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(zone)
        return (combined.replace("{0}", time_pattern.apply(local, locale))
                .replace("{1}", date_pattern.apply(local, locale)))

    return short_by_babel


@bp.app_template_filter("short_datetime")
def short_datetime(moment: datetime | None) -> str:
    """A date and time in the short form of the page's language and zone; a list formats dozens per page."""
    if moment is None:
        return ""
    formatter = g.get("_short_datetime")
    if formatter is None:
        formatter = g._short_datetime = _short_formatter()
    return formatter(moment)


from agency.inbox.views import listing, settings, thread  # noqa: E402,F401  (routes register on bp)
