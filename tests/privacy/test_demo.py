"""The demo shows a fan's data exported and then erased, both in the request record and the audit log."""

from __future__ import annotations

from sqlalchemy import func, select

from agency import db
from agency.accounts.models import Agency
from agency.audit import AuditEvent
from agency.inbox.models import Interaction
from agency.privacy.demo import FAN
from agency.privacy.models import PrivacyRequest


def test_demo_seed_exports_then_erases_a_fan(app):
    from agency.demo import DEMO_AGENCY_SLUG, seed_demo

    assert seed_demo()
    agency = db.session.scalar(select(Agency).where(Agency.slug == DEMO_AGENCY_SLUG))
    kinds = list(db.session.scalars(select(PrivacyRequest.kind).where(PrivacyRequest.agency_id == agency.id)
                                    .order_by(PrivacyRequest.id)))
    assert kinds == ["export", "erasure"]
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.agency_id == agency.id)))
    assert {"privacy.exported", "privacy.erased"} <= actions
    assert db.session.scalar(select(func.count(Interaction.id)).where(
        Interaction.agency_id == agency.id, Interaction.author_name == FAN)) == 0
