"""Business-hours calendars for SLA due times.

A :class:`BusinessCalendar` answers "when is this due?" (:meth:`~BusinessCalendar.add`),
"how much business time passed?" (:meth:`~BusinessCalendar.between`),
:meth:`~BusinessCalendar.is_open` and :meth:`~BusinessCalendar.next_open`, for weekly
opening hours in a time zone with public holidays (the ``holidays`` package),
explicit closed dates and extra open periods. Calendars are stored as JSON via
:meth:`~BusinessCalendar.to_dict` / :meth:`~BusinessCalendar.from_dict`.

Example: a Facebook comment arriving Friday 16:30 in Berlin with a one-hour
target on a Mon–Fri 09:00–17:00 calendar is due Monday 09:30::

    cal = BusinessCalendar("Europe/Berlin", {d: [("09:00", "17:00")] for d in range(5)},
                           country="DE", subdivision="BY")
    cal.add(friday_1630, timedelta(hours=1))   # Monday 09:30 Berlin, returned in UTC

Layout: ``_spec`` validates inputs, ``_timeline`` turns weekly hours into
merged UTC intervals per four-week chunk (DST rules live there), ``business``
is the public class doing the arithmetic with bisection over cached chunks.
"""

from .business import MAX_CLOSED, BusinessCalendar

__all__ = ["MAX_CLOSED", "BusinessCalendar"]
