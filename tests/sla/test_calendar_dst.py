"""Clock changes: Europe/Berlin, Europe/Vienna (last Sunday of March/October) and
America/New_York (second Sunday of March, first Sunday of November), 2024.

Rules under test: interval lengths are real elapsed time; a local time that
does not exist starts at the first instant after it (the transition); an
ambiguous local time is its first occurrence (fold=0).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agency.sla.calendar import BusinessCalendar

H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)

# tz, spring-forward Sunday, fall-back Sunday (2024)
ZONES = [
    ("Europe/Berlin", date(2024, 3, 31), date(2024, 10, 27)),
    ("Europe/Vienna", date(2024, 3, 31), date(2024, 10, 27)),
    ("America/New_York", date(2024, 3, 10), date(2024, 11, 3)),
]


def local(tz: str, day: date, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz), fold=fold)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def round_the_clock(tz: str) -> BusinessCalendar:
    """24/7 in local time; the far-away holiday keeps it off the always-open fast path."""
    return BusinessCalendar(tz, {d: [("00:00", "24:00")] for d in range(7)}, holidays=[date(2099, 1, 1)])


@pytest.mark.parametrize(("tz", "spring", "fall"), ZONES)
def test_round_the_clock_calendar_counts_real_hours_over_the_changeover(tz, spring, fall):
    cal = round_the_clock(tz)
    saturday, monday = timedelta(days=-1), timedelta(days=1)
    assert cal.between(local(tz, spring + saturday), local(tz, spring + monday)) == 47 * H
    assert cal.between(local(tz, fall + saturday), local(tz, fall + monday)) == 49 * H
    # 24 business hours from Saturday noon end at 13:00 (spring) / 11:00 (fall) local.
    assert cal.add(local(tz, spring + saturday, 12), 24 * H) == local(tz, spring, 13)
    assert cal.add(local(tz, fall + saturday, 12), 24 * H) == local(tz, fall, 11)
    assert cal.add(local(tz, spring + saturday, 12), 24 * H) == BusinessCalendar.always_open().add(
        local(tz, spring + saturday, 12), 24 * H
    )


@pytest.mark.parametrize(("tz", "spring", "fall"), ZONES)
def test_midnight_to_six_is_five_hours_in_spring_and_seven_in_fall(tz, spring, fall):
    cal = BusinessCalendar(tz, {6: [("00:00", "06:00")]})
    assert cal.between(local(tz, spring), local(tz, spring + timedelta(days=1))) == 5 * H
    assert cal.between(local(tz, fall), local(tz, fall + timedelta(days=1))) == 7 * H
    # Business time running out exactly at the (shortened / lengthened) end.
    assert cal.add(local(tz, spring), 5 * H) == local(tz, spring, 6)
    assert cal.add(local(tz, fall), 7 * H) == local(tz, fall, 6)
    # An ordinary Sunday is 6 hours.
    assert cal.between(local(tz, spring + timedelta(days=7)), local(tz, spring + timedelta(days=8))) == 6 * H


def test_berlin_hours_after_midnight_on_changeover_nights():
    cal = BusinessCalendar("Europe/Berlin", {6: [("00:00", "06:00")]})
    spring, fall = date(2024, 3, 31), date(2024, 10, 27)
    # Spring: 00:00 CET = 23:00 UTC Saturday; four real hours later it is 05:00 CEST.
    assert cal.add(local("Europe/Berlin", spring), 4 * H) == utc(2024, 3, 31, 3)
    assert cal.add(local("Europe/Berlin", spring), 4 * H) == local("Europe/Berlin", spring, 5)
    # Fall: 00:00 CEST = 22:00 UTC Saturday; four real hours later it is 03:00 CET.
    assert cal.add(local("Europe/Berlin", fall), 4 * H) == utc(2024, 10, 27, 2)
    # Both occurrences of 02:30 are inside the interval.
    assert cal.is_open(local("Europe/Berlin", fall, 2, 30, fold=0))
    assert cal.is_open(local("Europe/Berlin", fall, 2, 30, fold=1))


def test_nonexistent_opening_time_starts_at_the_transition_berlin():
    # 02:30 does not exist on 2024-03-31 in Berlin (02:00 CET → 03:00 CEST, at 01:00 UTC).
    cal = BusinessCalendar("Europe/Berlin", {6: [("02:30", "05:00")]})
    day = date(2024, 3, 31)
    opening = utc(2024, 3, 31, 1)
    assert cal.next_open(local("Europe/Berlin", day)) == opening
    assert cal.next_open(local("Europe/Berlin", day)) == local("Europe/Berlin", day, 3)
    assert cal.add(local("Europe/Berlin", day), timedelta(0)) == opening
    assert not cal.is_open(opening - US)
    assert cal.is_open(opening)
    # Open 03:00–05:00 CEST: two real hours.
    assert cal.between(local("Europe/Berlin", day), local("Europe/Berlin", day, 12)) == 2 * H
    assert cal.add(local("Europe/Berlin", day), 30 * M) == local("Europe/Berlin", day, 3, 30)
    # A week later it opens at 02:30 as written.
    assert cal.next_open(local("Europe/Berlin", day + timedelta(days=1))) == local(
        "Europe/Berlin", day + timedelta(days=7), 2, 30
    )


def test_nonexistent_opening_time_starts_at_the_transition_new_york():
    # 02:30 does not exist on 2024-03-10 in New York (02:00 EST → 03:00 EDT, at 07:00 UTC).
    cal = BusinessCalendar("America/New_York", {6: [("02:30", "04:00")]})
    day = date(2024, 3, 10)
    assert cal.next_open(local("America/New_York", day)) == utc(2024, 3, 10, 7)
    assert cal.between(local("America/New_York", day), local("America/New_York", day, 12)) == H


def test_ambiguous_opening_time_is_its_first_occurrence_berlin():
    # 02:30 happens twice on 2024-10-27 in Berlin: 00:30 UTC (CEST) and 01:30 UTC (CET).
    cal = BusinessCalendar("Europe/Berlin", {6: [("02:30", "04:00")]})
    day = date(2024, 10, 27)
    assert cal.next_open(local("Europe/Berlin", day)) == utc(2024, 10, 27, 0, 30)
    # 02:30 CEST to 04:00 CET is two and a half real hours.
    assert cal.between(local("Europe/Berlin", day), local("Europe/Berlin", day, 12)) == 2 * H + 30 * M
    assert cal.add(local("Europe/Berlin", day), H) == utc(2024, 10, 27, 1, 30)
    assert cal.add(local("Europe/Berlin", day), 2 * H + 30 * M) == local("Europe/Berlin", day, 4)


def test_interval_inside_the_repeated_hour_is_open_only_in_its_first_occurrence():
    cal = BusinessCalendar("Europe/Vienna", {6: [("02:15", "02:45")]})
    day = date(2024, 10, 27)
    assert cal.is_open(local("Europe/Vienna", day, 2, 30, fold=0))
    assert not cal.is_open(local("Europe/Vienna", day, 2, 30, fold=1))
    assert cal.between(local("Europe/Vienna", day), local("Europe/Vienna", day, 12)) == 30 * M


def test_ambiguous_opening_time_is_its_first_occurrence_new_york():
    # 01:30 happens twice on 2024-11-03 in New York: 05:30 UTC (EDT) and 06:30 UTC (EST).
    cal = BusinessCalendar("America/New_York", {6: [("01:30", "03:00")]})
    day = date(2024, 11, 3)
    assert cal.next_open(local("America/New_York", day)) == utc(2024, 11, 3, 5, 30)
    # 01:30 EDT to 03:00 EST: 2.5 real hours.
    assert cal.between(local("America/New_York", day), local("America/New_York", day, 12)) == 2 * H + 30 * M


def test_interval_swallowed_by_the_gap_is_closed_that_night():
    cal = BusinessCalendar("Europe/Berlin", {6: [("02:00", "02:30")]})
    day = date(2024, 3, 31)
    assert cal.between(local("Europe/Berlin", day), local("Europe/Berlin", day + timedelta(days=1))) == timedelta(0)
    assert cal.next_open(local("Europe/Berlin", day)) == local("Europe/Berlin", day + timedelta(days=7), 2)


def test_interval_ending_in_the_gap_ends_at_the_transition():
    cal = BusinessCalendar("Europe/Berlin", {6: [("00:00", "02:30")]})
    day = date(2024, 3, 31)
    assert cal.between(local("Europe/Berlin", day), local("Europe/Berlin", day, 12)) == 2 * H
    assert cal.add(local("Europe/Berlin", day), 2 * H) == utc(2024, 3, 31, 1)


@pytest.mark.parametrize(("tz", "spring", "fall"), ZONES)
def test_overnight_shift_over_the_changeover(tz, spring, fall):
    # Saturday 22:00 – Sunday 06:00: 7 real hours in spring, 9 in fall.
    cal = BusinessCalendar(tz, {5: [("22:00", "06:00")]})
    for sunday, hours in ((spring, 7), (fall, 9)):
        saturday = sunday - timedelta(days=1)
        assert cal.between(local(tz, saturday), local(tz, sunday, 12)) == hours * H
        assert cal.add(local(tz, saturday, 12), hours * H) == local(tz, sunday, 6)


@pytest.mark.parametrize(("tz", "spring", "fall"), ZONES)
def test_office_hours_across_the_changeover_weekend(tz, spring, fall):
    cal = BusinessCalendar(tz, {d: [("09:00", "17:00")] for d in range(5)})
    for sunday in (spring, fall):
        friday, monday = sunday - timedelta(days=2), sunday + timedelta(days=1)
        assert cal.add(local(tz, friday, 16, 30), H) == local(tz, monday, 9, 30)
        week_start = sunday - timedelta(days=6)
        assert cal.between(local(tz, week_start), local(tz, week_start + timedelta(days=7))) == 40 * H


def test_berlin_monday_after_spring_forward_in_utc():
    cal = BusinessCalendar("Europe/Berlin", {d: [("09:00", "17:00")] for d in range(5)})
    # Friday 16:30 CET (15:30 UTC) + 1h → Monday 09:30 CEST (07:30 UTC).
    assert cal.add(utc(2024, 3, 29, 15, 30), H) == utc(2024, 4, 1, 7, 30)
    # Friday 16:30 CEST (14:30 UTC) + 1h → Monday 09:30 CET (08:30 UTC).
    assert cal.add(utc(2024, 10, 25, 14, 30), H) == utc(2024, 10, 28, 8, 30)
