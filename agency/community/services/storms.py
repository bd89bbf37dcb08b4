"""Shitstorm detection against the database: count a workspace's traffic, judge the last hour
(``detection.assess``), record warnings and alarms once, tell people, open an incident.

Tiers: a **warning** tells the workspace team in the app (at most every two hours); an **alarm**
opens a crisis incident (e-mail and in-app alert to the team and the account managers, a banner
across the workspace's inbox). Nobody is told while the detector is snoozed for an expected event,
while an incident is open (the signal joins its timeline), or within six hours after the last
incident closed (the cooldown); every signal is still recorded with the reason it stayed quiet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from agency import db
from agency.accounts.models import Workspace
from agency.accounts.notifications import notify, workspace_team
from agency.community import detection
from agency.community.models import CommunitySettings, CrisisIncident, IncidentEvent, StormSignal
from agency.community.services import crisis
from agency.community.services.settings import effective as effective_settings
from agency.community.services.settings import ensure as ensure_settings
from agency.errors import ValidationError
from agency.inbox.models import Interaction

log = logging.getLogger(__name__)

WARNING_COOLDOWN = timedelta(hours=2)
ALARM_COOLDOWN = timedelta(hours=6)
SIGNAL_EVENT_GAP = timedelta(minutes=30)
HISTORY = timedelta(weeks=detection.MAX_WEEKS + 1, hours=2)

_SERIES_SQL = text("""
WITH items AS (
  SELECT i.platform_created_at AS t, coalesce(i.sentiment_label = 'negative', false) AS neg,
         (CAST(:keywords AS text) <> '' AND i.text ~* CAST(:keywords AS text)) AS kw,
         CASE WHEN i.kind IN ('comment', 'reply') THEN i.channel_id END AS post_channel,
         CASE WHEN i.kind IN ('comment', 'reply') THEN i.thread_external_id END AS post_id
  FROM interactions i
  WHERE i.workspace_id = :ws AND i.platform_created_at >= :since AND i.platform_created_at < :until
    AND NOT i.is_own AND NOT i.is_spam AND i.status <> 'spam'
), posts AS (
  SELECT o.channel_id, o.thread_external_id, min(o.platform_created_at) AS started
  FROM interactions o
  WHERE o.workspace_id = :ws AND o.kind IN ('comment', 'reply')
    AND (o.channel_id, o.thread_external_id) IN (
        SELECT DISTINCT post_channel, post_id FROM items WHERE post_id IS NOT NULL AND post_channel IS NOT NULL)
  GROUP BY o.channel_id, o.thread_external_id
)
SELECT floor(extract(epoch FROM it.t) / 300)::bigint AS bucket, it.neg, it.kw,
       CASE WHEN p.started IS NOT NULL THEN it.post_channel::text || ':' || it.post_id END AS post_key,
       floor(extract(epoch FROM p.started) / 300)::bigint AS post_start, count(*) AS n
FROM items it LEFT JOIN posts p ON p.channel_id = it.post_channel AND p.thread_external_id = it.post_id
GROUP BY 1, 2, 3, 4, 5
""")


def keyword_pattern(keywords: list[str]) -> str:
    """A PostgreSQL regular expression matching any keyword at a word start ("boykott" finds "Boykottaufruf")."""
    parts = []
    for keyword in keywords:
        words = [re.sub(r"([^\w])", r"\\\1", word) for word in keyword.split()]
        if words:
            parts.append(r"\s+".join(words))
    return r"\m(" + "|".join(parts) + ")" if parts else ""


def first_seen(workspace_id: int) -> datetime | None:
    return db.session.scalar(select(func.min(Interaction.platform_created_at))
                             .where(Interaction.workspace_id == workspace_id))


def load_series(workspace_id: int, keywords: list[str], since: datetime, until: datetime) -> detection.Series:
    """The workspace's interactions from ``since`` to ``until`` in five-minute buckets."""
    seen = first_seen(workspace_id)
    rows = db.session.execute(_SERIES_SQL, {"ws": workspace_id, "since": since, "until": until,
                                            "keywords": keyword_pattern(keywords)}).all()
    return detection.Series(
        ((row.bucket, bool(row.neg), bool(row.kw), row.post_key, row.post_start, row.n) for row in rows),
        first_seen=detection.bucket_of(seen.timestamp()) if seen else None,
        start=detection.bucket_of(since.timestamp()), end=detection.bucket_of(until.timestamp()) + 1)


class Explanation:
    """Why the detector spoke, rendered in whatever language is in force when it is turned into text."""

    def __init__(self, stats: Mapping[str, Any], keywords: list[str] | None = None):
        self.stats = dict(stats)
        self.keywords = keywords or []

    def __str__(self) -> str:
        s = self.stats
        expected = s.get("expected_negative", 0.0)
        usual = format_decimal(round(expected) if expected >= 10 else round(expected, 1))
        parts = [_("%(n)s negative in the last hour, usually %(usual)s at this hour → %(ratio)s×.",
                   n=format_decimal(s.get("negative", 0)), usual=usual,
                   ratio=format_decimal(round(s.get("ratio", 0.0), 1)))]
        if s.get("fresh_posts") and s.get("expected_from_posts", 0.0) >= 0.5:  # only when the waves matter
            parts.append(_("(%(posts)s new posts of the client usually draw %(count)s of them.)",
                           posts=format_decimal(s["fresh_posts"]),
                           count=format_decimal(round(s.get("expected_from_posts", 0.0), 1))))
        reasons = s.get("reasons", [])
        if "persisted" in reasons:
            parts.append(_("It has lasted two hours."))
        if "ratio" in reasons:
            parts.append(_("That is ten times the usual or more."))
        if "negative_share" in reasons and s.get("total"):
            parts.append(_("%(share)s of all comments and messages in that hour are negative.",
                           share=format_percent(s["negative"] / s["total"])))
        if "keywords" in reasons:
            parts.append(_("%(n)s mention crisis words such as “%(word)s”.", n=format_decimal(s.get("keyword", 0)),
                           word=self.keywords[0] if self.keywords else "…"))
        return " ".join(parts)


