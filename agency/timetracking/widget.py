"""The header timer: what the ``header`` slot template shows on every staff page.

The menu to start or switch the timer lists every workspace and activity of the user: an owner of 200 clients
would carry 200 options (and a query for the activities) on every page. Outside the time pages the header
therefore shows only the running timer and its stop button; the menu comes from ``/time/timer/menu`` when it
is opened (time.js), and without JavaScript its link leads to the week page, which has it.
"""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from agency.accounts.permissions import can


def timer_widget(menu: bool | None = None, next_url: str | None = None) -> dict | None:
    """The running timer (if any) and, with ``menu`` (default: on the time pages), the choices to start one;
    None for people who do not track time."""
    if not current_user or not current_user.is_authenticated or not can(current_user, "time.track"):
        return None
    if menu is None:
        menu = (request.endpoint or "").startswith("timetracking.")
    if g.get("timer_widget") is not None and g.timer_widget["menu"] == menu:
        return g.timer_widget
    from agency.timetracking import services
    from agency.timetracking.views import activity_labels, my_workspaces, page_activities

    # The week page has read the running timer with its entries already (``g.time_running``).
    running = g.time_running if "time_running" in g else services.running_timer(current_user)
    workspaces = my_workspaces()
    names = {ws.id: ws.name for ws in workspaces}
    activities = [a for a in page_activities() if not a.archived] if (menu or running) else []
    labels = activity_labels() if activities else {}
    current_workspace = g.get("workspace")
    if next_url is None:
        next_url = request.full_path.rstrip("?")[:500] if request.method == "GET" else ""
    g.timer_widget = {
        "menu": menu,
        "running": running,
        "workspace_name": names.get(running.workspace_id, "") if running else "",
        "activity_name": next((labels[a.id] for a in activities if running and a.id == running.activity_id), ""),
        "workspaces": workspaces if menu else [],
        "activities": [(a.id, labels[a.id]) for a in activities] if menu else [],
        "selected_workspace": current_workspace.id if current_workspace is not None else (
            running.workspace_id if running else None),
        "selected_activity": running.activity_id if running else None,
        "next": next_url,
    }
    return g.timer_widget
