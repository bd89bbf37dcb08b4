"""Per-workspace settings of escalations (SLA pause, reminder, link lifetime) and of shitstorm detection."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.community.inputs import clean_text
from agency.community.models import CommunitySettings
from agency.errors import ValidationError

#: Words that make a negative wave look like a crisis rather than a bad day (lowercase prefixes).
DEFAULT_CRISIS_KEYWORDS = (
    "boykott", "skandal", "rückruf", "betrug", "abzocke", "lebensmittelvergiftung", "shitstorm", "rassis",
    "sexis", "anzeige", "polizei", "verbraucherzentrale", "nie wieder", "boycott", "scandal", "recall", "scam",
    "fraud", "lawsuit", "food poisoning", "racis", "never again",
)


def settings_of(workspace_id: int) -> CommunitySettings | None:
    return db.session.scalar(select(CommunitySettings).where(CommunitySettings.workspace_id == workspace_id))


def effective(workspace: Workspace) -> CommunitySettings:
    """The workspace's settings, or unsaved defaults when it never changed them."""
    found = settings_of(workspace.id)
    if found is not None:
        return found
    return CommunitySettings(agency_id=workspace.agency_id, workspace_id=workspace.id, escalation_pauses_sla=True,
                             reminder_hours=4, link_days=7, detection_enabled=True, detection_snoozed_until=None,
                             detection_snooze_reason="", crisis_keywords=list(DEFAULT_CRISIS_KEYWORDS),
                             detection_last={}, detection_checked_at=None)


def ensure(workspace: Workspace) -> CommunitySettings:
    """The stored settings row (created with the defaults when missing)."""
    found = settings_of(workspace.id)
    if found is None:
        found = effective(workspace)
        db.session.add(found)
        db.session.flush()
    return found


def save_escalation_settings(actor: User, workspace: Workspace, *, pauses_sla: bool, reminder_hours: int,
                             link_days: int, ip: str = "") -> CommunitySettings:
    if not 1 <= reminder_hours <= 200:
        raise ValidationError(_("Remind after 1 to 200 business hours."), "reminder_hours")
    if not 1 <= link_days <= 60:
        raise ValidationError(_("Links may live 1 to 60 days."), "link_days")
    row = ensure(workspace)
    row.escalation_pauses_sla, row.reminder_hours, row.link_days = pauses_sla, reminder_hours, link_days
    db.session.flush()
    audit.record("community.escalation_settings_saved", agency_id=workspace.agency_id, actor=actor, obj=row, ip=ip,
                 details={"pauses_sla": pauses_sla, "reminder_hours": reminder_hours, "link_days": link_days})
    return row


def save_detection_settings(actor: User, workspace: Workspace, *, enabled: bool, keywords: list[str],
                            snoozed_until: datetime | None, snooze_reason: str, ip: str = "") -> CommunitySettings:
    """Switch detection, set the crisis keywords, snooze it for an expected event (a product launch)."""
    snooze_reason = clean_text(snooze_reason, "snooze_reason", max_length=200, required=False, multiline=False)
    if snoozed_until is not None:
        if snoozed_until <= db.utcnow():
            raise ValidationError(_("Choose a time in the future."), "snoozed_until")
        if (snoozed_until - db.utcnow()).days > 31:
            raise ValidationError(_("Snooze for at most a month."), "snoozed_until")
        if not snooze_reason:
            raise ValidationError(_("Say what is expected (a product launch, a TV spot …)."), "snooze_reason")
    cleaned: list[str] = []
    for keyword in keywords:
        keyword = " ".join(keyword.lower().split())
        if not keyword:
            continue
        if len(keyword) > 60:
            raise ValidationError(_("Keep each keyword under 60 characters."), "keywords")
        if keyword not in cleaned:
            cleaned.append(keyword)
    if len(cleaned) > 100:
        raise ValidationError(_("At most %(n)d keywords.", n=100), "keywords")
    row = ensure(workspace)
    row.detection_enabled = enabled
    row.crisis_keywords = cleaned
    row.detection_snoozed_until = snoozed_until
    row.detection_snooze_reason = snooze_reason if snoozed_until is not None else ""
    db.session.flush()
    audit.record("community.detection_settings_saved", agency_id=workspace.agency_id, actor=actor, obj=row, ip=ip,
                 details={"enabled": enabled, "snoozed_until": snoozed_until.isoformat() if snoozed_until else None,
                          "reason": snooze_reason})
    return row
