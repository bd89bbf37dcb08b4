"""The demo agency comes with its community management filled in."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.accounts.models import Workspace
from agency.community.models import CrisisIncident, CrisisPlan, Expert, IncidentEvent, SavedReply, ToneGuide
from agency.community.services import voice


def test_demo_seed_fills_community_management(app):
    from agency.demo import seed_demo

    assert seed_demo()

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    assert count(ToneGuide) == 3 and count(CrisisPlan) == 3 and count(Expert) == 4
    assert count(SavedReply) >= 8
    assert db.session.scalar(select(func.count()).select_from(SavedReply).where(SavedReply.workspace_id.is_(None))) == 2
    incident = db.session.scalar(select(CrisisIncident))
    assert incident.status == "closed" and incident.summary and count(IncidentEvent) == 5
    radhaus = db.session.scalar(select(Workspace).where(Workspace.slug == "radhaus-mueller"))
    guide = voice.guide_of(radhaus.id)
    findings = voice.check(radhaus, guide, "Hast du schon einen Termin?\nViele Grüße, Jonas")
    assert [(f.code, f.suggestion) for f in findings] == [("address_form", "Haben Sie")]
