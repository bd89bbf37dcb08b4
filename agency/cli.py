"""The ``agency`` command group (Flask's CLI)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from agency import db
from agency.config import Config

ROOT = Path(__file__).resolve().parent.parent


#: Commands that work without PostgreSQL and Redis (``agency demo`` starts what it needs itself).
NO_SERVICE_COMMANDS = frozenset({"sandbox", "stripe-double", "demo"})
#: Where the URLs point when nothing may be started: never connected to (engines and Redis connect lazily).
UNUSED_DATABASE_URL = "postgresql://127.0.0.1:1/unused"
UNUSED_REDIS_URL = "redis://127.0.0.1:1/0"


def needs_services(argv: list[str]) -> bool:
    """Whether this command line needs the database and Redis (help and the stand-in servers do not)."""
    words = [word for word in argv[1:] if not word.startswith("-")]
    if not words or "--help" in argv or "-h" in argv:
        return False
    return words[0] not in NO_SERVICE_COMMANDS


def _create_app():
    from agency.app import create_app

    config = Config.from_env()
    if not needs_services(sys.argv) and not (config.database_url and config.redis_url):
        # Do not boot the embedded PostgreSQL and Redis only to print help or to serve the sandbox.
        config = replace(config, database_url=config.database_url or UNUSED_DATABASE_URL,
                         redis_url=config.redis_url or UNUSED_REDIS_URL)
    return create_app(config)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Agency: community management for social-media agencies."""


# --- database -------------------------------------------------------------------------

def alembic_config(database_url: str):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", db.sqlalchemy_url(database_url).replace("%", "%%"))
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s")
    return cfg


