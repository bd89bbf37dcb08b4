"""Browser journey through community management: the checker flags a "du" in a Sie-workspace while the
community manager types (and fixes it with one click), a saved reply goes in with its placeholders filled,
a question goes to an expert, who answers through the e-mailed link (a real mail worker and SMTP
server), and the answer appears in the thread."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from agency import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import screenshot


@pytest.fixture
def mail_folder():
    """An SMTP server on a free port that keeps every message as an .eml file."""
    from aiosmtpd.controller import Controller

    from agency.mailcatcher import SaveToFolder
    from bench.common import free_port

    folder = Path(tempfile.mkdtemp(prefix="agency-mail-"))
    port = free_port()
    controller = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield folder, port
    finally:
        controller.stop()


@pytest.fixture
def community_world(_app, _session_sandbox, test_config, mail_folder):
    from agency.accounts.models import Agency
    from agency.channels.services import connect_channel
    from agency.community.services import escalations, saved_replies, voice
    from agency.inbox.jobs import run_sync
    from tests.conftest import make_agency, make_user, make_workspace, unique_account

    sandbox = _session_sandbox
    folder, smtp_port = mail_folder
    original = _app.config["AGENCY"]
    _app.config["AGENCY"] = original.with_overrides(meta_graph_base=sandbox.graph_base)
    account = sandbox.add_account("facebook_page", unique_account("cm"), name="Radhaus Browser", history_days=1,
                                  per_day=30)
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Community Agentur")
        ws = make_workspace(agency, "Radhaus Browser", address_form="sie")
        owner = make_user(agency, "owner", name="Olga Owner")
        cm = make_user(agency, "community_manager", workspaces=[ws], name="Carla CM")
        voice.save_guide(owner, ws, address_form="sie", persona_name="Jonas", persona_role="Kundenservice",
                         signature_template="Viele Grüße, {persona}", preferred_words=[], banned=[], brands=[],
                         emoji_policy="none", typical_length=400, guide_markdown="**Sachlich** und freundlich.")
        saved_replies.save(owner, agency_id=agency.id, workspace=ws, title="Bestellnummer erfragen", language="de",
                           tags=["bestellung"],
                           text_formal="Hallo {author_first_name}, bitte schicken Sie uns Ihre Bestellnummer per "
                                       "Direktnachricht. {signature}",
                           text_informal="Hallo {author_first_name}, schick uns bitte deine Bestellnummer. "
                                         "{signature}")
        escalations.save_expert(owner, ws, name="Jörg Müller", email="joerg@radhaus.test", phone="",
                                topics=["Werkstatt"], availability="Di–Sa")
        channel = connect_channel(owner, ws, platform="facebook_page", account_id=account["account_id"],
                                  token=account["token"], backfill_days=2)
        db.session.commit()
        run_sync(channel)
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "cm": cm.email}
        db.session.remove()
    env = {**os.environ, "DATABASE_URL": test_config.database_url, "REDIS_URL": test_config.redis_url,
           "SECRET_KEY": test_config.secret_key, "AGENCY_ENCRYPTION_KEYS": ",".join(test_config.encryption_keys),
           "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "MAIL_FROM": "Agency <test@agency.test>"}
    worker = subprocess.Popen([sys.executable, "-m", "agency.cli", "worker", "mail"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield {**info, "mail": folder}
    finally:
        worker.terminate()
        worker.wait(20)
        _app.config["AGENCY"] = original
        with _app.app_context(), db.system_scope("test: committed fixtures"):
            db.session.delete(db.session.get(Agency, info["agency_id"]))
            db.session.commit()
            db.session.remove()


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def _expert_link(folder: Path, timeout: float = 40) -> str:
    import email
    from email import policy

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if "joerg@radhaus.test" in str(message["To"]):
                body = message.get_body(("plain",)).get_content()
                return re.search(r"(/expert/\S+)", body).group(1)
        time.sleep(0.3)
    raise AssertionError("the expert's e-mail did not arrive")


def test_community_journey(browser, live_server, community_world):
    cm = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    _login(cm, live_server, community_world["cm"])
    cm.goto(f"{live_server}/w/{community_world['slug']}/inbox/?kind=comment")
    cm.click("[data-row] .conv-author")
    cm.wait_for_selector("[data-cm-composer]")
    # 1. The checker flags a "du" in a Sie-workspace while typing, and fixes it with one click.
    cm.click("[data-reply-text]")
    cm.keyboard.type("Hallo, kannst du uns kurz schreiben, welches Rad es ist?")
    finding = cm.wait_for_selector('[data-cm-finding="address_form"]', timeout=15000)
    assert "kannst du" in finding.inner_text()
    screenshot(cm, "community-checker")
    finding.query_selector("[data-cm-fix]").click()
    assert "können Sie uns" in cm.input_value("[data-reply-text]")
    # 2. A saved reply, inserted by keyboard with its placeholders filled.
    cm.fill("[data-reply-text]", "")
    cm.click("[data-reply-text]")
    cm.keyboard.press("Control+k")
    cm.wait_for_selector("[data-cm-picker-search]:focus")
    cm.keyboard.type("Bestell")
    cm.wait_for_selector('[data-cm-pick]:has-text("Bestellnummer erfragen")')
    screenshot(cm, "community-saved-reply-picker")
    cm.keyboard.press("Enter")
    inserted = cm.input_value("[data-reply-text]")
    assert inserted.startswith("Hallo ") and "bitte schicken Sie uns Ihre Bestellnummer" in inserted
    assert inserted.rstrip().endswith("Viele Grüße, Jonas") and "{" not in inserted
    # 3. Escalate to the expert from the sidebar.
    thread_url = cm.url
    cm.fill("[data-cm-question]", "Ist das Modell vom Rückruf betroffen?")
    cm.click("[data-cm-escalate]")
    cm.wait_for_selector(".flash-success")
    screenshot(cm, "community-escalated")
    # 4. The expert answers through the e-mailed link, without an account.
    link = _expert_link(community_world["mail"])
    expert = browser.new_context(viewport={"width": 1000, "height": 800}, locale="de-DE").new_page()
    expert.goto(f"{live_server}{link}")
    assert "Ist das Modell vom Rückruf betroffen?" in expert.inner_text("main")
    expert.fill("textarea[name=answer]", "Nein, nur die Baujahre 2021 und 2022 sind betroffen.")
    screenshot(expert, "community-expert-page")
    expert.click("main button[type=submit]")
    expert.wait_for_selector(".cm-expert h1")
    # 5. The answer arrives in the thread as an internal note.
    cm.goto(thread_url)
    assert "Nein, nur die Baujahre 2021 und 2022 sind betroffen." in cm.inner_text(".notes")
    assert "answered" in cm.inner_text(".cm-side-experts")
    screenshot(cm, "community-answer-in-thread")


@pytest.fixture
def crisis_world(_app):
    """A committed agency whose workspace is in a crisis, with a plan, experts and saved replies (the demo's)."""
    from agency.accounts.models import Agency
    from agency.community import demo
    from agency.community.services import crisis
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Krisen Agentur")
        ws = make_workspace(agency, "Bäckerei Sonnenschein", slug="baeckerei-sonnenschein", address_form="du")
        owner = make_user(agency, "owner", name="Olga Owner")
        client = make_user(agency, "client", workspaces=[ws], name="Clara Kundin")
        demo.seed(owner, [ws, make_workspace(agency, "Radhaus", slug="radhaus-mueller"),
                          make_workspace(agency, "Cloudwerk", slug="cloudwerk", locale="en")])
        incident = crisis.open_incident(ws, title="Shitstorm-Alarm: Bäckerei Sonnenschein",
                                        explanation="87 negative in the last hour, usually 9 at this hour → 9.7×.")
        crisis.set_step(owner, incident, 0, True)
        crisis.add_note(owner, incident, "Holding Statement ist freigegeben.")
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "owner": owner.email, "client": client.email,
                "incident": incident.id}
        db.session.remove()
    yield info
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        db.session.delete(db.session.get(Agency, info["agency_id"]))
        db.session.commit()
        db.session.remove()


