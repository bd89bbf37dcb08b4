"""The figures of a monthly report (and of the analytics pages), computed in SQL.

A *period* is ``[start, end)`` in UTC; a report's period is one calendar month in the workspace's time
zone. The figures are plain JSON (numbers, strings, ISO dates) so that a report keeps the snapshot it was
rendered from (``Report.figures``) and a published report never changes when the inbox does.

Populations:

* **interactions** — items from customers (not our own) that arrived in the period, spam included (it is
  reported under moderation); by channel, kind and local day.
* **SLA figures** — ``agency.sla.metrics.workspace_metrics`` (answer rate, first-response time in service
  hours and on the wall clock, compliance per target): the same numbers the SLA board shows.
* **sentiment, topics, questions** — customer items without spam; words and questions are counted in a
  sample of at most ``TEXT_SAMPLE`` items (estimates, marked ``topics.sample``, for larger months).

Comparison: the previous month, and the average of the three months before the report's month.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from agency import db, wiring
from agency.accounts.models import Workspace

#: Words that say nothing about a topic (German and English); compared in lower case.
_STOP_WORDS_TEXT = """
aber alle allem allen aller alles als also am an ander andere anderen auch auf aus bei bin bis bist da dabei
dadurch dafür dagegen daher dahin damit danach dann darauf darum das dass dein deine dem den denn der des dich
dies diese diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einfach er es
etwas euch euer eure für gar gegen gewesen gibt ging habe haben hat hatte hätte hier hin hinter ich ihm ihn
ihnen ihr ihre im immer in ist ja jede jedem jeden jeder jetzt kann kein keine keinen können könnt konnte
machen man mehr mein meine mich mir mit muss müssen nach nicht nichts noch nun nur ob oder ohne schon sehr
sein seine sich sie sind so soll sollte sondern sowie über um und uns unser unsere unter viel vom von vor
war waren warum was weil weiter welche wenn wer werde werden wie wieder will wir wird wo wohl wurde wurden
zu zum zur zwar zwischen bitte danke vielen dank gerne heute morgen gestern leider mal ganz gut super toll
the a an and or but if of at by for with about against between into through during before after above below
to from up down in out on off over under again further then once here there when where why how all any both
each few more most other some such no nor not only own same so than too very can will just don should now
is are was were be been being have has had having do does did doing i me my myself we our ours you your
yours he him his she her it its they them their what which who whom this that these those am would could
get got thanks thank please hi hello hey also really still just like one
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD_MIN_LENGTH = 4

_CUSTOMER = ("i.workspace_id = :ws AND i.platform_created_at >= :start AND i.platform_created_at < :end "
             "AND i.is_own = false")

# One pass over the month's customer items for volume (channel, kind, local day), the sentiment trend (local
# day and label) and spam: the three are sums over these groups. The channels' names are joined to the few
# groups afterwards, not to every item.
_DETAIL = text(f"""
SELECT g.channel_id, coalesce(c.name, ''), coalesce(c.platform, g.platform), g.kind, g.day, g.label, g.spam, g.n
FROM (SELECT i.channel_id, i.platform, i.kind, (i.platform_created_at AT TIME ZONE :tz)::date AS day,
             coalesce(i.sentiment_label, 'unknown') AS label, (i.status = 'spam' OR i.is_spam) AS spam, count(*) AS n
      FROM interactions i
      WHERE {_CUSTOMER}
      GROUP BY 1, 2, 3, 4, 5, 6) AS g
LEFT JOIN channels c ON c.id = g.channel_id
""")  # noqa: S608 - only the constant _CUSTOMER is interpolated


def detail_rows(params: dict) -> list[tuple]:
    """The month's customer items grouped by channel, kind, local day, sentiment and spam (see ``_DETAIL``)."""
    return [tuple(row) for row in db.session.execute(_DETAIL, params)]


