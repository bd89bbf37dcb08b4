"""``agency report render WORKSPACE_SLUG YYYY-MM --out FILE.pdf``: one report rendered inline (operations,
debugging) — nothing is stored, published or sent."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from agency import db


@click.group("report")
def report_cli() -> None:
    """Monthly reports."""


@report_cli.command("render")
@click.argument("workspace_slug")
@click.argument("month")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PDF file to write")
@click.option("--agency", "agency_slug", default=None, help="the agency's slug when several have this workspace slug")
@with_appcontext
def render_command(workspace_slug: str, month: str, out: Path, agency_slug: str | None) -> None:
    """Render WORKSPACE_SLUG's report of MONTH (YYYY-MM) to a PDF, with the figures as they are now."""
    from agency.accounts.models import Agency, Workspace
    from agency.reports import metrics, render
    from agency.reports.forms import parse_month

    first = parse_month(month)
    if first is None:
        raise click.BadParameter("use YYYY-MM", param_hint="MONTH")
    db.reset_scope(db.session())
    with db.system_scope("report render: find the workspace by its slug"):
        stmt = select(Workspace).where(Workspace.slug == workspace_slug)
        if agency_slug:
            stmt = stmt.join(Agency, Agency.id == Workspace.agency_id).where(Agency.slug == agency_slug)
        found = list(db.session.scalars(stmt))
    if not found:
        raise click.ClickException(f"no workspace {workspace_slug!r}")
    if len(found) > 1:
        raise click.ClickException("several agencies have this workspace slug; name one with --agency")
    workspace = found[0]
    with db.tenant(db.session(), workspace.agency_id):
        figures = metrics.month_figures(workspace, first)
        data = render.render_pdf_bytes(figures, workspace, first)
    db.session.rollback()  # renders only: nothing to keep
    out.write_bytes(data)
    click.echo(f"{out}: {len(data)} bytes")
