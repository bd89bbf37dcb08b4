"""How a package plugs itself into the app: one typed registry, filled by each package's ``init_app``.

The composition root (``agency/app.py``) holds the one list of packages and calls their
``init_app(app)`` in order. Everything else a package contributes goes through the helpers here:

- ``add_nav`` — an entry of the main navigation (a label, an endpoint, a permission);
- ``add_workspace_link`` — a link on each workspace card of the dashboard;
- ``add_periodic`` — a periodic job for ``agency scheduler``;
- ``add_slot`` — a template of an upper package shown in a named place of a lower package's page
  (the running timer in the header, the tone checker beside the composer); the lower page renders
  ``{% for t in slot("thread.sidebar") %}{% include t %}{% endfor %}`` and never names the upper package;
- ``provide`` — a function a lower package may call without importing its provider (for example the
  inbox counts items per channel for the channels page); every name is declared in ``PROVIDERS``.

CLI commands are Flask's own: ``app.cli.add_command(cmd)`` in the package's ``init_app``. Jobs
register themselves with ``@job`` when the package imports its ``jobs`` module in ``init_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

#: The functions packages may provide to lower ones, with what each answers.
PROVIDERS: dict[str, str] = {
    "channel_item_counts": "channel_item_counts(workspace_id) -> {channel_id: number of interactions}",
    # Read by reports and the portal (faces above), provided by the packages that own the data. A face may
    # also import the owner directly; providers let a page work before the owner is installed.
    "invoiced_amount": "invoiced_amount(workspace_id, year, month) -> (cents, currency) invoiced for that month",
    "portal_invoices": "portal_invoices(workspace_id) -> invoices a client user sees: [{number, issued_on, "
                       "total_cents, currency, state, pdf_url, xml_url, pay_url}]",
    "moderation_counts": "moderation_counts(workspace_id, start, end) -> {action: count} of moderation done on the "
                         "platforms between two aware datetimes (hidden, deleted, ...)",
    "client_approvals": "client_approvals(workspace_id, user) -> replies waiting for this client user's approval",
    "reply_approval": "reply_approval(actor, interaction, text) -> the reply held for approval instead of being "
                      "queued, or None when it may go out now (asked by the inbox before queueing a reply)",
    "approval_waits": "approval_waits(interactions) -> {interaction id: since when its oldest reply has waited for "
                      "approval} for a page's items, read once per page (the SLA badge says so; the SLA clock keeps "
                      "running meanwhile)",
    "approvals_waiting": "approvals_waiting(workspace_ids, sort, limit) -> (rows, total): the items with a reply "
                         "waiting for approval, each with .interaction, .since and .replies; sort 'longest' (oldest "
                         "first) or 'shortest' (read by the SLA board)",
    "team_items": "team_items(user_id) -> a SQL condition on Interaction for the inbox's \"my team\" filter: items "
                  "assigned to someone sharing a team with the user in that workspace, plus unassigned items of "
                  "workspaces whose auto-assignment is limited to one of the user's teams (no statement of its own)",
    "banned_word_matcher": "banned_word_matcher(workspace_id) -> a function text -> bool (True when the text "
                           "contains a word or phrase of the workspace's tone guide to avoid), or None when it has "
                           "none (read by inbox rules with the condition banned_word)",
    "absent_user_ids": "absent_user_ids(user_ids, day) -> set of those user ids with an absence on that date "
                       "(read by auto-assignment to leave absent staff out)",
    "erasure_filter": "erasure_filter(workspace_id) -> None when nobody of the workspace was erased (DSGVO), else "
                      "is_erased(channel_id, platform, external_id, author_external_id, author_name) -> bool; ingest "
                      "asks once per sync and skips the items of erased people",
    "author_labels": "author_labels(workspace_id, [(platform, author_external_id)]) -> {(platform, author id): "
                     "set of the person's labels, lower case} (read by the inbox's rules: \"author has label\")",
}


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation
    endpoint: str
    permission: str
    order: int = 50


@dataclass(frozen=True)
class WorkspaceLink:
    label: Any
    endpoint: str
    permission: str | None = None
    order: int = 50


@dataclass(frozen=True)
class Periodic:
    """A job the scheduler runs by cron expression or every ``interval`` seconds."""

    job: Callable[..., Any]
    cron: str | None = None
    interval: int | None = None
    args: tuple = ()

    def __post_init__(self) -> None:
        if (self.cron is None) == (self.interval is None):
            raise ValueError("a periodic job has either a cron expression or an interval")


@dataclass
class Wiring:
    """What the packages registered; read by the base template, the dashboard and the scheduler."""

    nav: list[NavItem] = field(default_factory=list)
    workspace_links: list[WorkspaceLink] = field(default_factory=list)
    periodic: list[Periodic] = field(default_factory=list)
    slots: dict[str, list[str]] = field(default_factory=dict)
    providers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)


_KEY = "agency.wiring"


def of(app: Flask) -> Wiring:
    """The app's registry (created on first use)."""
    found = app.extensions.get(_KEY)
    if found is None:
        found = app.extensions[_KEY] = Wiring()
    return found


def current() -> Wiring:
    return of(current_app)


def add_nav(app: Flask, label: Any, endpoint: str, permission: str, *, order: int = 50) -> None:
    """A main-navigation entry, shown to users with ``permission``; lower ``order`` comes first."""
    items = of(app).nav
    items.append(NavItem(label, endpoint, permission, order))
    items.sort(key=lambda item: item.order)


def add_workspace_link(app: Flask, label: Any, endpoint: str, *, permission: str | None = None,
                       order: int = 50) -> None:
    """A link on every workspace card of the dashboard (the endpoint takes ``workspace``)."""
    links = of(app).workspace_links
    links.append(WorkspaceLink(label, endpoint, permission, order))
    links.sort(key=lambda link: link.order)


def add_periodic(app: Flask, job: Callable[..., Any], *, cron: str | None = None, interval: int | None = None,
                 args: tuple = ()) -> None:
    """A periodic job (declared with ``@job``) for ``agency scheduler``."""
    of(app).periodic.append(Periodic(job, cron=cron, interval=interval, args=args))


def add_slot(app: Flask, slot: str, template: str) -> None:
    """Show ``template`` in the named place ``slot`` of another package's page."""
    of(app).slots.setdefault(slot, []).append(template)


def provide(app: Flask, name: str, fn: Callable[..., Any]) -> None:
    """Offer ``fn`` under a declared name to lower packages."""
    if name not in PROVIDERS:
        raise KeyError(f"unknown provider {name!r}; declare it in agency.wiring.PROVIDERS")
    of(app).providers[name] = fn


def provided(name: str) -> Callable[..., Any] | None:
    """The function registered under ``name``, or None when no package provides it."""
    if name not in PROVIDERS:
        raise KeyError(f"unknown provider {name!r}")
    return current().providers.get(name)
