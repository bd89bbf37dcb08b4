"""Property tests for BusinessCalendar (hypothesis, bounded so the file runs in seconds).

Calendars are drawn from a few realistic fixed ones (Bavarian office hours,
split shifts, night shifts, extra open periods) and from random weekly
templates in several zones; instants are drawn over two years and around the
2024/2025 clock changes of Europe/Berlin, Europe/Vienna and America/New_York.
Where an oracle is needed it is computed independently from wall-clock
intervals with ``zoneinfo``, avoiding the 01:00–04:00 hours in which local
times may be missing or ambiguous.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agency.sla.calendar import BusinessCalendar

US = timedelta(microseconds=1)
DAY_MIN = 1440
WEEK_MIN = 7 * DAY_MIN
BASE = datetime(2024, 1, 1, tzinfo=UTC)
TWO_YEARS_US = 2 * 366 * 86_400 * 1_000_000
MAX_DELTA_US = 3 * 24 * 3600 * 1_000_000  # three 24h days, i.e. up to nine 8h business days

# CALENDAR_EXAMPLES=5000 for a deeper hunt; the default keeps the suite fast.
PROPS = settings(
    max_examples=int(os.environ.get("CALENDAR_EXAMPLES", "120")),
    deadline=None,
    database=None,  # no .hypothesis/ directory in a shared tree
    suppress_health_check=[HealthCheck.too_slow],
)

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {d: [("09:00", "17:00")] for d in range(5)}
FIXED = [
    BusinessCalendar("Europe/Berlin", OFFICE, country="DE", subdivision="BY"),
    BusinessCalendar(
        "Europe/Berlin", {**{d: [("08:00", "12:00"), ("13:00", "18:00")] for d in range(5)}, 5: [("10:00", "14:00")]}
    ),
    BusinessCalendar("Europe/Vienna", {d: [("22:00", "06:00")] for d in range(7)}, country="AT"),
    BusinessCalendar("America/New_York", {6: [("00:00", "06:00")], 2: [("01:30", "02:30")]}),
    BusinessCalendar("America/New_York", {d: [("00:00", "24:00")] for d in range(7)}, holidays=[date(2024, 7, 4)]),
    BusinessCalendar(
        "Europe/Berlin",
        OFFICE,
        country="DE",
        subdivision="SN",
        extra_open=[
            (datetime(2024, 6, 8, 10, tzinfo=BERLIN), datetime(2024, 6, 8, 14, tzinfo=BERLIN)),
            (datetime(2024, 12, 25, 9, tzinfo=BERLIN), datetime(2024, 12, 27, 20, tzinfo=BERLIN)),
        ],
    ),
]

ZONES = ["Europe/Berlin", "Europe/Vienna", "America/New_York"]
# Mondays of weeks that contain a clock change, per zone.
DST_WEEKS = {
    "Europe/Berlin": [date(2024, 3, 25), date(2024, 10, 21), date(2025, 3, 24), date(2025, 10, 20)],
    "Europe/Vienna": [date(2024, 3, 25), date(2024, 10, 21), date(2025, 3, 24), date(2025, 10, 20)],
    "America/New_York": [date(2024, 3, 4), date(2024, 10, 28), date(2025, 3, 3), date(2025, 10, 27)],
}
# Mondays of weeks without a clock change in any zone used here.
PLAIN_WEEKS = [date(2024, 1, 8), date(2024, 5, 13), date(2024, 7, 15), date(2024, 9, 2), date(2024, 12, 2)]


# --------------------------------------------------------------------------- strategies


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def week_templates(draw: st.DrawFn, avoid_night: bool = False) -> list[tuple[int, int]]:
    """Non-overlapping intervals in minutes of the week [0, 10080], each shorter than a day.

    With ``avoid_night`` no boundary falls in 01:00–04:00 local, where a wall
    time may not exist or exist twice around a clock change.
    """
    minute = st.integers(0, WEEK_MIN // 5).map(lambda m: m * 5)
    if avoid_night:
        minute = minute.filter(lambda m: not 60 <= m % DAY_MIN < 240)
    points = sorted(draw(st.sets(minute, min_size=0, max_size=16)))
    pairs = zip(points[::2], points[1::2], strict=False)
    return [(start, end) for start, end in pairs if end - start < DAY_MIN]


def to_weekly(template: list[tuple[int, int]]) -> dict[int, list[tuple[str, str]]]:
    """Week minutes → the calendar's weekday → ("HH:MM", "HH:MM") form (overnight when needed)."""
    weekly: dict[int, list[tuple[str, str]]] = {}
    for start, end in template:
        day, start_min = divmod(start, DAY_MIN)
        end_min = end - day * DAY_MIN
        end_text = "24:00" if end_min == DAY_MIN else _hhmm(end_min % DAY_MIN)
        weekly.setdefault(day, []).append((_hhmm(start_min), end_text))
    return weekly


