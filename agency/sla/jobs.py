"""RQ entry points of the SLA engine (queue "sla"): the minute scan and bulk recomputation."""

from __future__ import annotations

from agency import db
from agency.accounts.models import Workspace
from agency.queue import job
from agency.sla import alerts, services


@job("sla", timeout=300)
def scan_sla() -> dict[str, int]:
    """Every minute: advance states, send at-risk warnings and breach alerts (each once)."""
    return alerts.scan()


@job("sla", timeout=900)
def recompute_sla(agency_id: int, workspace_id: int) -> int:
    """Recompute due times and states of a workspace after its policy or calendar changed."""
    with db.tenant(db.session(), agency_id):
        if db.get_in_agency(Workspace, workspace_id, agency_id) is None:
            return 0
        return services.recompute_workspace(workspace_id)


def enqueue_recompute(agency_id: int, workspace_ids: list[int]) -> None:
    """Queue a recomputation per workspace after the commit (one waiting job per workspace at most)."""
    for workspace_id in workspace_ids:
        recompute_sla.enqueue(agency_id, workspace_id, job_id=f"sla-recompute-{workspace_id}")
