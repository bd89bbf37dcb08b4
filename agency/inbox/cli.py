"""Command-line commands of the inbox (registered on ``agency`` by the package's ``init_app``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from agency import db


@click.command("sync")
@click.argument("channel_id", type=int)
@with_appcontext
def sync_command(channel_id: int) -> None:
    """Run one sync of one channel inline and print what it stored."""
    from agency.channels.models import Channel
    from agency.inbox.jobs import run_sync

    with db.system_scope("the sync command finds a channel by id"):
        channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise click.ClickException(f"no channel {channel_id}")
    with db.tenant(db.session(), channel.agency_id):
        result = run_sync(channel)
        db.session.commit()
    click.echo(f"inserted {result.inserted}, updated {result.updated}, unchanged {result.unchanged}, "
               f"skipped {result.skipped} (erased people); "
               f"status {channel.status}" + (f" ({channel.last_error})" if channel.last_error else ""))