def test_community_pages_in_the_browser(browser, live_server, crisis_world):
    """Every community page renders in Chromium under the strict CSP (no violations), in German too."""
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE").new_page()
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    _login(page, live_server, crisis_world["owner"])
    slug = crisis_world["slug"]
    for path, name, expected in [
        (f"/w/{slug}/inbox/", "community-inbox-banner", "Shitstorm-Alarm"),
        (f"/w/{slug}/incidents/{crisis_world['incident']}", "community-incident", "Holding Statement ist freigegeben."),
        (f"/w/{slug}/crisis", "community-crisis-plan", "Lage sichten"),
        (f"/w/{slug}/settings/tone", "community-tone", "Lena"),
        (f"/w/{slug}/saved-replies", "community-saved-replies", "Öffnungszeiten"),
        (f"/w/{slug}/experts", "community-experts", "Petra Sonnenschein"),
        (f"/w/{slug}/opportunities", "community-opportunities", ""),
    ]:
        page.goto(f"{live_server}{path}")
        assert expected in page.inner_text("main"), path
        screenshot(page, name)
    page.goto(f"{live_server}/w/{slug}/inbox/")
    assert page.locator("[data-crisis-banner]").count() == 1
    assert violations == []
    portal = browser.new_context(viewport={"width": 1200, "height": 900}, locale="de-DE").new_page()
    _login_client(portal, live_server, crisis_world["client"])
    portal.goto(f"{live_server}/portal/crisis-plan")
    assert "Petra Sonnenschein" in portal.inner_text("main") and portal.locator("main form").count() == 0
    screenshot(portal, "community-portal-crisis-plan")


def _login_client(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
