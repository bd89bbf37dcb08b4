"""The demo agency: three client workspaces and one user for each role."""

from __future__ import annotations

from sqlalchemy import select

from agency import db
from agency.accounts import services
from agency.accounts.models import Agency, Role

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


def seed_demo() -> bool:
    """Create the demo agency unless it exists; True when it was created."""
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
    db.session.flush()
    return True