def upgrade_database(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


@main.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    upgrade_database(current_app.config["AGENCY"].database_url, revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ("base" empties it)."""
    from alembic import command

    command.downgrade(alembic_config(current_app.config["AGENCY"].database_url), revision)
    click.echo(f"database at {revision}")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the database's current revision."""
    from alembic import command

    command.current(alembic_config(current_app.config["AGENCY"].database_url), verbose=False)


# --- tenants and demo data ---------------------------------------------------------------

@main.command("seed-demo")
@click.option("--sandbox-url", envvar="AGENCY_SANDBOX_URL", default=None,
              help="Also create the demo accounts on this sandbox and connect them as channels.")
@click.option("--migrate", is_flag=True, help="Migrate the database first (saves the demo a second start-up).")
@with_appcontext
def seed_demo_command(sandbox_url: str | None, migrate: bool) -> None:
    """Create the demo agency, workspaces and users unless they exist (and its sandbox channels);
    then let its staff answer what is due (see agency/demo_history.py)."""
    from agency.demo import connect_demo_channels, ensure_sandbox_accounts, seed_demo
    from agency.demo_history import demo_agency_id, tend

    if migrate:
        upgrade_database(current_app.config["AGENCY"].database_url)
    with db.system_scope("seed the demo agency"):
        created = seed_demo()
        db.session.commit()
    click.echo("demo data created" if created else "demo data already present")
    if sandbox_url:
        accounts = ensure_sandbox_accounts(sandbox_url)
        with db.system_scope("connect the demo agency's sandbox channels"):
            channels = connect_demo_channels()
            db.session.commit()
        if accounts or channels:
            click.echo(f"sandbox: {accounts} accounts created, {channels} channels connected")
    agency_id = demo_agency_id()
    with db.tenant(db.session(), agency_id):
        result = tend(agency_id)
        db.session.commit()
    if result.answered or result.closed:
        click.echo(f"demo staff: {result.answered} answered, {result.closed} closed, {result.waiting} still open")


# --- jobs ---------------------------------------------------------------------------

@main.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker on QUEUES (all queues by default)."""
    from agency.app import create_app
    from agency.queue import QUEUE_NAMES, AppWorker, get_queue

    app = create_app()
    unknown = set(queues) - set(QUEUE_NAMES)
    if unknown:
        raise click.BadParameter(f"unknown queues: {', '.join(sorted(unknown))}")
    with app.app_context():
        worker = AppWorker([get_queue(q) for q in (queues or QUEUE_NAMES)], flask_app=app)
        worker.work(with_scheduler=True, burst=burst)


@main.command("scheduler")
def scheduler_command() -> None:
    """Run RQ's cron scheduler with the periodic job list."""
    from agency import wiring
    from agency.app import create_app
    from agency.queue import get_redis
    from agency.schedule import build_scheduler

    app = create_app()
    build_scheduler(get_redis(), wiring.of(app).periodic).start()


@main.command("run-job", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("args", nargs=-1)
@with_appcontext
def run_job_command(name: str, args: tuple[str, ...]) -> None:
    """Run one job inline: agency run-job NAME [ARGS] (numbers are passed as numbers)."""
    from agency.queue import find_job

    try:
        fn = find_job(name)
    except KeyError as err:
        raise click.ClickException(str(err)) from err
    parsed = [int(a) if a.lstrip("-").isdigit() else a for a in args]
    result = fn(*parsed)
    click.echo(json.dumps(result, default=str) if result is not None else "done")


@main.command("sandbox")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--state-file", default=None, help="Keep accounts and posted items in this JSON file.")
@click.option("--webhook-url", default=None, help="POST signed Meta webhooks here when a fan posts.")
@click.option("--no-default-accounts", is_flag=True, help="Start without the built-in example accounts.")
def sandbox_command(port: int, host: str, seed: int, state_file: str | None, webhook_url: str | None,
                    no_default_accounts: bool) -> None:
    """Run the local stand-in for the platforms' APIs (Meta, Google, YouTube)."""
    import os

    from agency.sandbox import run_sandbox

    options: dict = {"default_accounts": not no_default_accounts}
    if webhook_url:
        options.update(webhook_url=webhook_url, app_secret=os.environ.get("META_APP_SECRET", ""))
    run_sandbox(host=host, port=port, seed=seed, state_file=state_file, **options)


@main.command("stripe-double")
@click.option("--port", default=8003, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--webhook-url", default=None, help="POST signed Stripe events here (e.g. http://127.0.0.1:8000/webhooks/stripe).")
@click.option("--webhook-secret", envvar="STRIPE_WEBHOOK_SECRET", default="whsec_demo", show_default=True)
@click.option("--duplicate-events", is_flag=True, help="Deliver every event twice (as Stripe may).")
def stripe_double_command(port: int, host: str, webhook_url: str | None, webhook_secret: str,
                          duplicate_events: bool) -> None:
    """Run the local Stripe-compatible server (tests, demo): customers, invoices, items, signed webhooks."""
    from agency.stripe_double import StripeDouble, serve

    double = StripeDouble(webhook_url=webhook_url, webhook_secret=webhook_secret)
    double.duplicate_events = duplicate_events
    server = serve(double, host, port)
    click.echo(f"Stripe double on http://{host}:{server.server_port} (API key: any sk_test_…)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()


@main.command("rotate-keys")
@with_appcontext
def rotate_keys_command() -> None:
    """Re-encrypt stored secrets under the first key of AGENCY_ENCRYPTION_KEYS."""
    import agency.models  # noqa: F401  (every table with a secret column)
    from agency.crypto import rotate_encryption_keys

    with db.system_scope("re-encrypt the secrets of every agency"):
        count = rotate_encryption_keys()
        db.session.commit()
    click.echo(f"re-encrypted {count} secrets")


@main.command("mailcatcher")
@click.option("--port", default=8025, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--dir", "folder", default=None, help="Where to keep the messages (default: <instance>/mail).")
def mailcatcher_command(port: int, host: str, folder: str | None) -> None:
    """A local SMTP server that saves every message as an .eml file (for the demo)."""
    from agency.mailcatcher import serve

    target = Path(folder) if folder else Config.from_env().instance_dir / "mail"
    click.echo(f"mail catcher on smtp://{host}:{port}, saving to {target}")
    serve(host, port, target)


# --- demo -----------------------------------------------------------------------------

def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # Each child in its own process group, so Ctrl-C reaches only us and we stop them in order. Their
    # output goes to a log file: the screen keeps the URL and the logins.
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, start_new_session=True, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)


@main.command("demo")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--sandbox-port", default=None, type=int, help="Port of the platform sandbox (default: port+1).")
def demo_command(port: int, host: str, sandbox_port: int | None) -> None:
    """Zero-config demo: embedded services if unset, migrate, seed, run web + worker + scheduler."""
    from agency import embedded

    started = time.monotonic()
    config = Config.from_env()
    sandbox_port = sandbox_port or port + 1
    sandbox_base = f"http://{host}:{sandbox_port}"
    mail_port = port + 2
    stripe_port = port + 3
    env = dict(os.environ)
    env.setdefault("META_GRAPH_BASE", f"{sandbox_base}/graph/v26.0")
    env.setdefault("GOOGLE_API_BASE", f"{sandbox_base}/google")
    env.setdefault("YOUTUBE_API_BASE", f"{sandbox_base}/youtube/v3")
    env.setdefault("META_DIALOG_BASE", f"{sandbox_base}/facebook/v26.0/dialog/oauth")
    env.setdefault("META_APP_ID", "sandbox-app")
    env.setdefault("GOOGLE_OAUTH_BASE", f"{sandbox_base}/google/o/oauth2/v2/auth")
    env.setdefault("GOOGLE_TOKEN_URL", f"{sandbox_base}/google/token")
    env.setdefault("GOOGLE_ACCOUNTS_BASE", f"{sandbox_base}/google")
    env.setdefault("GOOGLE_INFO_BASE", f"{sandbox_base}/google")
    env.setdefault("GOOGLE_CLIENT_ID", "sandbox-client")
    env.setdefault("GOOGLE_CLIENT_SECRET", "sandbox-secret")
    env.setdefault("SMTP_URL", f"smtp://{host}:{mail_port}")
    env.setdefault("PUBLIC_URL", f"http://{host}:{port}")
    env.setdefault("MAIL_FROM", "Agency Demo <demo@nordlicht.demo>")
    env.setdefault("META_APP_SECRET", "demo-app-secret")
    env.setdefault("META_VERIFY_TOKEN", "demo-verify-token")
    env.setdefault("STRIPE_API_KEY", "sk_test_demo")
    env.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_demo")
    env.setdefault("STRIPE_API_BASE", f"http://{host}:{stripe_port}")
    env["AGENCY_SANDBOX_URL"] = sandbox_base
    env["AGENCY_DEMO_STAFF"] = "1"
    logs = config.instance_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    children: list[tuple[str, subprocess.Popen, Path]] = []

    def start(name: str, args: list[str], log_name: str) -> None:
        log = logs / log_name
        children.append((name, _spawn(args, env, log), log))

    def interrupt(*_args) -> None:
        raise KeyboardInterrupt

    # Ctrl-C and a supervisor's SIGTERM both stop everything in order (also when started in the background,
    # where a shell hands us SIGINT ignored).
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)

    def stop_children(*_args) -> None:
        # A second Ctrl-C must not cut the shutdown short (and leave children without their database).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for name, proc, _log in reversed(children):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                click.echo(f"stopping {name}…")
        deadline = time.monotonic() + 15
        for _name, proc, _log in children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        embedded.stop_all()

    try:
        # The sandbox needs no database: it boots while the embedded services start.
        start("sandbox", [python, "-m", "agency.cli", "sandbox", "--port", str(sandbox_port), "--host", host,
                          "--state-file", str(config.instance_dir / "sandbox-state.json"),
                          "--webhook-url", f"http://{host}:{port}/webhooks/meta", "--no-default-accounts"],
              "sandbox.log")
        start("stripe double", [python, "-m", "agency.cli", "stripe-double", "--port", str(stripe_port), "--host",
                                host, "--webhook-url", f"http://{host}:{port}/webhooks/stripe"], "stripe.log")
        config = embedded.resolve_service_urls(config)
        env.update(embedded.child_environment(config, base=env))
        env.setdefault("SECRET_KEY", config.resolved_secret_key())
        env.setdefault("AGENCY_ENCRYPTION_KEYS", ",".join(config.resolved_encryption_keys()))
        # The web server boots while the database is migrated and seeded: it touches the database only
        # when a request comes, and we announce it after both are done.
        start("web", [python, "-m", "gunicorn", "--workers", "1", "--threads", "8", "--bind", f"{host}:{port}",
                      "--access-logfile", str(logs / "web-access.log"), "--graceful-timeout", "5",
                      "agency.wsgi:app"], "web.log")
        _wait_for_http(f"{sandbox_base}/_sandbox/accounts", timeout=30, hint=f"see {logs / 'sandbox.log'}")
        subprocess.run([python, "-m", "agency.cli", "seed-demo", "--migrate"], env=env, check=True,
                       stdin=subprocess.DEVNULL)
        _wait_for_http(f"http://{host}:{port}/healthz", timeout=60, hint=f"see {logs / 'web.log'}")
        # Background work starts last, so that it does not slow down the start of what the visitor sees.
        start("mail catcher", [python, "-m", "agency.cli", "mailcatcher", "--port", str(mail_port), "--host", host,
                               "--dir", str(config.instance_dir / "mail")], "mail.log")
        start("worker", [python, "-m", "agency.cli", "worker"], "worker.log")
        start("scheduler", [python, "-m", "agency.cli", "scheduler"], "scheduler.log")
        from agency.demo import DEMO_PASSWORD, DEMO_USERS

        click.echo(f"Logs (web, worker, scheduler, sandbox, mail): {logs}")
        click.echo(f"E-mails (SLA warnings) are saved in {config.instance_dir / 'mail'}")
        click.echo(f"Platform sandbox (post as a fan): {sandbox_base}/_sandbox/")
        click.echo("")
        click.echo(f"Agency demo is running at http://{host}:{port}/  (ready in {time.monotonic() - started:.0f}s)")
        click.echo(f"Log in with any of these (password: {DEMO_PASSWORD}):")
        for email, _name, role in DEMO_USERS:
            click.echo(f"  {role:<18} {email}")
        click.echo("Press Ctrl-C to stop.")
        while all(proc.poll() is None for _n, proc, _log in children):
            time.sleep(0.5)
        dead = [f"{name} (see {log})" for name, proc, log in children if proc.poll() is not None]
        raise click.ClickException(f"{', '.join(dead)} stopped unexpectedly")
    except KeyboardInterrupt:
        click.echo("\nshutting down…")
    finally:
        stop_children()


def _wait_for_http(url: str, timeout: float, hint: str = "") -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise click.ClickException(f"{url} did not answer within {timeout:.0f}s" + (f" ({hint})" if hint else ""))


if __name__ == "__main__":
    main()
