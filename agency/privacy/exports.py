"""Interactions as CSV or XLSX, with the inbox's filters: rows stream from the database (server-side cursor)
into a temporary file, which is then sent in chunks; nothing is held in memory."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator

from flask import Response
from flask_babel import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from agency import db
from agency.inbox import queries
from agency.inbox.models import Interaction

COLUMNS = ("id", "platform_created_at", "platform", "kind", "author_name", "text", "status", "priority",
           "assignee_id", "tags", "language", "sentiment", "rating", "sla_state", "permalink")


def header() -> list[str]:
    names = {"id": _("Id"), "platform_created_at": _("Created"), "platform": _("Platform"), "kind": _("Kind"),
             "author_name": _("Author"), "text": _("Text"), "status": _("Status"), "priority": _("Priority"),
             "assignee_id": _("Assignee"), "tags": _("Tags"), "language": _("Language"),
             "sentiment": _("Sentiment"), "rating": _("Rating"), "sla_state": _("SLA"), "permalink": _("Link")}
    return [names[c] for c in COLUMNS]


def safe_cell(value):
    """Text from social media is hostile: no formula injection (= + - @ stay text), no illegal XML characters."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


def rows(flt: queries.InboxFilter, user_id: int, zone) -> Iterator[list]:
    stmt = queries.filtered(flt, user_id).order_by(Interaction.platform_created_at.desc(), Interaction.id.desc())
    for item in db.session.scalars(stmt.execution_options(yield_per=2000)):
        yield [item.id, item.platform_created_at.astimezone(zone).replace(tzinfo=None), item.platform, item.kind,
               item.author_name, item.text, item.status, item.priority, item.assignee_id, ", ".join(item.tags or []),
               item.language, item.sentiment_label, item.rating, item.sla_state, item.permalink]


def write_csv(flt, user_id: int, zone, target) -> int:
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(header())
    count = 0
    for row in rows(flt, user_id, zone):
        count += 1
        writer.writerow([safe_cell(v.isoformat(sep=" ") if hasattr(v, "isoformat") else v) for v in row])
    text.detach()
    return count


def write_xlsx(flt, user_id: int, zone, target) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Interactions"))
    sheet.freeze_panes = "A2"
    sheet.append(header())
    count = 0
    for row in rows(flt, user_id, zone):
        count += 1
        sheet.append([safe_cell(v) for v in row])
    workbook.save(target)
    return count


def send(spool, filename: str, mimetype: str) -> Response:
    size = spool.tell()
    spool.seek(0)

    def chunks():
        try:
            while data := spool.read(256 * 1024):
                yield data
        finally:
            spool.close()

    return Response(chunks(), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Length": str(size)})


def export(flt, user_id: int, zone, fmt: str, filename: str) -> Response:
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - closed after sending
    if fmt == "xlsx":
        write_xlsx(flt, user_id, zone, spool)
        return send(spool, filename + ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    write_csv(flt, user_id, zone, spool)
    return send(spool, filename + ".csv", "text/csv; charset=utf-8")
