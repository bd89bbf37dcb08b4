"""Reports: hours by workspace, person, activity and period with filters; the same filters export CSV and XLSX."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.models import User
from agency.accounts.tenancy import get_scoped_or_404
from agency.accounts.views.helpers import permission_required
from agency.timetracking import settings
from agency.timetracking.forms import STATE_LABELS, parse_day
from agency.timetracking.queries import EXPORT_COLUMNS, GROUPS, ReportFilter, export_rows, hours_report
from agency.timetracking.views import approver, bp, current_today, my_workspaces

MAX_DAYS = 5 * 366


def _filter() -> ReportFilter:
    """The report's filters from the query string; values that name nothing of ours answer 404."""
    args = request.args
    today = current_today()
    first = parse_day(args.get("from", "")[:10]) or today.replace(day=1)
    last = parse_day(args.get("to", "")[:10]) or today
    if last < first:
        first, last = last, first
    if (last - first).days > MAX_DAYS:
        abort(400)
    workspaces = [ws.id for ws in my_workspaces()]
    if args.get("workspace"):
        chosen = args["workspace"][:20]
        if not chosen.isdigit() or int(chosen) not in workspaces:
            abort(404)
        workspaces = [int(chosen)]
    user_id = None
    if not approver():
        user_id = current_user.id  # staff see their own time
    elif args.get("user"):
        user_id = get_scoped_or_404(User, args["user"][:20]).id
    activity_id = None
    if args.get("activity"):
        value = args["activity"][:20]
        activity = next((a for a in settings.activities(current_user.agency_id, include_archived=True)
                         if str(a.id) == value), None)
        if activity is None:
            abort(404)
        activity_id = activity.id
    billable = {"yes": True, "no": False}.get(args.get("billable", ""))
    state = args.get("state") if args.get("state") in STATE_LABELS else None
    return ReportFilter(agency_id=current_user.agency_id, first=first, last=last, workspace_ids=workspaces,
                        user_id=user_id, activity_id=activity_id, billable=billable, state=state)


def _labels() -> dict:
    people = {u.id: u.name for u in db.session.query(User).filter(User.agency_id == current_user.agency_id)}
    return {
        "workspace": {ws.id: ws.name for ws in my_workspaces()}, "user": people,
        "activity": {a.id: settings.activity_label(a)
                     for a in settings.activities(current_user.agency_id, include_archived=True)},
    }


@bp.route("/time/reports")
@permission_required("time.track")
def reports():
    flt = _filter()
    rows_by = request.args.get("rows", "workspace")
    columns_by = request.args.get("columns", "activity")
    if rows_by not in GROUPS or (columns_by and columns_by not in GROUPS) or columns_by == rows_by:
        rows_by, columns_by = "workspace", "activity"
    report = hours_report(flt, rows_by, columns_by or None)
    labels = _labels()
    column_keys = sorted(report["column_totals"], key=lambda k: _sort_key(k, columns_by, labels))
    row_keys = sorted(report["row_totals"], key=lambda k: _sort_key(k, rows_by, labels))
    export_args = {k: v[:40] for k, v in request.args.items() if k in
                   ("from", "to", "workspace", "user", "activity", "billable", "state")}
    export_args.setdefault("from", flt.first.isoformat())
    export_args.setdefault("to", flt.last.isoformat())
    return render_template(
        "timetracking/reports.html", flt=flt, report=report, rows_by=rows_by, columns_by=columns_by,
        row_keys=row_keys, column_keys=column_keys, labels=labels, export_args=export_args,
        workspaces=my_workspaces(), activities=settings.activities(current_user.agency_id, include_archived=True),
        people=sorted(labels["user"].items(), key=lambda p: p[1].lower()) if approver() else [],
        groups=_group_labels(), states=STATE_LABELS, args=request.args)


def _group_labels() -> dict:
    return {"workspace": _("Workspace"), "user": _("Person"), "activity": _("Activity"), "day": _("Day"),
            "month": _("Month")}