def detect(workspace: Workspace, now: datetime | None = None) -> tuple[detection.Assessment, StormSignal | None]:
    """Judge the workspace's last hour, remember the verdict, and act on a warning or an alarm."""
    now = now or db.utcnow()
    settings = effective_settings(workspace)
    # The hour up to now, including the bucket still running: a storm shows as soon as it starts. The
    # baseline's hours are complete, so the comparison errs on the quiet side by at most five minutes.
    end = detection.bucket_of(now.timestamp()) + 1
    until = datetime.fromtimestamp(end * detection.BUCKET_SECONDS, tz=now.tzinfo)
    series = load_series(workspace.id, list(settings.crisis_keywords or []), until - HISTORY, until)
    assessment = detection.assess(series, end)
    stats = assessment.as_dict()
    row = ensure_settings(workspace)
    with force_locale(workspace.locale or "de"):
        explanation = str(Explanation(stats, list(row.crisis_keywords or []))) \
            if assessment.level not in ("warming_up",) else ""
    row.detection_last = {**stats, "explanation": explanation, "window_end": until.isoformat()}
    row.detection_checked_at = now
    signal = None
    if assessment.level in ("warning", "alarm"):
        signal = _record(workspace, row, assessment, until, now, explanation)
    db.session.flush()
    return assessment, signal


def _record(workspace: Workspace, settings: CommunitySettings, assessment: detection.Assessment, window_end: datetime,
            now: datetime, explanation: str) -> StormSignal | None:
    inserted = db.session.execute(
        insert(StormSignal).values(agency_id=workspace.agency_id, workspace_id=workspace.id, window_end=window_end,
                                   level=assessment.level, stats=assessment.as_dict(), explanation=explanation,
                                   created_at=now)
        .on_conflict_do_nothing(constraint="uq_storm_signals_window").returning(StormSignal.id)).scalar()
    if inserted is None:
        return None  # this hour was judged already (the job ran twice)
    signal = db.session.get(StormSignal, inserted)
    lazy = Explanation(assessment.as_dict(), list(settings.crisis_keywords or []))
    open_incident = crisis.open_incident_of(workspace.id)
    if settings.detection_snoozed_until is not None and settings.detection_snoozed_until > now:
        signal.suppressed = "snoozed"
    elif open_incident is not None:
        signal.suppressed, signal.incident_id = "open", open_incident.id
        _note_on_timeline(open_incident, signal, explanation, now)
    elif assessment.level == "warning":
        if _recently_warned(workspace.id, now, signal.id):
            signal.suppressed = "cooldown"
        else:
            notify(workspace_team(workspace.agency_id, workspace.id), kind="community.storm_warning",
                   title=_l("Unusual negative traffic in %(workspace)s", workspace=workspace.name), body=lazy,
                   link=f"/w/{workspace.slug}/crisis", dedupe_key=f"storm-warning:{signal.id}",
                   workspace_id=workspace.id)
    else:
        if _recently_closed(workspace.id, now):
            signal.suppressed = "cooldown"
        else:
            with force_locale(workspace.locale or "de"):
                title = _("Shitstorm alarm: %(workspace)s", workspace=workspace.name)
            try:
                incident = crisis.open_incident(workspace, title=title, explanation=explanation,
                                                trigger={"signal_id": signal.id, **assessment.as_dict()})
            except ValidationError:
                signal.suppressed = "open"
            else:
                signal.incident_id = incident.id
    db.session.flush()
    return signal


def _recently_warned(workspace_id: int, now: datetime, exclude_id: int) -> bool:
    return db.session.scalar(select(StormSignal.id).where(
        StormSignal.workspace_id == workspace_id, StormSignal.id != exclude_id, StormSignal.suppressed == "",
        StormSignal.created_at > now - WARNING_COOLDOWN).limit(1)) is not None


def _recently_closed(workspace_id: int, now: datetime) -> bool:
    return db.session.scalar(select(CrisisIncident.id).where(
        CrisisIncident.workspace_id == workspace_id, CrisisIncident.status == "closed",
        CrisisIncident.closed_at > now - ALARM_COOLDOWN).limit(1)) is not None


def _note_on_timeline(incident: CrisisIncident, signal: StormSignal, explanation: str, now: datetime) -> None:
    last = db.session.scalar(select(func.max(IncidentEvent.created_at)).where(
        IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "signal"))
    if last is None or last < now - SIGNAL_EVENT_GAP:
        crisis.event(incident, "signal", explanation, data={"signal_id": signal.id, "level": signal.level})


def recent_signal(workspace_id: int, now: datetime | None = None, within: timedelta = timedelta(hours=1)
                  ) -> StormSignal | None:
    """The newest warning or alarm of the last hour (the inbox banner shows it)."""
    now = now or db.utcnow()
    return db.session.scalar(select(StormSignal).where(StormSignal.workspace_id == workspace_id,
                                                       StormSignal.created_at > now - within)
                             .order_by(StormSignal.created_at.desc()).limit(1))
