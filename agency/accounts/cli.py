"""Command-line commands of accounts (registered on ``agency`` by the package's ``init_app``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from agency import db


@click.command("create-agency")
@click.argument("name")
@click.option("--owner-email", required=True)
@click.option("--owner-name", default="Owner")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", default="de", type=click.Choice(["de", "en"]))
@click.option("--timezone", default="Europe/Berlin")
@with_appcontext
def create_agency_command(name: str, owner_email: str, owner_name: str, password: str, locale: str,
                          timezone: str) -> None:
    """Create a new agency (tenant) with its owner."""
    from agency.accounts.services import create_agency
    from agency.errors import ValidationError

    try:
        with db.system_scope("a new agency is created from the command line"):
            agency, owner = create_agency(name, owner_email, owner_name, password, locale=locale,
                                          timezone=timezone)
            db.session.commit()
    except ValidationError as err:
        db.session.rollback()
        raise click.ClickException(f"{err.field or 'input'}: {err.message}") from err
    click.echo(f"agency {agency.slug} (id {agency.id}) created; owner {owner.email}")
