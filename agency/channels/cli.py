"""Command-line commands of channels (registered on ``agency`` by the package's ``init_app``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from agency import db


@click.command("channel-add")
@click.argument("workspace_slug")
@click.argument("platform", type=click.Choice(["facebook_page", "instagram_business", "google_business_profile",
                                               "youtube_channel"]))
@click.option("--account-id", required=True)
@click.option("--token", required=True)
@click.option("--name", default="")
@click.option("--agency", "agency_slug", default=None, help="Agency slug (needed when several agencies use the slug).")
@click.option("--backfill-days", default=60, show_default=True, type=int)
@with_appcontext
def channel_add_command(workspace_slug: str, platform: str, account_id: str, token: str, name: str,
                        agency_slug: str | None, backfill_days: int) -> None:
    """Connect a channel to a workspace from the command line."""
    from sqlalchemy import select

    from agency.accounts.models import Agency, Workspace
    from agency.channels.services import connect_channel
    from agency.errors import ValidationError

    stmt = select(Workspace).where(Workspace.slug == workspace_slug)
    if agency_slug:
        stmt = stmt.join(Agency, Agency.id == Workspace.agency_id).where(Agency.slug == agency_slug)
    with db.system_scope("channel-add: find the workspace by its slug in every agency"):
        found = db.session.scalars(stmt).all()
    if len(found) != 1:
        raise click.ClickException(f"{len(found)} workspaces match {workspace_slug!r}; use --agency")
    try:
        with db.tenant(db.session(), found[0].agency_id):
            channel = connect_channel(None, found[0], platform=platform, account_id=account_id, token=token,
                                      name=name, backfill_days=backfill_days)
            db.session.commit()
    except ValidationError as err:
        db.session.rollback()
        raise click.ClickException(f"{err.field or 'input'}: {err.message}") from err
    click.echo(f"channel {channel.id} connected ({platform} {account_id}); the first sync is queued")
