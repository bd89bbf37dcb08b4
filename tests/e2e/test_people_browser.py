"""Browser journey of people: the community manager opens a fan's thread, sees the person card with her
history across Facebook and Instagram, opens the profile, adds a label and merges a second profile in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def people_world(_app):
    from agency.accounts.models import Agency
    from agency.inbox.models import Interaction
    from agency.people import services
    from agency.people.models import PersonIdentity
    from tests.conftest import make_agency, make_channel, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("People Agentur")
        ws = make_workspace(agency, "Bäckerei Profil")
        owner = make_user(agency, "owner", name="Olga Owner")
        cm = make_user(agency, "community_manager", workspaces=[ws], name="Carla CM")
        fb = make_channel(ws, "facebook_page", name="Bäckerei Profil")
        ig = make_channel(ws, "instagram_business", name="@baeckerei.profil")
        now = datetime.now(UTC)
        rows = []
        for n, (channel, author, name, text) in enumerate([
                (fb, "fb-lena", "Lena Hoffmann", "Eure Franzbrötchen sind die besten!"),
                (ig, "ig-lena", "lena.backt", "Wann gibt es wieder Zimtschnecken?"),
                (fb, "fb-lena", "Lena Hoffmann", "Kann ich 40 Brötchen für Samstag vorbestellen?"),
                (fb, "fb-tom", "Tom Becker", "Wie lange habt ihr heute offen?"),
                (fb, "fb-lena", "Lena Hoffmann", "Habt ihr am Feiertag geöffnet?")]):
            rows.append(Interaction(agency_id=agency.id, workspace_id=ws.id, channel_id=channel.id,
                                    platform=channel.platform, external_id=f"e2e-people-{n}", kind="comment",
                                    author_name=name, author_external_id=author, text=text,
                                    platform_created_at=now - timedelta(days=10 - 2 * n)))
        db.session.add_all(rows)
        db.session.flush()
        with db.tenant(db.session(), agency.id):
            services.link_authors(agency.id, ws.id)
        ids = dict(db.session.execute(select(PersonIdentity.author_external_id, PersonIdentity.person_id)).all())
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "cm": cm.email, "owner": owner.email,
                "lena": ids["fb-lena"], "insta": ids["ig-lena"], "thread": rows[-1].id}
        db.session.remove()
    try:
        yield info
    finally:
        with _app.app_context(), db.system_scope("test: committed fixtures"):
            db.session.delete(db.session.get(Agency, info["agency_id"]))
            db.session.commit()
            db.session.remove()


def test_person_card_profile_label_and_merge(page, live_server, people_world):
    w = people_world
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", w["cm"])
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/w/{w['slug']}/inbox/{w['thread']}")
    card = page.locator("[data-person-card]")
    assert card.get_attribute("data-person-card") == str(w["lena"])
    assert page.locator("[data-person-earlier]").get_attribute("data-person-earlier") == "2"
    page.locator("#person").scroll_into_view_if_needed()
    screenshot(page, "people-thread-card")
    card.locator("a.btn").click()
    page.fill("#labels input[name=label]", "VIP")
    page.locator("#labels button[type=submit]").last.click()
    page.locator('[data-labels] [data-person-label="vip"]').wait_for(timeout=10_000)
    page.locator("#identities a.btn").click()
    page.fill("input[name=q]", "lena.backt")
    page.locator("main form button[type=submit]").click()
    page.locator(f'[data-candidate="{w["insta"]}"] a.btn').click()
    page.locator("[data-merge]").click()
    page.locator("[data-timeline]").wait_for(timeout=10_000)
    assert page.locator("[data-identity]").count() == 2
    assert page.locator("[data-timeline-item]").count() == 4  # Facebook and Instagram in one timeline
    page.fill("textarea[name=note]", "Stammkundin, bestellt oft für Feiern vor.")
    page.locator("#note button[type=submit]").click()
    screenshot(page, "people-profile")
    page.goto(f"{live_server}/w/{w['slug']}/people")
    assert page.locator("[data-person]").count() == 2
    screenshot(page, "people-list")