_TAGS = text(f"""
SELECT tag, count(*) FROM interactions i, unnest(i.tags) AS tag
WHERE {_CUSTOMER} AND i.status <> 'spam' AND NOT i.is_spam
GROUP BY tag ORDER BY count(*) DESC, tag LIMIT :limit
""")  # noqa: S608 - only the constant _CUSTOMER is interpolated

#: Words and questions are counted in at most this many of the month's items (a pseudo-random sample, the
#: same on every run); a month with more items gets estimated counts (``topics()["sample"]``).
TEXT_SAMPLE = 5000

# Words per item counted once (``ndoc`` of ts_stat, in C) over the sampled items; the inner query carries only
# integers and two ISO timestamps that this module formats itself.
_WORDS = text("""
SELECT word, ndoc FROM ts_stat(:inner)
WHERE char_length(word) >= :min_length AND word ~ '^[[:alpha:]]+$' AND NOT (word = ANY(CAST(:stop AS text[])))
ORDER BY ndoc DESC, word LIMIT :limit
""")


def _words_query(params: dict, sample: int) -> str:
    start, end = params["start"].astimezone(UTC).isoformat(), params["end"].astimezone(UTC).isoformat()
    return ("SELECT to_tsvector('simple', s.text) FROM (SELECT i.text FROM interactions i "  # noqa: S608 - typed
            f"WHERE i.workspace_id = {int(params['ws'])} AND i.platform_created_at >= '{start}' "
            f"AND i.platform_created_at < '{end}' AND i.is_own = false AND i.status <> 'spam' AND NOT i.is_spam "
            f"ORDER BY hashint8(i.id), i.id LIMIT {int(sample)}) AS s")


# The texts of the month's questions (a sample as above), with how many there are in all.
_QUESTION_TEXTS = text(f"""
SELECT i.text, count(*) OVER () FROM interactions i
WHERE {_CUSTOMER} AND i.is_question AND i.status <> 'spam' AND NOT i.is_spam
ORDER BY hashint8(i.id), i.id LIMIT :sample
""")  # noqa: S608 - only the constant _CUSTOMER is interpolated

_REPLIES_BY_AGENT = text("""
SELECT r.author_id, count(*) FROM replies r
WHERE r.workspace_id = ANY(CAST(:ids AS bigint[])) AND r.status = 'sent' AND r.sent_at >= :start AND r.sent_at < :end
GROUP BY r.author_id
""")

# An agent's response time: from the customer's item to the first reply it got, for items that reply answered.
_RESPONSE_BY_AGENT = text("""
SELECT r.author_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.sent_at - i.platform_created_at))
FROM interactions i
JOIN LATERAL (SELECT r.author_id, r.sent_at FROM replies r WHERE r.interaction_id = i.id AND r.status = 'sent'
              ORDER BY r.sent_at LIMIT 1) r ON true
WHERE i.workspace_id = ANY(CAST(:ids AS bigint[])) AND i.platform_created_at >= :start
  AND i.platform_created_at < :end AND i.is_own = false
GROUP BY r.author_id
""")


def month_bounds(workspace: Workspace, month: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a calendar month in the workspace's time zone."""
    zone = ZoneInfo(workspace.timezone or "Europe/Berlin")
    first = month.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC),
            datetime(following.year, following.month, 1, tzinfo=zone).astimezone(UTC))


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


# SLA population (as ``agency.sla.metrics``): customer items in our hands — not deleted, spam or ignored, and
# not history that arrived already closed.
_IN_SLA = ("NOT i.is_deleted AND i.status NOT IN ('spam', 'ignored') AND (i.status IN ('new', 'open', 'waiting') "
           "OR i.first_responded_at IS NOT NULL OR i.resolved_at IS NOT NULL)")
_NOT_SPAM = "i.status <> 'spam' AND NOT i.is_spam"
# Per SLA target: (due column, done expression), as in ``agency.sla.metrics``.
_SLA_TARGETS = {
    "first_response": ("i.first_response_due_at", "coalesce(i.first_responded_at, i.resolved_at)"),
    "next_response": ("i.next_response_due_at", "coalesce(i.first_responded_at, i.resolved_at)"),
    "resolution": ("i.resolution_due_at", "i.resolved_at"),
}


