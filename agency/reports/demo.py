"""Demo data of the reports: for every demo workspace, the report of the month before last, published with a
comment from the account manager (last month's is left for the demo's account manager to generate, review and
publish)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from agency import db
from agency.accounts.models import Agency, Role, User, Workspace
from agency.reports import services
from agency.reports.models import Report

COMMENTARY = {
    "sie": ("Ein ruhiger, solider Monat: Die meisten Anfragen drehten sich um **Öffnungszeiten** und "
            "**Lieferzeiten**. Wir schlagen vor, beides oben auf Ihrer Seite anzupinnen."),
    "du": ("Ein ruhiger, solider Monat: Die meisten Fragen drehten sich um **Öffnungszeiten** und "
           "**Lieferzeiten**. Wir schlagen vor, beides oben auf deiner Seite anzupinnen."),
}
NEXT_STEPS = "* FAQ-Beitrag zu Öffnungszeiten vorbereiten\n* Antwortvorlagen für Lieferfragen aktualisieren"


def seed(agency: Agency, workspaces: list[Workspace], *, today: date | None = None) -> int:
    """Publish the month-before-last report of each workspace (once); returns how many were published."""
    today = today or db.utcnow().date()
    month = ((today.replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=1)).replace(day=1)
    manager = db.session.scalar(select(User).where(User.agency_id == agency.id,
                                                   User.role == Role.ACCOUNT_MANAGER).limit(1))
    if manager is None:
        return 0
    published = 0
    for workspace in workspaces:
        if db.session.scalar(select(Report.id).where(Report.workspace_id == workspace.id).limit(1)):
            continue
        report = services.request_report(workspace, month, manager, today=today)
        services.generate(report)
        services.save_commentary(report, manager, commentary=COMMENTARY.get(workspace.address_form, COMMENTARY["sie"]),
                                 next_steps=NEXT_STEPS)
        services.publish(report, manager)
        published += 1
    return published
