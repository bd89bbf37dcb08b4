"""The demo agency: three client workspaces, one user for each role, channels on the sandbox.

Its staff's history (answers and closes on a realistic schedule) is kept by ``agency.demo_history``.
"""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.accounts import services
from agency.accounts.models import Agency, Role
from agency.billing import demo as billing_demo
from agency.community import demo as community_demo
from agency.moderation import demo as moderation_demo
from agency.people import demo as people_demo
from agency.privacy import demo as privacy_demo
from agency.reports import demo as reports_demo
from agency.timetracking import demo as time_demo

DEMO_AGENCY_SLUG = "nordlicht-social"
DEMO_PASSWORD = "Nordlicht-Demo-2026"
DEMO_USERS = [
    ("owner@nordlicht.demo", "Olivia Owner", Role.OWNER),
    ("admin@nordlicht.demo", "Anton Admin", Role.ADMIN),
    ("am@nordlicht.demo", "Mia Account", Role.ACCOUNT_MANAGER),
    ("cm@nordlicht.demo", "Chris Community", Role.COMMUNITY_MANAGER),
    ("client@nordlicht.demo", "Clara Kundin", Role.CLIENT),
]
DEMO_WORKSPACES = [
    # name, slug, locale, address form, Land
    ("Bäckerei Sonnenschein", "baeckerei-sonnenschein", "de", "du", "BY"),
    ("Radhaus Müller", "radhaus-mueller", "de", "sie", "NW"),
    ("Cloudwerk Systems", "cloudwerk", "en", "sie", "BE"),
]


# Each workspace's channels on the sandbox: (workspace slug, platform, account id, name, items per day).
DEMO_CHANNELS = [
    ("baeckerei-sonnenschein", "facebook_page", "1001", "Bäckerei Sonnenschein", 18),
    ("baeckerei-sonnenschein", "instagram_business", "17841400000001", "@baeckerei.sonnenschein", 14),
    ("baeckerei-sonnenschein", "google_business_profile", "accounts/2001/locations/3001",
     "Bäckerei Sonnenschein Berlin-Mitte", 4),
    ("radhaus-mueller", "facebook_page", "1002", "Radhaus Müller", 10),
    ("radhaus-mueller", "google_business_profile", "accounts/2002/locations/3002", "Radhaus Müller Köln", 3),
    ("radhaus-mueller", "youtube_channel", "UCsandboxRadhaus0000000001", "Radhaus Müller TV", 6),
    ("cloudwerk", "facebook_page", "1003", "Cloudwerk Systems", 6),
    ("cloudwerk", "youtube_channel", "UCsandboxCloudwerk00000001", "Cloudwerk Tutorials", 8),
]
DEMO_HISTORY_DAYS = 60
DEMO_SYNC_INTERVAL = 60


def demo_token(account_id: str) -> str:
    return "demo-" + account_id.replace("/", "-")


def ensure_sandbox_accounts(sandbox_url: str, history_days: int = DEMO_HISTORY_DAYS) -> int:
    """Create the demo accounts on the sandbox unless it already has them (it keeps a state file)."""
    import requests

    listing = requests.get(f"{sandbox_url}/_sandbox/accounts", timeout=10).json()
    existing = {a["account_id"] for a in listing["accounts"]}
    created = 0
    for _slug, platform, account_id, name, per_day in DEMO_CHANNELS:
        if account_id in existing:
            continue
        body = {"platform": platform, "account_id": account_id, "name": name, "token": demo_token(account_id),
                "history_days": history_days, "per_day": per_day}
        if platform == "instagram_business":
            body.update(username="baeckerei.sonnenschein", page_id="1001")
        requests.post(f"{sandbox_url}/_sandbox/accounts", json=body, timeout=10).raise_for_status()
        created += 1
    return created


def connect_demo_channels(backfill_days: int = DEMO_HISTORY_DAYS) -> int:
    """Connect every demo channel that is not connected yet (idempotent)."""
    from agency.accounts.models import Workspace
    from agency.channels.models import Channel
    from agency.channels.services import connect_channel

    with db.system_scope("find the demo agency by its slug"):
        agency = db.session.scalars(select(Agency).where(Agency.slug == DEMO_AGENCY_SLUG)).one()
    connected = 0
    with db.tenant(db.session(), agency.id):
        workspaces = {w.slug: w for w in db.session.scalars(select(Workspace).where(Workspace.agency_id == agency.id))}
        for slug, platform, account_id, name, _per_day in DEMO_CHANNELS:
            ws = workspaces.get(slug)
            if ws is None or db.session.scalar(select(Channel.id).where(
                    Channel.workspace_id == ws.id, Channel.platform == platform,
                    Channel.external_account_id == account_id)):
                continue
            connect_channel(None, ws, platform=platform, account_id=account_id, token=demo_token(account_id),
                            name=name, backfill_days=backfill_days, sync_interval_seconds=DEMO_SYNC_INTERVAL)
            connected += 1
    return connected


def seed_demo() -> bool:
    """Create the demo agency unless it exists; True when it was created."""
    with db.system_scope("find the demo agency by its slug"):
        if db.session.scalar(select(Agency.id).where(Agency.slug == DEMO_AGENCY_SLUG)):
            return False
    owner_email, owner_name, _role = DEMO_USERS[0]
    agency, owner = services.create_agency("Nordlicht Social", owner_email, owner_name, DEMO_PASSWORD,
                                           slug=DEMO_AGENCY_SLUG, locale="de", timezone="Europe/Berlin")
    agency.primary_color = "#1f6f8b"
    workspaces = [
        services.create_workspace(owner, name=name, slug=slug, locale=locale, address_form=form, country="DE",
                                  subdivision=land)
        for name, slug, locale, form, land in DEMO_WORKSPACES
    ]
    for email, name, role in DEMO_USERS[1:]:
        if role == Role.CLIENT:
            assigned = [workspaces[0].id]
        elif role == Role.COMMUNITY_MANAGER:
            assigned = [workspaces[0].id, workspaces[1].id]
        else:
            assigned = [w.id for w in workspaces]
        services.create_user(owner, email=email, name=name, role=role, password=DEMO_PASSWORD,
                             workspace_ids=assigned)
    community_demo.seed(owner, workspaces)
    moderation_demo.seed(owner, workspaces)
    people_demo.seed(owner, workspaces)
    db.session.flush()
    time_demo.seed(agency, None, workspaces)
    billing_demo.seed(agency, workspaces)
    reports_demo.seed(agency, workspaces)
    privacy_demo.seed(owner, workspaces)
    return True
