"""BusinessCalendar: the core rules of add/between/is_open/next_open, inputs and JSON.

Holidays by German/Austrian state are in test_calendar_holidays.py, clock
changes in test_calendar_dst.py, properties in test_calendar_properties.py.
No database needed.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agency.sla.calendar import BusinessCalendar

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)

OFFICE = {day: [("09:00", "17:00")] for day in range(5)}
SPLIT = {day: [("08:00", "12:00"), ("13:00", "18:00")] for day in range(5)}


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    """Mon–Fri 09:00–17:00 Berlin with Bavarian holidays."""
    return BusinessCalendar("Europe/Berlin", OFFICE, country="DE", subdivision="BY")


@pytest.fixture(scope="module")
def split() -> BusinessCalendar:
    return BusinessCalendar("Europe/Berlin", SPLIT)


# --------------------------------------------------------------------------- add()


def test_friday_afternoon_comment_with_one_hour_target_is_due_monday_morning(office):
    # 2024-06-07 is a Friday; Monday 2024-06-10 is no holiday in Bavaria.
    due = office.add(berlin(2024, 6, 7, 16, 30), H)
    assert due == berlin(2024, 6, 10, 9, 30)
    assert due.tzinfo is UTC
    assert due == datetime(2024, 6, 10, 7, 30, tzinfo=UTC)


def test_add_inside_one_interval(office):
    assert office.add(berlin(2024, 6, 4, 10, 0), 2 * H) == berlin(2024, 6, 4, 12, 0)
    assert office.add(berlin(2024, 6, 4, 10, 0, 30), 15 * M) == berlin(2024, 6, 4, 10, 15, 30)


def test_add_from_before_opening_starts_counting_at_opening(office):
    assert office.add(berlin(2024, 6, 4, 6, 12), 30 * M) == berlin(2024, 6, 4, 9, 30)


def test_add_from_saturday_night_counts_from_monday(office):
    assert office.add(berlin(2024, 6, 8, 23, 59), 4 * H) == berlin(2024, 6, 10, 13, 0)


def test_three_business_days_from_monday_opening_end_wednesday_evening(office):
    assert office.add(berlin(2024, 6, 3, 9, 0), 24 * H) == berlin(2024, 6, 5, 17, 0)


def test_one_business_day_from_friday_noon_is_monday_noon(office):
    assert office.add(berlin(2024, 6, 7, 12, 0), 8 * H) == berlin(2024, 6, 10, 12, 0)


def test_zero_delta_from_closed_instant_gives_next_opening(office):
    assert office.add(berlin(2024, 6, 7, 18, 0), timedelta(0)) == berlin(2024, 6, 10, 9, 0)
    # The closing instant itself is closed (intervals are half-open).
    assert office.add(berlin(2024, 6, 7, 17, 0), timedelta(0)) == berlin(2024, 6, 10, 9, 0)


def test_zero_delta_from_open_instant_gives_start_itself(office):
    start = berlin(2024, 6, 7, 16, 59, 59)
    assert office.add(start, timedelta(0)) == start
    assert office.add(berlin(2024, 6, 7, 9, 0), timedelta(0)) == berlin(2024, 6, 7, 9, 0)


def test_running_out_exactly_at_interval_end_gives_that_end(office, split):
    assert office.add(berlin(2024, 6, 4, 16, 0), H) == berlin(2024, 6, 4, 17, 0)
    # Friday: the end, not Monday's opening.
    assert office.add(berlin(2024, 6, 7, 9, 0), 8 * H) == berlin(2024, 6, 7, 17, 0)
    # Split shift: the lunch break starts at 12:00, the answer is 12:00, not 13:00.
    assert split.add(berlin(2024, 6, 4, 11, 0), H) == berlin(2024, 6, 4, 12, 0)
    # One microsecond more moves past the gap.
    assert split.add(berlin(2024, 6, 4, 11, 0), H + timedelta(microseconds=1)) == berlin(2024, 6, 4, 13, 0) + timedelta(
        microseconds=1
    )


def test_multiple_intervals_per_day(split):
    assert split.add(berlin(2024, 6, 4, 11, 30), H) == berlin(2024, 6, 4, 13, 30)
    assert split.add(berlin(2024, 6, 4, 12, 15), 10 * M) == berlin(2024, 6, 4, 13, 10)
    # 9 hours a day: 2 business days from Tuesday 08:00 end Wednesday 18:00.
    assert split.add(berlin(2024, 6, 4, 8, 0), 18 * H) == berlin(2024, 6, 5, 18, 0)
    assert split.between(berlin(2024, 6, 4), berlin(2024, 6, 5)) == 9 * H


def test_unsorted_and_overlapping_intervals_are_merged():
    cal = BusinessCalendar("Europe/Berlin", {0: [("13:00", "18:00"), ("08:00", "12:00"), ("11:00", "14:00")]})
    assert cal.between(berlin(2024, 6, 3), berlin(2024, 6, 4)) == 10 * H
    assert cal.add(berlin(2024, 6, 3, 7, 0), 10 * H) == berlin(2024, 6, 3, 18, 0)


def test_business_time_beyond_the_horizon_of_one_cache_chunk(office):
    # 2024 in Bavaria: 251 working days of 8 hours.
    year = 251 * 8 * H
    assert office.between(berlin(2024, 1, 1), berlin(2025, 1, 1)) == year
    assert office.add(berlin(2024, 1, 1), year) == berlin(2024, 12, 31, 17, 0)


def test_add_accepts_any_aware_timezone(office):
    start = datetime(2024, 6, 7, 10, 30, tzinfo=timezone(timedelta(hours=-4)))  # 16:30 Berlin
    assert office.add(start, H) == berlin(2024, 6, 10, 9, 30)


def test_results_are_utc(office):
    start = berlin(2024, 6, 4, 10)
    for value in (office.add(start, H), office.add(start, timedelta(0)), office.next_open(start)):
        assert value.tzinfo is UTC


# ------------------------------------------------------------------ between(), is_open(), next_open()


def test_between_counts_half_open_range(office):
    assert office.between(berlin(2024, 6, 4, 8), berlin(2024, 6, 4, 10)) == H
    assert office.between(berlin(2024, 6, 7, 16), berlin(2024, 6, 10, 10)) == 2 * H
    assert office.between(berlin(2024, 6, 3), berlin(2024, 6, 10)) == 40 * H


def test_between_is_zero_when_b_is_not_after_a(office):
    assert office.between(berlin(2024, 6, 4, 12), berlin(2024, 6, 4, 12)) == timedelta(0)
    assert office.between(berlin(2024, 6, 4, 12), berlin(2024, 6, 4, 10)) == timedelta(0)


def test_between_mixes_time_zones(office):
    a = datetime(2024, 6, 4, 7, 0, tzinfo=UTC)  # 09:00 Berlin
    b = datetime(2024, 6, 4, 5, 0, tzinfo=timezone(timedelta(hours=-5)))  # 12:00 Berlin
    assert office.between(a, b) == 3 * H


def test_is_open_is_half_open(office):
    assert not office.is_open(berlin(2024, 6, 4, 8, 59, 59))
    assert office.is_open(berlin(2024, 6, 4, 9, 0))
    assert office.is_open(berlin(2024, 6, 4, 16, 59, 59))
    assert not office.is_open(berlin(2024, 6, 4, 17, 0))
    assert not office.is_open(berlin(2024, 6, 8, 12, 0))  # Saturday


def test_next_open(office):
    assert office.next_open(berlin(2024, 6, 4, 12)) == berlin(2024, 6, 4, 12)
    assert office.next_open(berlin(2024, 6, 4, 17)) == berlin(2024, 6, 5, 9)
    assert office.next_open(berlin(2024, 6, 8, 3)) == berlin(2024, 6, 10, 9)


# --------------------------------------------------------------------------- overnight and 24:00


def test_overnight_interval_runs_into_next_day():
    # Friday night shift 22:00–06:00 only.
    cal = BusinessCalendar("Europe/Berlin", {4: [("22:00", "06:00")]})
    assert not cal.is_open(berlin(2024, 6, 7, 21, 59))
    assert cal.is_open(berlin(2024, 6, 7, 22, 0))
    assert cal.is_open(berlin(2024, 6, 8, 5, 59))
    assert not cal.is_open(berlin(2024, 6, 8, 6, 0))
    assert cal.add(berlin(2024, 6, 7, 23, 0), 2 * H) == berlin(2024, 6, 8, 1, 0)
    assert cal.add(berlin(2024, 6, 7, 23, 0), 7 * H) == berlin(2024, 6, 8, 6, 0)
    assert cal.add(berlin(2024, 6, 8, 5, 0), 2 * H) == berlin(2024, 6, 14, 23, 0)
    assert cal.between(berlin(2024, 6, 3), berlin(2024, 6, 10)) == 8 * H


def test_sunday_overnight_interval_wraps_into_monday():
    cal = BusinessCalendar("Europe/Berlin", {6: [("20:00", "02:00")]})
    assert cal.is_open(berlin(2024, 6, 10, 1, 30))  # Monday
    assert cal.add(berlin(2024, 6, 9, 23, 0), 3 * H) == berlin(2024, 6, 10, 2, 0)
    assert cal.add(berlin(2024, 6, 10, 12, 0), H) == berlin(2024, 6, 16, 21, 0)


def test_end_of_24_00_is_midnight_and_joins_next_day():
    cal = BusinessCalendar("Europe/Berlin", {0: [("18:00", "24:00")], 1: [("00:00", "02:00")]})
    assert cal.add(berlin(2024, 6, 3, 23, 30), H) == berlin(2024, 6, 4, 0, 30)
    assert cal.is_open(berlin(2024, 6, 4, 0, 0))
    alone = BusinessCalendar("Europe/Berlin", {0: [("18:00", "24:00")]})
    assert alone.add(berlin(2024, 6, 3, 23, 30), 30 * M) == berlin(2024, 6, 4, 0, 0)
    assert not alone.is_open(berlin(2024, 6, 4, 0, 0))
    assert alone.add(berlin(2024, 6, 3, 23, 30), 31 * M) == berlin(2024, 6, 10, 18, 1)


def test_overnight_end_at_midnight_equals_24_00():
    a = BusinessCalendar("Europe/Berlin", {0: [("22:00", "00:00")]})
    b = BusinessCalendar("Europe/Berlin", {0: [("22:00", "24:00")]})
    assert a == b


# --------------------------------------------------------------------------- explicit holidays


def test_explicit_holiday_closes_the_day():
    cal = BusinessCalendar("Europe/Berlin", OFFICE, holidays=[date(2024, 6, 4)])
    assert not cal.is_open(berlin(2024, 6, 4, 12))
    assert cal.add(berlin(2024, 6, 3, 16, 30), H) == berlin(2024, 6, 5, 9, 30)
    assert cal.closed_dates(2024) == frozenset({date(2024, 6, 4)})


def test_holiday_closes_intervals_starting_on_it_not_the_overnight_tail_from_before():
    # Nightly 22:00–06:00 every day; Tuesday 2024-06-04 is a holiday.
    cal = BusinessCalendar("Europe/Berlin", {d: [("22:00", "06:00")] for d in range(7)}, holidays=[date(2024, 6, 4)])
    # Monday's shift belongs to Monday, so it runs into the holiday morning.
    assert cal.is_open(berlin(2024, 6, 4, 5, 0))
    # Tuesday's own shift does not start.
    assert not cal.is_open(berlin(2024, 6, 4, 23, 0))
    assert not cal.is_open(berlin(2024, 6, 5, 3, 0))
    assert cal.add(berlin(2024, 6, 4, 5, 0), 2 * H) == berlin(2024, 6, 5, 23, 0)


# --------------------------------------------------------------------------- extra_open


def test_extra_open_adds_a_saturday_campaign_shift(office):
    shift = (berlin(2024, 6, 8, 10), berlin(2024, 6, 8, 14))
    cal = BusinessCalendar("Europe/Berlin", OFFICE, country="DE", subdivision="BY", extra_open=[shift])
    assert cal.is_open(berlin(2024, 6, 8, 12))
    assert cal.add(berlin(2024, 6, 7, 16, 30), H) == berlin(2024, 6, 8, 10, 30)
    assert cal.add(berlin(2024, 6, 7, 16, 30), 5 * H) == berlin(2024, 6, 10, 9, 30)
    assert cal.between(berlin(2024, 6, 3), berlin(2024, 6, 10)) == 44 * H
    # The same arrival on the plain calendar waits for Monday.
    assert office.add(berlin(2024, 6, 7, 16, 30), H) == berlin(2024, 6, 10, 9, 30)


def test_extra_open_applies_on_public_holidays():
    # 2024-10-03 German Unity Day (Thursday); a product launch is staffed 12:00–16:00.
    launch = (berlin(2024, 10, 3, 12), berlin(2024, 10, 3, 16))
    cal = BusinessCalendar("Europe/Berlin", OFFICE, country="DE", subdivision="BY", extra_open=[launch])
    assert cal.add(berlin(2024, 10, 2, 16, 30), H) == berlin(2024, 10, 3, 12, 30)
    assert not cal.is_open(berlin(2024, 10, 3, 10))


def test_extra_open_overlapping_weekly_hours_is_not_counted_twice():
    late = (berlin(2024, 6, 4, 16), berlin(2024, 6, 4, 20))
    cal = BusinessCalendar("Europe/Berlin", OFFICE, extra_open=[late])
    assert cal.between(berlin(2024, 6, 4), berlin(2024, 6, 5)) == 11 * H
    assert cal.add(berlin(2024, 6, 4, 16, 30), 3 * H) == berlin(2024, 6, 4, 19, 30)


def test_calendar_with_only_extra_open_periods():
    periods = [
        (berlin(2024, 6, 8, 10), berlin(2024, 6, 8, 12)),
        (berlin(2024, 12, 24, 10), berlin(2024, 12, 24, 11)),
    ]
    cal = BusinessCalendar("Europe/Berlin", {}, extra_open=periods)
    assert cal.add(berlin(2024, 6, 1), 2 * H) == berlin(2024, 6, 8, 12)
    assert cal.add(berlin(2024, 6, 1), 2 * H + M) == berlin(2024, 12, 24, 10, 1)
    with pytest.raises(ValueError, match="never opens"):
        cal.add(berlin(2024, 6, 1), 4 * H)
    with pytest.raises(ValueError, match="never opens"):
        cal.next_open(berlin(2025, 1, 1))


# --------------------------------------------------------------------------- never open, always open


def test_calendar_that_never_opens_raises_instead_of_looping():
    cal = BusinessCalendar("Europe/Berlin", {})
    with pytest.raises(ValueError, match="never opens"):
        cal.add(berlin(2024, 6, 1), H)
    with pytest.raises(ValueError, match="never opens"):
        cal.add(berlin(2024, 6, 1), timedelta(0))
    with pytest.raises(ValueError, match="never opens"):
        cal.next_open(berlin(2024, 6, 1))
    assert not cal.is_open(berlin(2024, 6, 1))
    assert cal.between(berlin(2024, 1, 1), berlin(2025, 1, 1)) == timedelta(0)


def test_search_is_bounded_when_holidays_close_every_opening_for_ten_years():
    # Open only on Mondays, and every Monday for eleven years is a holiday.
    first = date(2024, 1, 1)
    mondays = [first + timedelta(weeks=w) for w in range(52 * 11 + 2)]
    cal = BusinessCalendar("Europe/Berlin", {0: [("09:00", "17:00")]}, holidays=mondays)
    with pytest.raises(ValueError, match="closed for more than 3653 days"):
        cal.add(berlin(2024, 1, 1), H)
    with pytest.raises(ValueError, match="closed for more than 3653 days"):
        cal.next_open(berlin(2024, 1, 1))


def test_always_open_adds_real_elapsed_time():
    cal = BusinessCalendar.always_open()
    # Across the spring-forward night: 24 real hours end at 13:00 local.
    assert cal.add(berlin(2024, 3, 30, 12), 24 * H) == berlin(2024, 3, 31, 13)
    assert cal.add(berlin(2024, 3, 30, 12), 24 * H).tzinfo is UTC
    assert cal.between(berlin(2024, 3, 30), berlin(2024, 4, 1)) == 47 * H
    assert cal.is_open(berlin(2024, 12, 25, 3))
    assert cal.next_open(berlin(2024, 12, 25, 3)) == berlin(2024, 12, 25, 3)
    assert cal.add(berlin(2024, 12, 25, 3), timedelta(0)) == berlin(2024, 12, 25, 3)


def test_a_24_7_weekly_template_in_a_local_zone_behaves_like_always_open():
    around = BusinessCalendar("America/New_York", {d: [("00:00", "24:00")] for d in range(7)})
    # Day and overnight shifts that together leave no minute closed.
    night = BusinessCalendar("Europe/Berlin", {d: [("06:00", "18:00"), ("18:00", "06:00")] for d in range(7)})
    start = datetime(2024, 11, 2, 12, tzinfo=UTC)
    for cal in (around, night):
        assert cal.add(start, 30 * H) == start + 30 * H
        assert cal.between(start, start + 100 * H) == 100 * H


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({0: [("25:00", "26:00")]}, "out of range"),
        ({0: [("09:00", "17:60")]}, "out of range"),
        ({0: [("9-5", "17:00")]}, "HH:MM"),
        ({0: ["9-5"]}, "pair"),
        ({0: [("09:00",)]}, "pair"),
        ({0: [("09:00", "17:00", "18:00")]}, "pair"),
        ({0: [(9, 17)]}, "HH:MM"),
        ({0: [("24:00", "06:00")]}, "only allowed as the end"),
        ({0: [("24:30", "06:00")]}, "out of range"),
        ({0: [("10:00", "10:00")]}, "empty"),
        ({0: "09:00-17:00"}, "list"),
        ({7: [("09:00", "17:00")]}, "weekday"),
        ({-1: [("09:00", "17:00")]}, "weekday"),
        ({True: [("09:00", "17:00")]}, "weekday"),
        ({"monday": [("09:00", "17:00")]}, "weekday"),
        ([("09:00", "17:00")], "weekly must map"),
    ],
)
def test_bad_weekly_hours_are_rejected(weekly, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("Europe/Berlin", weekly)


def test_bad_time_message_names_the_weekday_and_value():
    with pytest.raises(ValueError, match=r"weekday 2: .*'25:00'"):
        BusinessCalendar("Europe/Berlin", {2: [("25:00", "26:00")]})


@pytest.mark.parametrize("tz", ["Europe/Bonn", "", "utc", "../etc/passwd", "Europe", None])
def test_unknown_time_zone_is_rejected(tz):
    with pytest.raises(ValueError, match="time zone"):
        BusinessCalendar(tz, OFFICE)


@pytest.mark.parametrize(
    ("country", "subdivision", "message"),
    [
        ("XX", None, "unknown country"),
        ("DE", "ZZ", "unknown subdivision"),
        (None, "BY", "without a country"),
        ("", None, "country"),
    ],
)
def test_unknown_country_or_subdivision_is_rejected(country, subdivision, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("Europe/Berlin", OFFICE, country=country, subdivision=subdivision)


def test_country_and_subdivision_codes_are_case_insensitive_and_aliases_resolve():
    cal = BusinessCalendar("Europe/Berlin", OFFICE, country="de", subdivision="by")
    assert cal.to_dict()["country"] == "DE"
    assert cal.to_dict()["subdivision"] == "BY"
    vienna = BusinessCalendar("Europe/Vienna", OFFICE, country="AT", subdivision="Wien")
    assert vienna.to_dict()["subdivision"] == "9"


def test_naive_datetimes_are_rejected(office):
    naive = datetime(2024, 6, 4, 10)
    aware = berlin(2024, 6, 4, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.add(naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.between(naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.between(aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.is_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.next_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        BusinessCalendar("Europe/Berlin", OFFICE, extra_open=[(naive, aware + H)])
    with pytest.raises(ValueError, match="timezone-aware"):
        BusinessCalendar.always_open().add(naive, H)


def test_negative_or_non_timedelta_delta_is_rejected(office):
    with pytest.raises(ValueError, match="negative"):
        office.add(berlin(2024, 6, 4, 10), -M)
    with pytest.raises(ValueError, match="negative"):
        BusinessCalendar.always_open().add(berlin(2024, 6, 4, 10), -M)
    with pytest.raises(ValueError, match="timedelta"):
        office.add(berlin(2024, 6, 4, 10), 60)


def test_bad_extra_open_and_holidays_are_rejected():
    start = berlin(2024, 6, 8, 10)
    with pytest.raises(ValueError, match="not after start"):
        BusinessCalendar("Europe/Berlin", OFFICE, extra_open=[(start, start)])
    with pytest.raises(ValueError, match="pair"):
        BusinessCalendar("Europe/Berlin", OFFICE, extra_open=[(start,)])
    with pytest.raises(ValueError, match="not a datetime"):
        BusinessCalendar("Europe/Berlin", OFFICE, holidays=[start])
    with pytest.raises(ValueError, match="ISO"):
        BusinessCalendar("Europe/Berlin", OFFICE, holidays=["24.12.2024"])


# --------------------------------------------------------------------------- JSON


def test_to_dict_from_dict_round_trip_through_json():
    cal = BusinessCalendar(
        "Europe/Berlin",
        {0: [("09:00", "17:00")], 4: [("08:00", "12:00"), ("22:00", "06:00")], 5: [("18:00", "24:00")]},
        holidays=[date(2024, 12, 24), date(2024, 12, 31)],
        country="DE",
        subdivision="BY",
        extra_open=[(berlin(2024, 6, 8, 10), berlin(2024, 6, 8, 14))],
    )
    stored = json.loads(json.dumps(cal.to_dict()))
    assert stored == {
        "tz": "Europe/Berlin",
        "weekly": {
            "0": [["09:00", "17:00"]],
            "1": [],
            "2": [],
            "3": [],
            "4": [["08:00", "12:00"], ["22:00", "06:00"]],
            "5": [["18:00", "24:00"]],
            "6": [],
        },
        "holidays": ["2024-12-24", "2024-12-31"],
        "country": "DE",
        "subdivision": "BY",
        "extra_open": [["2024-06-08T10:00:00+02:00", "2024-06-08T14:00:00+02:00"]],
    }
    again = BusinessCalendar.from_dict(stored)
    assert again == cal
    assert hash(again) == hash(cal)
    assert again.add(berlin(2024, 6, 7, 16, 30), H) == cal.add(berlin(2024, 6, 7, 16, 30), H)


def test_from_dict_minimal_and_always_open_round_trip():
    cal = BusinessCalendar.from_dict({"tz": "Europe/Vienna", "weekly": {"0": [["9:00", "17:00"]]}})
    assert cal.to_dict()["weekly"]["0"] == [["09:00", "17:00"]]
    assert cal.tz == "Europe/Vienna"
    assert BusinessCalendar.from_dict(BusinessCalendar.always_open().to_dict()) == BusinessCalendar.always_open()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekly": {}}, "needs a 'tz'"),
        ({"tz": "UTC", "hours": {}}, "unknown calendar field"),
        ({"tz": "UTC", "weekly": {"8": []}}, "weekday"),
        ({"tz": "UTC", "holidays": ["2024-02-30"]}, "ISO"),
        (
            {"tz": "UTC", "extra_open": [["2024-06-08T10:00:00", "2024-06-08T12:00:00+00:00"]]},
            "timezone-aware",
        ),
        ({"tz": "UTC", "extra_open": [["soon", "later"]]}, "ISO 8601"),
        ("Europe/Berlin", "mapping"),
    ],
)
def test_from_dict_rejects_bad_data(data, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_dict(data)


def test_repr_names_zone_and_holiday_region(office):
    assert repr(office) == "<BusinessCalendar Europe/Berlin DE-BY>"
    assert repr(BusinessCalendar.always_open()) == "<BusinessCalendar UTC>"


# --------------------------------------------------------------------------- range, cache, threads


def test_instants_outside_the_supported_years_are_rejected(office):
    with pytest.raises(ValueError, match="outside the supported years"):
        office.add(datetime(9999, 1, 1, tzinfo=UTC), H)
    with pytest.raises(ValueError, match="outside the supported years"):
        office.is_open(datetime(1, 1, 2, tzinfo=UTC))


def test_results_stay_correct_after_the_chunk_cache_evicts():
    cal = BusinessCalendar("Europe/Berlin", OFFICE, country="DE", subdivision="BY")
    before = cal.add(berlin(2024, 6, 7, 16, 30), H)
    # Thirty years touch more four-week chunks than the cache keeps.
    assert cal.between(berlin(2000, 1, 1), berlin(2030, 1, 1)) > 30 * 240 * 8 * H
    assert cal.add(berlin(2024, 6, 7, 16, 30), H) == before == berlin(2024, 6, 10, 9, 30)


def test_one_calendar_shared_by_threads_gives_the_same_answers():
    from concurrent.futures import ThreadPoolExecutor

    cal = BusinessCalendar("Europe/Berlin", SPLIT, country="DE", subdivision="BY")
    starts = [berlin(2024, 1, 1) + timedelta(hours=7 * i) for i in range(2000)]
    fresh = BusinessCalendar.from_dict(cal.to_dict())
    expected = [fresh.add(s, 3 * H) for s in starts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda s: cal.add(s, 3 * H), starts))
    assert got == expected
