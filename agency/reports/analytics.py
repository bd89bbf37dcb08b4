"""Staff analytics: the report's figures live, for any period, per workspace and across workspaces, with
per-agent figures; exported as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from agency.accounts.queries import visible_workspaces
from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import permission_required
from agency.reports import metrics
from agency.reports.document import Formats
from agency.reports.views import bp

MAX_DAYS = 366


def _period() -> tuple[date, date]:
    """``?from=&to=`` (dates, both included), by default this month so far; at most a year."""
    today = datetime.now(UTC).date()
    try:
        first = date.fromisoformat(request.args.get("from", "")[:10])
    except ValueError:
        first = today.replace(day=1)
    try:
        last = date.fromisoformat(request.args.get("to", "")[:10])
    except ValueError:
        last = today
    if last < first:
        first, last = last, first
    if (last - first).days > MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS)
    return first, last


def _bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone or "Europe/Berlin")
    end = last + timedelta(days=1)
    return (datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(UTC),
            datetime(end.year, end.month, end.day, tzinfo=zone).astimezone(UTC))


def workspace_rows(workspaces, first: date, last: date) -> list[dict]:
    rows = []
    for ws in workspaces:
        start, end = _bounds(first, last, ws.timezone)
        figures = metrics.core_figures(ws, start, end)
        rows.append({"workspace": ws, "figures": figures})
    return rows


def _export_table(rows: list[dict], agents: list[dict], fmt: Formats) -> list[list]:
    table = [[_("Workspace"), _("Interactions"), _("Answer rate"), _("Median first response (service hours), min"),
              _("Median first response (clock time), min"), _("Answered within the agreed time"),
              _("Negative messages")]]
    for row in rows:
        f = row["figures"]
        median_b, median_w = f["first_response_business"]["median"], f["first_response_wall"]["median"]
        table.append([row["workspace"].name, f["interactions"], f["answer_rate"],
                      round(median_b / 60, 1) if median_b is not None else None,
                      round(median_w / 60, 1) if median_w is not None else None,
                      f["compliance"]["first_response"]["rate"], f["negative_share"]])
    table.append([])
    table.append([_("Person"), _("Replies"), _("Median response, min"), _("Hours")])
    for agent in agents:
        median = agent["median_response"]
        table.append([agent["name"], agent["replies"], round(median / 60, 1) if median is not None else None,
                      round(agent["minutes"] / 60, 2)])
    return table


def _neutralise(value):
    """Cells that a spreadsheet would run as a formula start with an apostrophe (names come from outside)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export(rows, agents, first: date, last: date, kind: str) -> Response:
    table = [[_neutralise(cell) for cell in row] for row in _export_table(rows, agents, Formats("en"))]
    name = f"analytics-{first.isoformat()}-{last.isoformat()}"
    if kind == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        return Response(buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Analytics"))
    for row in table:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return Response(output.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _page(workspaces, *, workspace=None):
    first, last = _period()
    rows = workspace_rows(workspaces, first, last)
    agency_zone = current_user.agency.timezone or "Europe/Berlin"
    start, end = _bounds(first, last, workspace.timezone if workspace else agency_zone)
    agents = metrics.agent_figures([w.id for w in workspaces], current_user.agency_id, start, end,
                                   first_day=first, last_day=last)
    kind = request.args.get("format", "")
    if kind in ("csv", "xlsx"):
        return _export(rows, agents, first, last, kind)
    return render_template("reports/analytics.html", rows=rows, agents=agents, first=first, last=last,
                           workspace=workspace, fmt=Formats(str(get_locale() or "de")))


@bp.route("/w/<workspace>/analytics")
@permission_required("reports.publish", hide=True)
def workspace_analytics(workspace: str):
    ws = workspace_or_404(workspace)
    return _page([ws], workspace=ws)


@bp.route("/analytics")
@permission_required("reports.publish")
def analytics():
    return _page(visible_workspaces(current_user))
