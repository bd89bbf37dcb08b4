"""Jobs of people: catch up on authors no ingest has linked (items stored before this package, or by imports)."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.queue import job


@job("default", timeout=600)
def link_workspace_authors(agency_id: int, workspace_id: int) -> int:
    """Give every author of the workspace without an identity a person (one statement); returns how many."""
    from agency.people import services

    with db.tenant(db.session(), agency_id):
        return services.link_authors(agency_id, workspace_id)


@job("default", timeout=120)
def link_page_authors(agency_id: int, workspace_id: int, interaction_ids: list[int]) -> int:
    """After a sync page or a webhook committed: its new authors' identities and their people's figures (kept
    out of the ingest's own transaction, so ingest speed stays what it was)."""
    from agency.people import services

    with db.tenant(db.session(), agency_id):
        return services.link_authors(agency_id, workspace_id, [int(i) for i in interaction_ids])


@job("default", timeout=120)
def link_all_authors() -> int:
    """Periodic (hourly): queue the catch-up for every active workspace of every agency; returns how many."""
    from agency.accounts.models import Workspace

    with db.system_scope("list every agency's workspaces to link their authors"):
        targets = db.session.execute(select(Workspace.agency_id, Workspace.id).where(
            Workspace.archived_at.is_(None)).order_by(Workspace.id)).all()
    for agency_id, workspace_id in targets:
        link_workspace_authors.enqueue(agency_id, workspace_id, job_id=f"people-link-{workspace_id}")
    return len(targets)