def _sort_key(key, group: str | None, labels: dict):
    if group in labels:
        return str(labels[group].get(key, "")).lower()
    return str(key)


def label_of(key, group: str | None, labels: dict) -> str:
    if group in labels:
        return str(labels[group].get(key, "—"))
    if group == "month" and key is not None:
        return key.strftime("%Y-%m")
    return key.isoformat() if isinstance(key, date) else str(key or "")


bp.add_app_template_global(label_of, "time_label_of")


def _header() -> list[str]:
    names = {"date": _("Date"), "user": _("Person"), "email": _("E-mail"), "workspace": _("Workspace"),
             "activity": _("Activity"), "start": _("Start"), "end": _("End"), "minutes": _("Minutes"),
             "hours": _("Hours"), "billed_minutes": _("Billed minutes"), "billable": _("Billable"),
             "source": _("Source"), "state": _("State"), "note": _("Note")}
    return [names[c] for c in EXPORT_COLUMNS]


def _safe_cell(value):
    """Spreadsheet formula injection: text starting with = + - @ is prefixed so it stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _filename(flt: ReportFilter, ext: str) -> str:
    return f"time-{flt.first.isoformat()}-{flt.last.isoformat()}.{ext}"


def write_csv(flt: ReportFilter, zone: str, target) -> int:
    """Write the report's entries and a total row into ``target`` (a binary file) as UTF-8 CSV, row by row."""
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(_header())
    count = total = billed = 0
    for row in export_rows(flt, zone):
        count += 1
        total += row[7]
        billed += row[9]
        writer.writerow([_safe_cell(v.isoformat() if isinstance(v, date) else v) for v in row])
    writer.writerow([_("Total"), "", "", "", "", "", "", total, round(total / 60, 2), billed])
    text.detach()  # leave ``target`` open for the caller
    return count


def _send_file(spool, filename: str, mimetype: str) -> Response:
    """Stream a finished temporary file in chunks and close it afterwards (no database work while sending)."""
    size = spool.tell()
    spool.seek(0)

    def chunks():
        try:
            while True:
                data = spool.read(256 * 1024)
                if not data:
                    break
                yield data
        finally:
            spool.close()

    return Response(chunks(), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Length": str(size)})


@bp.route("/time/reports.csv")
@permission_required("time.track")
def reports_csv():
    """The report's entries as CSV, with a total row (the same filters as the page)."""
    flt = _filter()
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - closed after sending
    write_csv(flt, current_user.agency.timezone, spool)
    return _send_file(spool, _filename(flt, "csv"), "text/csv; charset=utf-8")


def write_xlsx(flt: ReportFilter, zone: str, target) -> int:
    """Write the report's entries into ``target`` (a binary file) as XLSX in constant memory: XlsxWriter
    flushes each finished row to a temporary file, so rows stream from the database into the workbook without
    being held (and it writes about twice as fast as openpyxl's write-only mode). Returns the number of entries."""
    import xlsxwriter

    # No text is ever read as a formula, a link or a number: names and notes come from people.
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False,
                                            "default_date_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(str(_("Time"))[:31])
    sheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, _header(), bold)
    count = total = billed = 0
    for row in export_rows(flt, zone):
        count += 1
        total += row[7]
        billed += row[9]
        sheet.write_row(count, 0, [_safe_cell(v) for v in row])
    last = count + 1
    sheet.write(last, 0, _("Total"), bold)
    sheet.write_row(last, 7, [total, round(total / 60, 2), billed], bold)
    workbook.close()
    return count


@bp.route("/time/reports.xlsx")
@permission_required("time.track")
def reports_xlsx():
    """The report's entries as an XLSX workbook, built in a temporary file and streamed in chunks."""
    flt = _filter()
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed after sending
    write_xlsx(flt, current_user.agency.timezone, spool)
    return _send_file(spool, _filename(flt, "xlsx"),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