@st.composite
def random_calendars(draw: st.DrawFn) -> BusinessCalendar:
    tz = draw(st.sampled_from([*ZONES, "UTC", "Asia/Kolkata"]))
    template = draw(week_templates())
    closed = draw(st.sets(st.dates(date(2024, 1, 1), date(2025, 12, 31)), max_size=20))
    return BusinessCalendar(tz, to_weekly(template), holidays=closed)


calendars = st.one_of(st.sampled_from(FIXED), random_calendars())
instants = st.integers(0, TWO_YEARS_US).map(lambda us: BASE + timedelta(microseconds=us))
deltas = st.one_of(
    st.integers(0, MAX_DELTA_US // 60_000_000).map(lambda m: timedelta(minutes=m)),
    st.integers(0, MAX_DELTA_US).map(lambda us: timedelta(microseconds=us)),
)


@st.composite
def dst_instants(draw: st.DrawFn) -> datetime:
    """An instant in a week with a clock change (a random one of the three zones)."""
    tz = draw(st.sampled_from(ZONES))
    monday = draw(st.sampled_from(DST_WEEKS[tz]))
    # Arithmetic in UTC: adding a timedelta to a zoned datetime moves the wall clock.
    start = datetime.combine(monday, time(), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    offset = draw(st.integers(-86_400_000_000, 8 * 86_400_000_000))
    return start + timedelta(microseconds=offset)


any_instants = st.one_of(instants, dst_instants())


def usable(cal: BusinessCalendar) -> bool:
    """Whether the calendar opens at all (an empty random template never does)."""
    return any(cal.to_dict()["weekly"].values()) or bool(cal.to_dict()["extra_open"])


# --------------------------------------------------------------------------- add() and between()


@PROPS
@given(cal=calendars, a=any_instants, d=deltas)
def test_between_of_add_is_delta_and_add_is_the_earliest_such_instant(cal, a, d):
    if not usable(cal):
        return
    due = cal.add(a, d)
    assert due >= a
    assert cal.between(a, due) == d
    if d > timedelta(0):
        # One microsecond earlier not all of d has elapsed: add() does not overshoot.
        assert cal.between(a, due - US) < d


@PROPS
@given(cal=calendars, a=any_instants, b=any_instants, d=deltas)
def test_add_is_monotonic_in_start(cal, a, b, d):
    if not usable(cal):
        return
    a, b = min(a, b), max(a, b)
    assert cal.add(a, d) <= cal.add(b, d)


@PROPS
@given(cal=calendars, a=any_instants, d1=deltas, d2=deltas)
def test_add_is_monotonic_in_delta(cal, a, d1, d2):
    if not usable(cal):
        return
    d1, d2 = min(d1, d2), max(d1, d2)
    assert cal.add(a, d1) <= cal.add(a, d2)


@PROPS
@given(cal=calendars, a=any_instants, b=any_instants, c=any_instants)
def test_between_is_additive(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert cal.between(c, a) == timedelta(0)


@PROPS
@given(cal=calendars, a=any_instants, d=deltas)
def test_add_never_ends_in_a_closed_period_except_exactly_at_an_interval_end(cal, a, d):
    if not usable(cal):
        return
    due = cal.add(a, d)
    if d == timedelta(0):
        assert cal.is_open(due)
        assert due == cal.next_open(a)
    else:
        assert cal.is_open(due) or (cal.is_open(due - US) and not cal.is_open(due))


@PROPS
@given(cal=calendars, t=any_instants)
def test_next_open_is_the_first_open_instant(cal, t):
    if not usable(cal):
        return
    first = cal.next_open(t)
    assert first >= t
    assert cal.is_open(first)
    assert cal.between(t, first) == timedelta(0)
    assert (first == t) == cal.is_open(t)
    if first > t:
        assert not cal.is_open(first - US)


# --------------------------------------------------------------------------- against independent oracles


@PROPS
@given(
    tz=st.sampled_from([*ZONES, "UTC", "Asia/Kolkata"]),
    template=week_templates(),
    monday=st.sampled_from(PLAIN_WEEKS),
)
def test_a_holiday_free_week_has_exactly_the_weekly_hours(tz, template, monday):
    cal = BusinessCalendar(tz, to_weekly(template))
    zone = ZoneInfo(tz)
    start = datetime.combine(monday, time(), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone)
    assert cal.between(start, end) == timedelta(minutes=sum(e - s for s, e in template))


def _real_intervals(tz: str, monday: date, template: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    """The template's intervals in the week of ``monday`` as UTC instants (wall → UTC by zoneinfo)."""
    zone = ZoneInfo(tz)
    out = []
    for start, end in template:
        begin = datetime.combine(monday, time(), tzinfo=zone)
        s = (begin.replace(tzinfo=None) + timedelta(minutes=start)).replace(tzinfo=zone).astimezone(UTC)
        e = (begin.replace(tzinfo=None) + timedelta(minutes=end)).replace(tzinfo=zone).astimezone(UTC)
        out.append((s, e))
    return out


@PROPS
@given(tz=st.sampled_from(ZONES), template=week_templates(avoid_night=True), data=st.data())
def test_dst_week_matches_wall_clock_oracle(tz, template, data):
    monday = data.draw(st.sampled_from(DST_WEEKS[tz] + PLAIN_WEEKS))
    cal = BusinessCalendar(tz, to_weekly(template))
    real = _real_intervals(tz, monday, template)
    zone = ZoneInfo(tz)
    week_start = datetime.combine(monday, time(), tzinfo=zone).astimezone(UTC)
    week_end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone).astimezone(UTC)

    # Whole week: real elapsed hours, so ±1 h against the wall-clock sum when an
    # interval spans the change.
    assert cal.between(week_start, week_end) == sum((e - s for s, e in real), timedelta(0))

    # Any sub-range, and is_open at random instants.
    span = (week_end - week_start) // US  # 167, 168 or 169 hours
    a_off, b_off = sorted(data.draw(st.lists(st.integers(0, span - 1), min_size=2, max_size=2)))
    a = week_start + timedelta(microseconds=a_off)
    b = week_start + timedelta(microseconds=b_off)
    expected = sum((max(timedelta(0), min(e, b) - max(s, a)) for s, e in real), timedelta(0))
    assert cal.between(a, b) == expected
    assert cal.is_open(a) == any(s <= a < e for s, e in real)


@PROPS
@given(cal=st.sampled_from(FIXED[:1]), t=instants)
def test_bavarian_office_is_open_exactly_on_working_hours_of_non_holidays(cal, t):
    local = t.astimezone(BERLIN)
    working_day = local.weekday() < 5 and local.date() not in cal.closed_dates(local.year)
    assert cal.is_open(t) == (working_day and time(9) <= local.time() < time(17))