def _met(due: str, done: str) -> str:
    return f"({due} IS NOT NULL AND {done} IS NOT NULL AND {done} <= {due})"


def _missed(due: str, done: str) -> str:
    return f"({due} IS NOT NULL AND (({done} IS NOT NULL AND {done} > {due}) OR ({done} IS NULL AND {due} <= :now)))"


# Business time before an instant (microseconds since the epoch) on the calendar's timeline: ``b`` is the open
# interval at or before the instant, found by width_bucket over :starts (a binary search in C); :offsets[b] is
# the open time before that interval minus its start (``cum_start - starts`` of
# ``BusinessCalendar.open_timeline_us``), so inside the interval the open time is ``offsets[b] + us`` and after
# it ``offsets[b] + ends[b]``. Before the first interval (b = 0) the subscript is NULL: no open time.
def _open_before(us: str, b: str) -> str:
    return f"coalesce((CAST(:offsets AS bigint[]))[{b}] + least({us}, (CAST(:ends AS bigint[]))[{b}]), 0)"


_COMPLIANCE_FLAGS = ", ".join(
    f"i.sla AND {_met(due, done)} AS met_{k}, i.sla AND {_missed(due, done)} AS missed_{k}"
    for k, (due, done) in enumerate(_SLA_TARGETS.values()))
_COMPLIANCE_COLUMNS = ", ".join(f"count(*) FILTER (WHERE met_{k}), count(*) FILTER (WHERE missed_{k})"
                                for k in range(len(_SLA_TARGETS)))
_ANY_MISSED = " OR ".join(_missed(due, done) for due, done in _SLA_TARGETS.values())

# One pass over all the periods (bounds[k] <= created < bounds[k+1] is period k+1): volume, sentiment and every
# SLA figure, the business-time percentiles included. The inner queries (kept apart by OFFSET 0) compute each
# item's flags and durations once into a narrow row; the aggregates then only count and sort those.
_PERIODS = text(f"""
SELECT i.period, count(*),
       count(*) FILTER (WHERE i.label = 'positive'), count(*) FILTER (WHERE i.label = 'neutral'),
       count(*) FILTER (WHERE i.label = 'negative'), count(*) FILTER (WHERE i.label = 'unknown'),
       count(*) FILTER (WHERE i.label <> 'unknown'),
       count(*) FILTER (WHERE i.sla), count(*) FILTER (WHERE i.answered),
       count(*) FILTER (WHERE i.still_open), count(*) FILTER (WHERE i.any_missed),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY i.wall) FILTER (WHERE i.answered),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY i.wall) FILTER (WHERE i.answered),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY i.business) FILTER (WHERE i.answered),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY i.business) FILTER (WHERE i.answered),
       count(*) FILTER (WHERE i.answered), max(i.first_responded_at) FILTER (WHERE i.answered),
       {_COMPLIANCE_COLUMNS}
FROM (SELECT i.*,
             CASE WHEN i.answered THEN greatest(0, {_open_before("i.responded_us", "i.responded_bucket")}
                                                   - {_open_before("i.created_us", "i.created_bucket")}
                                         )::float8 / 1000000 END AS business
      FROM (SELECT i.period, i.sla, i.answered, i.sla AND i.status IN ('new', 'open', 'waiting') AS still_open,
                   i.sla AND ({_ANY_MISSED}) AS any_missed, {_COMPLIANCE_FLAGS},
                   CASE WHEN i.not_spam THEN coalesce(i.sentiment_label, 'unknown') END AS label,
                   i.first_responded_at, i.wall, i.created_us, i.responded_us,
                   width_bucket(i.created_us, CAST(:starts AS bigint[])) AS created_bucket,
                   width_bucket(i.responded_us, CAST(:starts AS bigint[])) AS responded_bucket
            FROM (SELECT i.*, width_bucket(i.platform_created_at, CAST(:bounds AS timestamptz[])) AS period,
                         ({_IN_SLA}) AS sla, ({_NOT_SPAM}) AS not_spam,
                         ({_IN_SLA}) AND i.first_responded_at IS NOT NULL AS answered,
                         extract(epoch FROM i.first_responded_at - i.platform_created_at)::float8 AS wall,
                         (extract(epoch FROM i.platform_created_at) * 1000000)::bigint AS created_us,
                         (extract(epoch FROM i.first_responded_at) * 1000000)::bigint AS responded_us
                  FROM interactions i
                  WHERE i.workspace_id = :ws AND i.platform_created_at >= :first AND i.platform_created_at < :last
                    AND i.is_own = false
                  OFFSET 0) AS i
            OFFSET 0) AS i
      OFFSET 0) AS i
GROUP BY i.period
""")  # noqa: S608 - only module constants are interpolated


