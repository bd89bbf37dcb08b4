"""The header timer: what the ``header`` slot template shows on every staff page."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from agency.accounts.permissions import can


def timer_widget() -> dict | None:
    """The running timer (if any) and the choices to start one; None for people who do not track time."""
    if not current_user or not current_user.is_authenticated or not can(current_user, "time.track"):
        return None
    if "timer_widget" in g:
        return g.timer_widget
    from agency.timetracking import services
    from agency.timetracking.views import activity_labels, my_workspaces, page_activities

    # The week page has read the running timer with its entries already (``g.time_running``).
    running = g.time_running if "time_running" in g else services.running_timer(current_user)
    workspaces = my_workspaces()
    names = {ws.id: ws.name for ws in workspaces}
    labels = activity_labels()
    activities = [a for a in page_activities() if not a.archived]
    current_workspace = g.get("workspace")
    g.timer_widget = {
        "running": running,
        "workspace_name": names.get(running.workspace_id, "") if running else "",
        "activity_name": next((labels[a.id] for a in activities if running and a.id == running.activity_id), ""),
        "workspaces": workspaces,
        "activities": [(a.id, labels[a.id]) for a in activities],
        "selected_workspace": current_workspace.id if current_workspace is not None else (
            running.workspace_id if running else None),
        "selected_activity": running.activity_id if running else None,
        "next": request.full_path.rstrip("?")[:500] if request.method == "GET" else "",
    }
    return g.timer_widget
