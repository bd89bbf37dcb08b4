"""Durations as people type them, and the rounding rule of billed time."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agency.timetracking.durations import DurationError, billed_minutes, format_minutes, parse_duration


@pytest.mark.parametrize(("text", "minutes"), [
    ("1:30", 90), ("0:05", 5), ("10:00", 600), ("24:00", 1440), ("1,5", 90), ("1.5", 90), ("2", 120),
    ("0,25", 15), ("90m", 90), ("90 min", 90), ("45M", 45), ("1h", 60), ("1h 30m", 90), ("1h30m", 90),
    ("1.5h", 90), ("1,75 h", 105), (" 2:15 ", 135), ("0,1", 6), ("0,01", 1), ("\u00a01:00", 60),
])
def test_parse_accepts_the_usual_ways_of_writing_time(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_is_no_duration(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize("text", [
    "abc", "1:75", "-1", "-0:30", "1:30:00", "25:00", "24:01", "1441m", "30h", "1,5,5", "h", "m", "1x",
    "9" * 30, "1:3", "\x00", "1;30", "=1+1",
])
def test_parse_rejects_what_is_not_a_duration(text):
    with pytest.raises(DurationError):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=1440))
def test_format_and_parse_round_trip(minutes):
    assert parse_duration(format_minutes(minutes)) == minutes


def test_format_minutes():
    assert format_minutes(90) == "1:30"
    assert format_minutes(5) == "0:05"
    assert format_minutes(-45) == "-0:45"
    assert format_minutes(None) == ""


@pytest.mark.parametrize(("minutes", "step", "billed"), [
    (0, 15, 0), (1, 15, 15), (15, 15, 15), (16, 15, 30), (7, 6, 12), (6, 6, 6), (61, 10, 70), (61, 0, 61),
    (61, 1, 61), (3, 5, 5),
])
def test_rounding_rounds_up_to_the_step(minutes, step, billed):
    assert billed_minutes(minutes, step) == billed


@given(st.integers(min_value=0, max_value=1440), st.sampled_from([0, 1, 5, 6, 10, 15]))
def test_rounding_is_reproducible_and_never_bills_less(minutes, step):
    billed = billed_minutes(minutes, step)
    assert billed == billed_minutes(minutes, step)
    assert billed >= minutes
    assert billed - minutes < max(step, 1)
    if step > 1:
        assert billed % step == 0 and billed == math.ceil(minutes / step) * step


def test_unknown_rounding_step_is_refused():
    with pytest.raises(ValueError):
        billed_minutes(10, 7)