def _empty_core() -> dict[str, Any]:
    return {"interactions": 0, "in_scope": 0, "answered": 0, "open": 0, "answer_rate": None,
            "first_response_wall": {"median": None, "p90": None, "count": 0},
            "first_response_business": {"median": None, "p90": None, "count": 0},
            "compliance": {name: {"met": 0, "missed": 0, "rate": None} for name in _SLA_TARGETS},
            "sentiment": {"positive": 0, "neutral": 0, "negative": 0, "unknown": 0},
            "negative_share": None, "positive_share": None, "breached": 0}


def periods_core_figures(workspace: Workspace, bounds: list[datetime], *, now: datetime | None = None
                         ) -> list[dict[str, Any]]:
    """``core_figures`` of consecutive periods ``[bounds[k], bounds[k+1])`` in one pass over their rows.

    Business-time durations use the SLA calendar's timeline (``BusinessCalendar.open_timeline_us``) in SQL, so
    they equal ``calendar.between`` per item without a Python call per item."""
    from agency.sla.policy import effective_policy

    calendar = effective_policy(workspace).calendar
    covered_until = max(bounds[-1], now or db.utcnow()) + timedelta(days=1)
    params = {"ws": workspace.id, "first": bounds[0], "last": bounds[-1], "bounds": bounds[:-1],
              "now": now or db.utcnow()}
    while True:
        starts, ends, cum_start, _cum_end = calendar.open_timeline_us(bounds[0], covered_until)
        offsets = [before - start for before, start in zip(cum_start, starts, strict=True)]
        rows = db.session.execute(_PERIODS, {**params, "starts": starts, "ends": ends, "offsets": offsets}).all()
        latest = max((row[16] for row in rows if row[16] is not None), default=None)
        if latest is None or latest < covered_until:
            break
        covered_until = latest + timedelta(days=1)  # a reply later than the timeline reaches: widen it
    found = {row[0]: row for row in rows}
    results = []
    for period in range(1, len(bounds)):
        row = found.get(period)
        if row is None:
            results.append(_empty_core())
            continue
        (_, received, positive, neutral, negative, unknown, rated, in_scope, answered, still_open, breached,
         wall_median, wall_p90, business_median, business_p90, durations, _latest, *compliance) = row
        results.append({
            "interactions": int(received), "in_scope": int(in_scope), "answered": int(answered),
            "open": int(still_open), "answer_rate": (answered / in_scope) if in_scope else None,
            "first_response_wall": {"median": _seconds(wall_median), "p90": _seconds(wall_p90),
                                    "count": int(durations)},
            "first_response_business": {"median": _seconds(business_median), "p90": _seconds(business_p90),
                                        "count": int(durations)},
            "compliance": {name: {"met": int(compliance[2 * k]), "missed": int(compliance[2 * k + 1]),
                                  "rate": (compliance[2 * k] / (compliance[2 * k] + compliance[2 * k + 1])
                                           if compliance[2 * k] + compliance[2 * k + 1] else None)}
                           for k, name in enumerate(_SLA_TARGETS)},
            "sentiment": {"positive": int(positive), "neutral": int(neutral), "negative": int(negative),
                          "unknown": int(unknown)},
            "negative_share": (negative / rated) if rated else None,
            "positive_share": (positive / rated) if rated else None,
            "breached": int(breached),
        })
    return results


