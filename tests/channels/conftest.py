"""Fixtures for connector tests: a controllable clock and a sandbox on 127.0.0.1 (no database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from agency.sandbox.testing import RunningSandbox, running_sandbox

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand; the sandbox timeline and the connectors share it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> Iterator[RunningSandbox]:
    with running_sandbox(now=clock, default_accounts=False) as sb:
        yield sb


def _collect(pages):
    pages = list(pages)
    return pages, [item for page in pages for item in page.items]


@pytest.fixture
def collect():
    """``collect(iter_pages(...))`` -> (all pages of the pass, their items flattened)."""
    return _collect
