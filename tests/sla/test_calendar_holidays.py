"""Public holidays from the holidays package per German Land and for Austria.

Dates were checked against the holidays package's rules for the year
(e.g. Reformation Day was a holiday in every Land in 2017 only).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agency.sla.calendar import BusinessCalendar

H = timedelta(hours=1)
OFFICE = {day: [("09:00", "17:00")] for day in range(5)}


def local(tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))


def germany(subdivision: str | None) -> BusinessCalendar:
    return BusinessCalendar("Europe/Berlin", OFFICE, country="DE", subdivision=subdivision)


def open_at_noon(cal: BusinessCalendar, day: date) -> bool:
    return cal.is_open(local(cal.tz, day.year, day.month, day.day, 12))


@pytest.mark.parametrize(
    ("holiday", "closed_in", "open_in"),
    [
        # Epiphany, Monday 2025-01-06: Bavaria yes, North Rhine-Westphalia no.
        (date(2025, 1, 6), ["BY", "BW", "ST"], ["NW", "BE"]),
        # Reformation Day, Friday 2025-10-31: Saxony yes, Bavaria no.
        (date(2025, 10, 31), ["SN", "BB", "HH", "NI"], ["BY", "NW", "BE"]),
        # 2017: the 500th anniversary made it a holiday everywhere, Bavaria included.
        (date(2017, 10, 31), ["SN", "BY", "NW", "BE"], []),
        # Corpus Christi, Thursday 2025-06-19: NW and BY yes, Berlin no.
        (date(2025, 6, 19), ["NW", "BY", "HE"], ["BE", "SN", "HH"]),
        # International Women's Day, Friday 2024-03-08: Berlin only.
        (date(2024, 3, 8), ["BE"], ["BY", "NW"]),
        # Repentance and Prayer Day, Wednesday 2025-11-19: Saxony only.
        (date(2025, 11, 19), ["SN"], ["BY", "BE"]),
        # Nationwide: German Unity Day, Good Friday, Easter Monday.
        (date(2025, 10, 3), ["BY", "NW", "SN", "BE"], []),
        (date(2025, 4, 18), ["BY", "NW", "SN", "BE"], []),
        (date(2025, 4, 21), ["BY", "NW", "SN", "BE"], []),
    ],
)
def test_german_holidays_by_land(holiday, closed_in, open_in):
    assert holiday.weekday() < 5, "pick a weekday so the office would otherwise be open"
    for land in closed_in:
        assert not open_at_noon(germany(land), holiday), f"{holiday} should be closed in DE-{land}"
    for land in open_in:
        assert open_at_noon(germany(land), holiday), f"{holiday} should be open in DE-{land}"


def test_federal_calendar_without_land_only_has_nationwide_holidays():
    federal = germany(None)
    assert open_at_noon(federal, date(2025, 1, 6))  # Epiphany is per Land
    assert not open_at_noon(federal, date(2025, 10, 3))


def test_due_time_skips_corpus_christi_in_nrw_but_not_in_berlin():
    arrival = local("Europe/Berlin", 2025, 6, 18, 16, 30)  # Wednesday
    assert germany("NW").add(arrival, H) == local("Europe/Berlin", 2025, 6, 20, 9, 30)
    assert germany("BE").add(arrival, H) == local("Europe/Berlin", 2025, 6, 19, 9, 30)


def test_due_time_over_easter_in_bavaria():
    # Maundy Thursday 16:00 + 2h: Good Friday, the weekend and Easter Monday are closed.
    arrival = local("Europe/Berlin", 2025, 4, 17, 16, 0)
    assert germany("BY").add(arrival, 2 * H) == local("Europe/Berlin", 2025, 4, 22, 10, 0)


def test_due_time_over_christmas_and_new_year():
    # Monday 2024-12-23 16:00 + one business day (8h): 24th and 31st are ordinary
    # working days in the package, 25th/26th and 1 January are closed.
    cal = germany("BY")
    assert cal.add(local("Europe/Berlin", 2024, 12, 23, 16), 8 * H) == local("Europe/Berlin", 2024, 12, 24, 16)
    assert cal.add(local("Europe/Berlin", 2024, 12, 24, 16), 2 * H) == local("Europe/Berlin", 2024, 12, 27, 10)
    assert cal.add(local("Europe/Berlin", 2024, 12, 31, 16), 2 * H) == local("Europe/Berlin", 2025, 1, 2, 10)


def test_explicit_holidays_add_to_public_ones():
    # The agency also closes on Christmas Eve and New Year's Eve.
    cal = BusinessCalendar(
        "Europe/Berlin",
        OFFICE,
        holidays=[date(2024, 12, 24), date(2024, 12, 31)],
        country="DE",
        subdivision="BY",
    )
    assert cal.add(local("Europe/Berlin", 2024, 12, 23, 16), 8 * H) == local("Europe/Berlin", 2024, 12, 27, 16)
    closed = cal.closed_dates(2024)
    assert {date(2024, 12, 24), date(2024, 12, 25), date(2024, 12, 31), date(2024, 1, 6)} <= closed
    assert date(2024, 10, 31) not in closed


def test_bavarian_working_hours_in_2025():
    # 261 weekdays minus 11 weekday holidays in Bavaria (1 Jan, 6 Jan, Good Friday, Easter
    # Monday, 1 May, Ascension, Whit Monday, Corpus Christi, 3 Oct, 25 and 26 Dec;
    # All Saints' Day, 1 Nov, is a Saturday).
    cal = germany("BY")
    assert cal.between(local("Europe/Berlin", 2025, 1, 1), local("Europe/Berlin", 2026, 1, 1)) == (261 - 11) * 8 * H


def test_austria_national_holidays():
    cal = BusinessCalendar("Europe/Vienna", OFFICE, country="AT")
    # Immaculate Conception (Monday 2025-12-08) and Epiphany (Monday 2025-01-06).
    assert not open_at_noon(cal, date(2025, 12, 8))
    assert not open_at_noon(cal, date(2025, 1, 6))
    # Assumption Day (Friday 2025-08-15).
    assert not open_at_noon(cal, date(2025, 8, 15))
    # National Day 2025-10-26 is a Sunday and is not moved: Monday is a working day.
    assert open_at_noon(cal, date(2025, 10, 27))
    # The same days in Germany (Berlin) are working days.
    assert open_at_noon(germany("BE"), date(2025, 12, 8))
    arrival = local("Europe/Vienna", 2025, 12, 5, 16, 30)  # Friday
    assert cal.add(arrival, H) == local("Europe/Vienna", 2025, 12, 9, 9, 30)


def test_holiday_is_a_local_date_in_the_calendar_zone():
    # 2025-10-03 00:30 in Berlin is still 2 October in UTC: already the holiday.
    night = BusinessCalendar("Europe/Berlin", {d: [("00:00", "24:00")] for d in range(7)}, country="DE")
    assert not night.is_open(local("Europe/Berlin", 2025, 10, 3, 0, 30))
    assert night.is_open(local("Europe/Berlin", 2025, 10, 2, 23, 59))
    assert night.next_open(local("Europe/Berlin", 2025, 10, 3, 12)) == local("Europe/Berlin", 2025, 10, 4)