def core_figures(workspace: Workspace, start: datetime, end: datetime, *, now: datetime | None = None
                 ) -> dict[str, Any]:
    """Volume and the SLA figures of one period: what the KPI table compares month by month."""
    return periods_core_figures(workspace, [start, end], now=now)[0]


def volume(workspace: Workspace, params: dict, first: date, last: date, *, rows: list[tuple] | None = None
           ) -> dict[str, Any]:
    by_channel: dict[str, dict[str, Any]] = {}
    by_kind: dict[str, int] = {}
    by_day: dict[str, int] = {}
    day = first
    while day <= last:
        by_day[day.isoformat()] = 0
        day += timedelta(days=1)
    for channel_id, name, platform, kind, local_day, _label, _spam, count in (
            detail_rows(params) if rows is None else rows):
        key = str(channel_id or 0)
        row = by_channel.setdefault(key, {"name": name, "platform": platform, "count": 0})
        row["count"] += count
        by_kind[kind] = by_kind.get(kind, 0) + count
        by_day[local_day.isoformat()] = by_day.get(local_day.isoformat(), 0) + count
    channels = sorted(by_channel.values(), key=lambda r: (-r["count"], r["name"]))
    return {"by_channel": channels, "by_kind": dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
            "by_day": by_day}


def sentiment_by_week(params: dict, *, rows: list[tuple] | None = None) -> list[dict[str, Any]]:
    """Sentiment per ISO week of the period (the trend line of the report); spam left out."""
    weeks: dict[str, dict[str, int]] = {}
    for *_group, local_day, label, spam, count in (detail_rows(params) if rows is None else rows):
        if spam:
            continue
        year, week, _ = local_day.isocalendar()
        row = weeks.setdefault(f"{year}-W{week:02d}", {"positive": 0, "neutral": 0, "negative": 0, "unknown": 0})
        row[label if label in row else "unknown"] += count
    return [{"week": key, **values} for key, values in sorted(weeks.items())]


def _hours(workspace: Workspace, month: date) -> dict[str, Any]:
    from agency.timetracking import budgets
    from agency.timetracking.settings import activities, activity_label

    status = budgets.budget_status(workspace, month.year, month.month)
    names = {a.id: activity_label(a) for a in activities(workspace.agency_id, include_archived=True)}
    by_activity = [{"name": names.get(activity_id, "—"), "minutes": minutes,
                    "budget": status.activity_budgets.get(activity_id)}
                   for activity_id, minutes in status.activity_used.items() if minutes]
    by_activity.sort(key=lambda r: (-r["minutes"], r["name"]))
    return {"used": status.used_minutes, "contracted": status.budget_minutes,
            "carried_over": status.carried_over_minutes, "available": status.available_minutes,
            "remaining": status.remaining_minutes if status.has_budget else None,
            "percent": status.percent_used, "by_activity": by_activity,
            "daily": {d.isoformat(): m for d, m in sorted(status.daily_used.items())}}


def _community(workspace: Workspace, start: datetime, end: datetime) -> dict[str, Any]:
    from agency.community.queries import monthly_summary

    summary = monthly_summary(workspace, start, end)
    escalations = summary["escalations"]

    def secs(value: timedelta | None) -> float | None:
        return None if value is None else round(value.total_seconds(), 1)

    return {
        "incidents": [{"title": i["title"], "opened_at": i["opened_at"].isoformat(),
                       "closed_at": i["closed_at"].isoformat() if i["closed_at"] else None,
                       "summary": i["summary"] or ""} for i in summary["incidents"]],
        "escalations": {"count": escalations["count"], "answered": escalations["answered"],
                        "waiting": escalations["waiting"], "median": secs(escalations["median"]),
                        "median_business": secs(escalations["median_business"])},
        "proactive_replies": summary["proactive_replies"],
    }


