"""Demo data of people: a fan of the bakery who writes on Facebook and on Instagram, merged into one profile with
labels and a note, so the profile shows her history across both platforms."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from agency import db
from agency.accounts.models import User, Workspace
from agency.inbox.models import Interaction, Status
from agency.people import services
from agency.people.models import Person, PersonIdentity

FAN = "Lena Hoffmann"
#: (platform, author id on it, kind, text, days ago, status)
ITEMS = [
    ("facebook_page", "demo-fan-lena-fb", "comment", "Eure Franzbrötchen sind die besten in ganz Berlin!", 41,
     "closed"),
    ("instagram_business", "demo-fan-lena-ig", "comment", "Wann gibt es wieder die Kürbis-Zimtschnecken? 🎃", 23,
     "replied"),
    ("facebook_page", "demo-fan-lena-fb", "direct_message",
     "Hallo! Kann ich für Samstag 40 Brötchen für eine Feier vorbestellen?", 9, "closed"),
    ("instagram_business", "demo-fan-lena-ig", "mention", "Sonntagsfrühstück mit @baeckerei.sonnenschein ☀️", 3,
     "closed"),
    ("facebook_page", "demo-fan-lena-fb", "comment", "Habt ihr am Feiertag geöffnet?", 0, "new"),
]


def seed(owner: User, workspaces: list[Workspace]) -> Person:
    workspace = workspaces[0]
    now = db.utcnow()
    items = [Interaction(agency_id=workspace.agency_id, workspace_id=workspace.id, channel_id=None, platform=platform,
                         external_id=f"demo-people-{n}", kind=kind, author_name=FAN, author_external_id=author,
                         text=text, platform_created_at=now - timedelta(days=days, hours=n),
                         status=status, handled_at=None if status == Status.NEW else now - timedelta(days=days))
             for n, (platform, author, kind, text, days, status) in enumerate(ITEMS)]
    db.session.add_all(items)
    db.session.flush()
    services.link_authors(workspace.agency_id, workspace.id, [i.id for i in items])
    found = dict(db.session.execute(select(PersonIdentity.platform, PersonIdentity.person_id).where(
        PersonIdentity.workspace_id == workspace.id,
        PersonIdentity.author_external_id.in_(["demo-fan-lena-fb", "demo-fan-lena-ig"]))).all())
    keep = db.session.get(Person, found["facebook_page"])
    other = db.session.get(Person, found["instagram_business"])
    services.add_label(owner, other, "customer")
    services.merge(owner, keep, other)
    services.add_label(owner, keep, "vip")
    services.save_note(owner, keep, name=FAN, note="Stammkundin, bestellt oft für Feiern vor. "
                                                   "Auf Instagram als @lena.backt unterwegs.")
    return keep
