"""The community pages and the thread's slots: tone settings, the live checker endpoint, saved replies and
the composer's picker, experts, the crisis plan (also read-only in the client portal), incidents,
engagement opportunities and proactive replies."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from agency import db
from agency.community import queries
from agency.community.models import CrisisIncident, Expert, ProactiveReply, SavedReply, ToneGuide
from agency.community.services import crisis, escalations, saved_replies
from agency.inbox.models import Reply
from tests.conftest import csrf_token, login


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/profile")})


def _as(client, user):
    """A fresh client logged in as ``user`` (one browser per person)."""
    other = client.application.test_client()
    login(other, user)
    return other


def test_tone_settings_read_for_staff_and_edited_by_managers(client, world):
    ws = world.ws_a
    login(client, world.cm_a)
    page = client.get(f"/w/{ws.slug}/settings/tone")
    assert page.status_code == 200 and "Account managers and admins edit" in page.get_data(as_text=True)
    assert _post(client, f"/w/{ws.slug}/settings/tone", {"address_form": "du", "emoji_policy": "free"}).status_code \
        == 404
    client = _as(client, world.owner_a)
    response = _post(client, f"/w/{ws.slug}/settings/tone", {
        "address_form": "du", "persona_name": "Lena", "persona_role": "Social Media",
        "signature_template": "^{persona}",
        "emoji_policy": "sparingly", "typical_length": "280", "preferred_words": "gern\nklar",
        "banned": "Problem -> Herausforderung\nleider\nKunde* = Fan", "brands": "Du darfst",
        "guide_markdown": "## Unser Ton\n\n*Herzlich*, **klar**. <script>x</script>"})
    assert response.status_code == 302
    guide = db.session.scalar(select(ToneGuide).where(ToneGuide.workspace_id == ws.id))
    assert guide.banned == [{"phrase": "Problem", "suggestion": "Herausforderung"},
                            {"phrase": "leider", "suggestion": ""}, {"phrase": "Kunde*", "suggestion": "Fan"}]
    assert db.session.get(type(ws), ws.id).address_form == "du" and guide.preferred_words == ["gern", "klar"]
    html = client.get(f"/w/{ws.slug}/settings/tone").get_data(as_text=True)
    assert "<h2>Unser Ton</h2>" in html and "<script>x" not in html and "^Lena" in html


def test_thread_shows_voice_experts_and_composer(client, world, guide_a, expert_a, make_interaction, channel_a):
    interaction = make_interaction(world.ws_a, text="Kann ich bei euch mit PayPal zahlen?", channel=channel_a)
    login(client, world.cm_a)
    html = client.get(f"/w/{world.ws_a.slug}/inbox/{interaction.id}").get_data(as_text=True)
    assert "data-cm-composer" in html and "/tone-check" in html and "css/community.css" in html
    assert html.count("css/community.css") == 1  # assets once, however many slots
    assert "Lena" in html and "^Lena" in html and "Dr. Vera Weber" in html and "Allergene" in html
    assert "<strong>Freundlich</strong>" in html  # the guide, rendered
    assert f"/w/{world.ws_a.slug}/inbox/{interaction.id}/escalate" in html


def test_live_check_endpoint(client, world, guide_a, make_interaction, channel_a):
    interaction = make_interaction(world.ws_a, text="Habt ihr Samstag offen?", channel=channel_a, language="de")
    login(client, world.cm_a)
    text = "😊 Kannst du uns schreiben? Das Problem lösen wir, [[author_first_name]]."
    response = _post(client, f"/w/{world.ws_a.slug}/inbox/{interaction.id}/tone-check", {"text": text})
    data = response.get_json()
    assert response.status_code == 200
    codes = {f["code"] for f in data["findings"]}
    assert codes == {"address_form", "banned_word", "signature"}
    address = next(f for f in data["findings"] if f["code"] == "address_form")
    assert address["excerpt"] == "Kannst du" and address["suggestion"] == "Können Sie"
    assert address["utf16_start"] == address["start"] + 1  # the emoji counts twice in JavaScript
    assert [m["name"] for m in data["missing"]] == ["author_first_name"] and data["blocking"] is False
    too_long = _post(client, f"/w/{world.ws_a.slug}/inbox/{interaction.id}/tone-check", {"text": "x" * 8200})
    assert too_long.get_json()["blocking"] is True


def test_saved_replies_and_the_composer_picker(client, world, guide_a, make_interaction, channel_a):
    ws = world.ws_a
    login(client, world.owner_a)
    assert _post(client, f"/w/{ws.slug}/saved-replies", {
        "title": "Zahlungsarten", "scope": "workspace", "kind": "reply", "language": "de", "tags": "zahlung, paypal",
        "text_formal": "Hallo {author_first_name}, Sie können bei uns mit PayPal zahlen. {signature}",
        "text_informal": "Hi {author_first_name}, du kannst mit PayPal zahlen. {signature}"}).status_code == 302
    assert _post(client, f"/w/{ws.slug}/saved-replies", {
        "title": "Danke", "scope": "agency", "kind": "reply", "language": "de",
        "text_formal": "Vielen Dank, {author_name}! Ihr Team von {workspace}, {today}"}).status_code == 302
    client = _as(client, world.cm_a)
    shared_by_cm = {"title": "Geteilt", "scope": "agency", "kind": "reply", "language": "de", "text_formal": "x"}
    assert _post(client, f"/w/{ws.slug}/saved-replies", shared_by_cm).status_code == 400
    interaction = make_interaction(ws, text="Kann ich mit PayPal zahlen?", channel=channel_a, tags=["paypal"],
                                   author_name="Anna Müller", language="de")
    items = client.get(f"/w/{ws.slug}/inbox/{interaction.id}/saved-replies").get_json()["items"]
    assert [i["title"] for i in items][:2] == ["Zahlungsarten", "Danke"]
    assert items[0]["text"] == "Hallo Anna, Sie können bei uns mit PayPal zahlen. ^Lena" and items[0]["missing"] == []
    assert items[1]["text"].startswith("Vielen Dank, Anna Müller! Ihr Team von Alpha Client, ")
    assert items[1]["shared"] is True
    assert [i["title"] for i in client.get(f"/w/{ws.slug}/inbox/{interaction.id}/saved-replies?q=danke")
            .get_json()["items"]] == ["Danke"]
    # A handle instead of a name: the gap is marked, never guessed.
    handle = make_interaction(ws, text="paypal?", channel=channel_a, author_name="anna_92")
    first = client.get(f"/w/{ws.slug}/inbox/{handle.id}/saved-replies?q=paypal").get_json()["items"][0]
    assert first["text"].startswith("Hallo [[author_first_name]],") and first["missing"] == ["author_first_name"]
    # Inserting counts a use.
    used = client.post(items[0]["used_url"], data={"csrf_token": csrf_token(client, "/profile")})
    assert used.status_code == 200 and used.get_json()["usage_count"] == 1
    # The du variant for a du workspace.
    db.session.get(type(ws), ws.id).address_form = "du"
    db.session.commit()
    items = client.get(f"/w/{ws.slug}/inbox/{interaction.id}/saved-replies?q=paypal").get_json()["items"]
    assert items[0]["text"] == "Hi Anna, du kannst mit PayPal zahlen. ^Lena"
    # The list page: search and filters; community managers may not change agency-wide replies.
    page = client.get(f"/w/{ws.slug}/saved-replies?q=paypal").get_data(as_text=True)
    assert "Zahlungsarten" in page and "Vielen Dank" not in page
    shared = db.session.scalar(select(SavedReply).where(SavedReply.title == "Danke"))
    assert client.get(f"/w/{ws.slug}/saved-replies/{shared.id}").status_code == 404
    own = db.session.scalar(select(SavedReply).where(SavedReply.title == "Zahlungsarten"))
    assert _post(client, f"/w/{ws.slug}/saved-replies/{own.id}/delete", {}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SavedReply).where(SavedReply.id == own.id)) == 0


def test_experts_are_managed_by_managers(client, world, make_interaction):
    ws = world.ws_a
    login(client, world.cm_a)
    assert _post(client, f"/w/{ws.slug}/experts", {"name": "X", "email": "x@alpha.test"}).status_code == 404
    client = _as(client, world.am_a)
    assert _post(client, f"/w/{ws.slug}/experts", {"name": "Jonas Koch", "email": "jonas@alpha.test",
                                                   "topics": "Lieferung, Retouren", "availability": "Mo–Fr",
                                                   "is_active": "y"}).status_code == 302
    expert = db.session.scalar(select(Expert).where(Expert.email == "jonas@alpha.test"))
    assert expert.topics == ["Lieferung", "Retouren"]
    assert _post(client, f"/w/{ws.slug}/experts", {"name": "Zwilling", "email": "JONAS@alpha.test"}).status_code == 400
    escalations.escalate(world.am_a, ws, make_interaction(ws), expert, "Wann kommt die Lieferung?")
    db.session.commit()
    assert _post(client, f"/w/{ws.slug}/experts/{expert.id}/delete", {}).status_code == 302
    assert db.session.get(Expert, expert.id).is_active is False  # asked before: kept for the record
    assert _post(client, f"/w/{ws.slug}/experts/settings", {"pauses_sla": "y", "reminder_hours": "8",
                                                            "link_days": "14"}).status_code == 302


def test_crisis_plan_and_its_read_only_view_in_the_portal(client, world):
    ws = world.ws_a
    login(client, world.am_a)
    assert _post(client, f"/w/{ws.slug}/crisis", {
        "severity_levels": "Gelb | Viel Kritik, sachlich\nRot | Medien fragen an",
        "checklist": "Kommentare sichten\nHolding Statement posten\nKundin anrufen",
        "contacts": "Petra Sonnenschein | Geschäftsführung | +49 170 123 | petra@alpha.test",
        "approval_chain": "Account Manager\nPetra Sonnenschein"}).status_code == 302
    saved_replies.save(world.am_a, agency_id=world.agency_a.id, workspace=ws, title="Wir prüfen das",
                       language="de", tags=[], text_formal="Wir nehmen die Hinweise ernst und prüfen sie.",
                       text_informal="", kind="holding")
    db.session.commit()
    page = client.get(f"/w/{ws.slug}/crisis").get_data(as_text=True)
    assert "Medien fragen an" in page and "Petra Sonnenschein" in page and "Wir prüfen das" in page
    plan = crisis.plan_of(ws.id)
    assert plan.contacts[0]["phone"] == "+49 170 123" and len(plan.checklist) == 3
    portal = _as(client, world.client_a)
    view = portal.get("/portal/crisis-plan")
    html = view.get_data(as_text=True)
    assert view.status_code == 200 and "Holding Statement posten" in html and "Wir prüfen das" in html
    assert "<form" not in html.split("<main", 1)[1]  # read-only
    assert portal.get(f"/w/{ws.slug}/crisis").status_code == 404
    assert client.get("/portal/crisis-plan").status_code == 302  # staff go to their dashboard


def test_incident_by_hand_checklist_notes_and_closing(client, world):
    ws = world.ws_a
    crisis.save_plan(world.am_a, ws, severity_levels=[], checklist=["Sichten", "Statement"], contacts=[],
                     approval_chain=[])
    db.session.commit()
    login(client, world.cm_a)
    opened = _post(client, f"/w/{ws.slug}/crisis/incidents", {"title": "Rückruf Haselnussbrot", "severity": "Rot"})
    assert opened.status_code == 302
    incident = db.session.scalar(select(CrisisIncident))
    base = f"/w/{ws.slug}/incidents/{incident.id}"
    assert _post(client, f"{base}/step", {"step": "1", "done": "1"}).status_code == 302
    assert _post(client, f"{base}/note", {"text": "Presse hat angerufen."}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    # The timeline records what was sent in the workspace's language (German here).
    assert "1 of 2 done" in page and "Presse hat angerufen." in page and "alarmiert" in page
    assert _post(client, f"{base}/close", {"summary": "Rückruf erklärt, Stimmung beruhigt."}).status_code == 302
    db.session.expire_all()
    closed = db.session.get(CrisisIncident, incident.id)
    assert closed.status == "closed" and closed.checklist[1]["done_by"] == world.cm_a.name
    assert _post(client, f"{base}/step", {"step": "0", "done": "1"}).status_code == 400
    summary = queries.monthly_summary(db.session.get(type(ws), ws.id), closed.opened_at - timedelta(days=1),
                                      closed.opened_at + timedelta(days=1))
    assert summary["incidents"][0]["summary"] == "Rückruf erklärt, Stimmung beruhigt."


def test_opportunities_and_proactive_replies(client, world, make_interaction, channel_a):
    from agency.inbox.signals import reply_sent

    ws = world.ws_a
    praise = make_interaction(ws, text="Bestes Brot der Stadt! ❤️", channel=channel_a, sentiment_label="positive",
                              is_opportunity=True)
    question = make_interaction(ws, text="Gibt es das auch glutenfrei?", channel=channel_a, is_question=True,
                                status="closed", handled_at=db.utcnow() - timedelta(days=1))
    make_interaction(ws, text="Spam spam", channel=channel_a, sentiment_label="positive", is_spam=True, status="spam")
    login(client, world.cm_a)
    page = client.get(f"/w/{ws.slug}/opportunities").get_data(as_text=True)
    assert "Bestes Brot der Stadt!" in page and "glutenfrei" in page and "Spam spam" not in page
    inbox = client.get(f"/w/{ws.slug}/inbox/").get_data(as_text=True)
    assert f"/w/{ws.slug}/opportunities" in inbox
    for interaction in (praise, question):
        reply = Reply(agency_id=ws.agency_id, workspace_id=ws.id, interaction_id=interaction.id,
                      author_id=world.cm_a.id, text="Danke!", status="sent", sent_at=db.utcnow())
        db.session.add(reply)
        db.session.flush()
        reply_sent.send(interaction, reply=reply)
        reply_sent.send(interaction, reply=reply)  # twice: counted once
    reasons = sorted(db.session.scalars(select(ProactiveReply.reason)))
    assert reasons == ["follow_up", "positive"]
    db.session.commit()
    page = client.get(f"/w/{ws.slug}/opportunities").get_data(as_text=True)
    assert "Bestes Brot der Stadt!" not in page  # answered now


def test_dashboard_links_and_german_pages(client, world, guide_a):
    login(client, world.owner_a)
    home = client.get("/").get_data(as_text=True)
    assert f"/w/{world.ws_a.slug}/crisis" in home and f"/w/{world.ws_a.slug}/saved-replies" in home
    for path in ("settings/tone", "saved-replies", "experts", "crisis", "opportunities"):
        response = client.get(f"/w/{world.ws_a.slug}/{path}", headers={"Accept-Language": "de"})
        assert response.status_code == 200, path


def test_address_rules_follow_the_reply_language(client, world, guide_a, make_interaction, channel_a):
    """A German reply to an English comment is still held to Sie (and told it is not in English)."""
    interaction = make_interaction(world.ws_a, text="Do you ship to Austria?", channel=channel_a, language="en")
    login(client, world.cm_a)
    data = _post(client, f"/w/{world.ws_a.slug}/inbox/{interaction.id}/tone-check",
                 {"text": "Hallo, kannst du uns kurz schreiben, wohin es gehen soll? ^Lena"}).get_json()
    assert {f["code"] for f in data["findings"]} == {"address_form", "language"}