def _moderation(workspace: Workspace, params: dict, rows: list[tuple]) -> dict[str, Any]:
    counts = {"spam": sum(row[-1] for row in rows if row[-2])}
    provider = wiring.provided("moderation_counts")
    counts["available"] = provider is not None
    if provider is not None:
        for action, count in (provider(workspace.id, params["start"], params["end"]) or {}).items():
            counts[str(action)] = int(count)
    return counts


def _invoiced(workspace: Workspace, month: date) -> dict[str, Any] | None:
    provider = wiring.provided("invoiced_amount")
    if provider is None:
        return None
    found = provider(workspace.id, month.year, month.month)
    if not found:
        return None
    cents, currency = found
    return {"cents": int(cents), "currency": str(currency)}


def topics(params: dict, limit: int = 10, *, rows: list[tuple] | None = None) -> dict[str, Any]:
    """Top tags (exact), frequent words and frequent questions (counted in a sample of ``TEXT_SAMPLE`` items,
    scaled up to the month when it had more; ``sample`` then says so)."""
    rows = detail_rows(params) if rows is None else rows
    items = sum(row[-1] for row in rows if not row[-2])
    scale = items / TEXT_SAMPLE if items > TEXT_SAMPLE else 1.0
    words = [{"word": w, "count": round(c * scale)} for w, c in db.session.execute(
        _WORDS, {"inner": _words_query(params, TEXT_SAMPLE), "limit": limit, "min_length": _WORD_MIN_LENGTH,
                 "stop": sorted(STOP_WORDS)})]
    texts = db.session.execute(_QUESTION_TEXTS, {**params, "sample": TEXT_SAMPLE}).all()
    asked = texts[0][1] if texts else 0
    found = {
        "tags": [{"tag": t, "count": c} for t, c in db.session.execute(_TAGS, {**params, "limit": limit})],
        "words": words,
        "questions": frequent_questions([t for t, _n in texts], limit=5,
                                        scale=asked / len(texts) if texts else 1.0),
    }
    if scale > 1 or asked > len(texts):
        found["sample"] = {"items": min(items, TEXT_SAMPLE), "of": items}
    return found


# --- frequent questions ---------------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@[\w.]+")
_NOT_WORD = re.compile(r"[\W_]+")  # punctuation, emoji, symbols and spacing


def question_key(value: str) -> str:
    """What a question asks, ignoring how it is written: case, punctuation, emoji, links, @mentions, spacing
    and German and English stop words. "Wann öffnet ihr morgen?", "wann öffnet ihr morgen??" and "Wann öffnet
    ihr denn morgen" have the same key; a question of stop words only keeps its words."""
    text = _MENTION.sub(" ", _URL.sub(" ", (value or "").casefold()))
    tokens = _NOT_WORD.sub(" ", text).split()
    kept = [token for token in tokens if token not in STOP_WORDS]
    return " ".join(kept or tokens)


