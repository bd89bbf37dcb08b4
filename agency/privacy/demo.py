"""Demo data of the DSGVO tools: a fan who asked for her data and then to be forgotten (both recorded and
audited), and a retention setting to try the dry run on."""

from __future__ import annotations

from datetime import timedelta

from agency import db
from agency.accounts.models import User, Workspace
from agency.inbox.models import Interaction, Note, Status
from agency.privacy import services

FAN = "Jana Beispiel"


def seed(owner: User, workspaces: list[Workspace]) -> None:
    workspace = workspaces[0]
    now = db.utcnow()
    items = [
        Interaction(agency_id=workspace.agency_id, workspace_id=workspace.id, channel_id=None,
                    platform="facebook_page", external_id=f"demo-dsgvo-{n}", kind="comment", author_name=FAN,
                    author_external_id="demo-fan-jana", text=text, platform_created_at=now - timedelta(days=days),
                    status=Status.CLOSED, handled_at=now - timedelta(days=days - 1), tags=["Reklamation"])
        for n, (text, days) in enumerate((("Mein Paket ist seit zwei Wochen unterwegs, Bestellnummer 55123.", 40),
                                          ("Bitte löschen Sie alle meine Daten.", 12)))]
    db.session.add_all(items)
    db.session.flush()
    db.session.add(Note(agency_id=workspace.agency_id, workspace_id=workspace.id, interaction_id=items[0].id,
                        author_id=owner.id, text=f"{FAN} hat per Mail Auskunft und Löschung verlangt."))
    db.session.flush()
    [person] = services.find_people(workspace, FAN)
    received = (now - timedelta(days=10)).date()
    services.export_zip(owner, workspace, person, received_on=received)
    services.erase(owner, workspace, person, received_on=received)
    services.save_retention(owner, workspace, enabled=False, months=24, action="anonymise")