def frequent_questions(texts: list[str], *, limit: int = 5, scale: float = 1.0) -> list[dict[str, Any]]:
    """The questions asked more than once (by ``question_key``), most asked first, each in its most common
    wording (ties: the shorter, then the alphabetically first); counts multiplied by ``scale`` for a sample."""
    groups: dict[str, Counter[str]] = {}
    for value in texts:
        key = question_key(value)
        if key:
            groups.setdefault(key, Counter())[_one_line(value)] += 1
    found = []
    for wordings in groups.values():
        count = sum(wordings.values())
        if count > 1:
            text = min(wordings.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
            found.append({"text": text, "count": round(count * scale)})
    found.sort(key=lambda q: (-q["count"], q["text"]))
    return found[:limit]


def _one_line(value: str, limit: int = 200) -> str:
    value = re.sub(r"\s+", " ", value or "").strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _average(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def comparison_row(months: list[dict[str, Any]]) -> dict[str, Any]:
    """The three-month average of the KPI figures (months without data are left out per figure)."""
    def pick(figures: dict, path: str):
        value: Any = figures
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    return {path: _average([pick(m, path) for m in months]) for path in KPI_PATHS}


#: The KPI table's figures, as paths into ``core_figures``.
KPI_PATHS = ("interactions", "answer_rate", "first_response_business.median", "first_response_business.p90",
             "first_response_wall.median", "compliance.first_response.rate", "negative_share")


def kpis(figures: dict[str, Any]) -> dict[str, Any]:
    return comparison_row([figures])


def month_figures(workspace: Workspace, month: date, *, now: datetime | None = None,
                  progress=None) -> dict[str, Any]:
    """Everything the monthly report shows for ``workspace`` in ``month``, with the previous month and the
    average of the three months before it. ``progress(percent)`` is told how far the work has got."""
    month = month.replace(day=1)
    start, end = month_bounds(workspace, month)
    last_day = (end.astimezone(ZoneInfo(workspace.timezone or "Europe/Berlin")) - timedelta(days=1)).date()
    params = {"ws": workspace.id, "start": start, "end": end, "tz": workspace.timezone or "Europe/Berlin"}
    step = progress or (lambda _percent: None)
    earlier_months = [previous_month(month)]
    for _ in range(2):
        earlier_months.append(previous_month(earlier_months[-1]))
    bounds = [month_bounds(workspace, m)[0] for m in reversed(earlier_months)] + [start, end]
    *oldest_first, current = periods_core_figures(workspace, bounds, now=now)
    earlier = list(reversed(oldest_first))
    step(45)
    rows = detail_rows(params)
    figures = {
        "workspace": {"id": workspace.id, "name": workspace.name},
        "month": month.isoformat(), "start": start.isoformat(), "end": end.isoformat(),
        "current": current, "previous": earlier[0], "average3": comparison_row(earlier),
        "kpis": kpis(current), "previous_kpis": kpis(earlier[0]),
        "volume": volume(workspace, params, month, last_day, rows=rows),
        "sentiment_weeks": sentiment_by_week(params, rows=rows),
        "moderation": _moderation(workspace, params, rows),
        "topics": topics(params, rows=rows),
    }
    step(65)
    figures["community"] = _community(workspace, start, end)
    figures["hours"] = _hours(workspace, month)
    figures["invoiced"] = _invoiced(workspace, month)
    step(80)
    return figures


def agent_figures(workspace_ids: list[int], agency_id: int, start: datetime, end: datetime, *,
                  first_day: date | None = None, last_day: date | None = None) -> list[dict[str, Any]]:
    """Per staff member in a period: replies sent, median time from the customer's item to their first reply,
    and hours tracked on these workspaces (work dates ``first_day`` … ``last_day``)."""
    if not workspace_ids:
        return []
    params = {"ids": workspace_ids, "start": start, "end": end}
    replies = dict(db.session.execute(_REPLIES_BY_AGENT, params).all())
    medians = dict(db.session.execute(_RESPONSE_BY_AGENT, params).all())
    minutes = dict(db.session.execute(text(
        "SELECT user_id, sum(minutes) FROM time_entries WHERE workspace_id = ANY(CAST(:ids AS bigint[])) "
        "AND work_date >= :first AND work_date < :last GROUP BY user_id"),
        {"ids": workspace_ids, "first": first_day or start.date(),
         "last": (last_day + timedelta(days=1)) if last_day else end.date()}).all())
    people = set(replies) | set(medians) | set(minutes)
    people.discard(None)
    names = dict(db.session.execute(text("SELECT id, name FROM users WHERE agency_id = :agency AND "
                                         "id = ANY(CAST(:ids AS bigint[]))"),
                                    {"agency": agency_id, "ids": sorted(people)}).all()) if people else {}
    rows = [{"user_id": uid, "name": names.get(uid, "—"), "replies": int(replies.get(uid, 0)),
             "median_response": _seconds(medians.get(uid)), "minutes": int(minutes.get(uid, 0) or 0)}
            for uid in people if uid in names]
    rows.sort(key=lambda r: (-r["replies"], -r["minutes"], r["name"]))
    return rows
