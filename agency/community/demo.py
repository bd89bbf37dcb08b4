"""The demo agency's community management: tone guides and personas, saved replies, experts, crisis
plans with holding statements, and an old, closed incident to look at."""

from __future__ import annotations

from datetime import timedelta

from agency import db
from agency.accounts.models import User, Workspace
from agency.community.models import CrisisIncident, IncidentEvent
from agency.community.services import crisis, escalations, saved_replies, voice

GUIDES = {
    "baeckerei-sonnenschein": {
        "address_form": "du", "persona_name": "Lena", "persona_role": "aus dem Sonnenschein-Team",
        "signature_template": "^{persona}", "preferred_words": ["gern", "frisch", "handgemacht", "Backstube"],
        "banned": [{"phrase": "Problem", "suggestion": "Anliegen"},
                   {"phrase": "Beschwerde", "suggestion": "Rückmeldung"},
                   {"phrase": "leider nicht möglich", "suggestion": "wir schauen, was geht"}],
        "brands": ["Sonnenschein-Kruste"], "emoji_policy": "sparingly", "typical_length": 280,
        "guide_markdown": (
            "## So klingen wir\n\nWarm, bodenständig, ein bisschen verschmitzt — wie ein Plausch an der Theke."
            "\n\n- Wir **duzen** alle, auch Beschwerden.\n- Jede Antwort endet mit `^Lena`.\n"
            "- Höchstens ein Emoji, gern 🥨 oder ☀️.\n- Bei Allergien nie raten: Petra fragen (Experten)."),
    },
    "radhaus-mueller": {
        "address_form": "sie", "persona_name": "Jonas", "persona_role": "Kundenservice Radhaus Müller",
        "signature_template": "Viele Grüße, {persona}", "preferred_words": ["gern", "Werkstatt", "Probefahrt"],
        "banned": [{"phrase": "Problem", "suggestion": "Anliegen"}, {"phrase": "billig", "suggestion": "günstig"}],
        "brands": [], "emoji_policy": "none", "typical_length": 400,
        "guide_markdown": ("## Ton\n\nSachlich, kompetent, freundlich. Wir **siezen**.\n\n"
                           "Technische Fragen zur Garantie gehen an Jörg Müller."),
    },
    "cloudwerk": {
        "address_form": "sie", "persona_name": "Sam", "persona_role": "Cloudwerk Support",
        "signature_template": "– {persona}, Cloudwerk Support", "preferred_words": ["happy to help"],
        "banned": [{"phrase": "ASAP", "suggestion": "as soon as we can"},
                   {"phrase": "unfortunately", "suggestion": ""}],
        "brands": [], "emoji_policy": "sparingly", "typical_length": 500,
        "guide_markdown": "## Voice\n\nClear, calm, precise. Security questions go to Dr. Priya Raman.",
    },
}

SHARED_REPLIES = [
    ("Danke für das Lob", "de", ["lob"],
     "Vielen Dank, {author_first_name}! Das freut uns sehr. {signature}",
     "Danke dir, {author_first_name}! Das freut uns riesig. {signature}"),
    ("Wir kümmern uns", "de", ["beschwerde"],
     "Das tut uns leid, {author_first_name}. Bitte schreiben Sie uns eine Direktnachricht mit Ihrer "
     "Bestellnummer, dann kümmern wir uns sofort. {signature}",
     "Das tut uns leid, {author_first_name}. Schreib uns bitte eine Direktnachricht mit deiner Bestellnummer, "
     "dann kümmern wir uns sofort. {signature}"),
]
WORKSPACE_REPLIES = {
    "baeckerei-sonnenschein": [
        ("Öffnungszeiten", "de", ["öffnungszeiten"],
         "Hallo {author_first_name}, wir haben Mo–Sa von 6:30 bis 18:00 Uhr geöffnet, sonntags von 8 bis 12 Uhr. "
         "{signature}",
         "Hallo {author_first_name}, wir haben Mo–Sa von 6:30 bis 18:00 Uhr für dich geöffnet, sonntags von 8 bis "
         "12 Uhr. {signature}"),
        ("Allergene", "de", ["allergene"],
         "Hallo {author_first_name}, alle Allergene hängen in jeder Filiale aus. Wir fragen gern in der Backstube "
         "nach, wenn Sie uns das Brot nennen. {signature}",
         "Hallo {author_first_name}, alle Allergene hängen in jeder Filiale aus. Nenn uns das Brot, dann fragen "
         "wir gern in der Backstube nach. {signature}"),
    ],
    "radhaus-mueller": [
        ("Werkstatttermin", "de", ["werkstatt"],
         "Guten Tag {author_first_name}, einen Werkstatttermin vereinbaren Sie am schnellsten telefonisch unter "
         "0221 123456. {signature}", ""),
    ],
    "cloudwerk": [
        ("Password reset", "en", ["account"],
         "Hello {author_first_name}, you can reset your password under Settings › Security. {signature}", ""),
    ],
}
HOLDING = {
    "baeckerei-sonnenschein": [
        ("Wir prüfen die Vorwürfe", "de",
         "Wir nehmen Ihre Hinweise sehr ernst und prüfen sie gerade gemeinsam mit unserer Backstube. Wir melden uns "
         "heute noch mit mehr Informationen. {signature}",
         "Wir nehmen deine Hinweise sehr ernst und prüfen sie gerade mit unserer Backstube. Wir melden uns heute "
         "noch mit mehr Infos. {signature}"),
    ],
    "radhaus-mueller": [
        ("Rückrufaktion", "de",
         "Wir prüfen die Berichte gemeinsam mit dem Hersteller. Bis dahin gilt: Bitte fahren Sie das betroffene "
         "Modell nicht und wenden Sie sich an unsere Werkstatt. {signature}", ""),
    ],
}
EXPERTS = {
    "baeckerei-sonnenschein": [
        ("Petra Sonnenschein", "petra@baeckerei-sonnenschein.example", "+49 30 5550101",
         ["Allergene", "Rezepte", "Presse"], "Mo–Fr 6–14 Uhr"),
        ("Mehmet Yılmaz", "mehmet@baeckerei-sonnenschein.example", "", ["Filialen", "Lieferung"], "Mo–Sa"),
    ],
    "radhaus-mueller": [("Jörg Müller", "joerg@radhaus-mueller.example", "+49 221 123456", ["Werkstatt", "Garantie"],
                         "Di–Sa 10–18 Uhr")],
    "cloudwerk": [("Dr. Priya Raman", "priya@cloudwerk.example", "", ["Security", "Privacy"], "Mon–Thu")],
}
PLAN = {
    "severity_levels": [{"name": "Gelb", "description": "Viel Kritik, aber sachlich"},
                        {"name": "Orange", "description": "Kritik verbreitet sich, erste Medienanfragen"},
                        {"name": "Rot", "description": "Gesundheit, Sicherheit oder Recht betroffen"}],
    "checklist": ["Lage sichten: Was genau wird kritisiert, seit wann, wo?", "Account Manager und Kundin anrufen",
                  "Holding Statement freigeben lassen und posten", "Geplante Posts pausieren",
                  "Jede Frage beantworten, Beleidigungen verbergen", "Abends Lage zusammenfassen"],
    "approval_chain": ["Account Manager (Mia Account)", "Geschäftsführung der Kundin"],
}
CONTACTS = {
    "baeckerei-sonnenschein": [{"name": "Petra Sonnenschein", "role": "Inhaberin", "phone": "+49 170 5550101",
                                "email": "petra@baeckerei-sonnenschein.example"},
                               {"name": "Mia Account", "role": "Account Manager, Nordlicht Social",
                                "phone": "+49 40 5550199", "email": "am@nordlicht.demo"}],
    "radhaus-mueller": [{"name": "Jörg Müller", "role": "Geschäftsführer", "phone": "+49 221 123456",
                         "email": "joerg@radhaus-mueller.example"}],
    "cloudwerk": [{"name": "Dr. Priya Raman", "role": "CISO", "phone": "", "email": "priya@cloudwerk.example"}],
}


def seed(owner: User, workspaces: list[Workspace]) -> None:
    """Fill the demo workspaces' community management (called once, when the demo agency is created)."""
    by_slug = {ws.slug: ws for ws in workspaces}
    for slug, guide in GUIDES.items():
        if slug in by_slug:
            voice.save_guide(owner, by_slug[slug], **guide)
    for title, language, tags, formal, informal in SHARED_REPLIES:
        saved_replies.save(owner, agency_id=owner.agency_id, workspace=None, title=title, language=language,
                           tags=tags, text_formal=formal, text_informal=informal)
    for slug, rows in WORKSPACE_REPLIES.items():
        for title, language, tags, formal, informal in rows:
            saved_replies.save(owner, agency_id=owner.agency_id, workspace=by_slug[slug], title=title,
                               language=language, tags=tags, text_formal=formal, text_informal=informal)
    for slug, rows in HOLDING.items():
        for title, language, formal, informal in rows:
            saved_replies.save(owner, agency_id=owner.agency_id, workspace=by_slug[slug], title=title,
                               language=language, tags=["krise"], text_formal=formal, text_informal=informal,
                               kind="holding")
    for slug, rows in EXPERTS.items():
        for name, email, phone, topics, availability in rows:
            escalations.save_expert(owner, by_slug[slug], name=name, email=email, phone=phone, topics=topics,
                                    availability=availability)
    for slug, contacts in CONTACTS.items():
        crisis.save_plan(owner, by_slug[slug], contacts=contacts, **PLAN)
    _old_incident(owner, by_slug["baeckerei-sonnenschein"])


def _old_incident(owner: User, workspace: Workspace) -> None:
    """A crisis six weeks ago, closed with a summary: what the incident page and the report look like."""
    opened = db.utcnow() - timedelta(days=42, hours=5)
    steps = [{"text": step, "done_at": (opened + timedelta(minutes=20 * (n + 1))).isoformat(), "done_by": owner.name}
             for n, step in enumerate(PLAN["checklist"])]
    explanation = "64 negative in the last hour, usually 2 at this hour → 32×. It has lasted two hours."
    incident = CrisisIncident(
        agency_id=workspace.agency_id, workspace_id=workspace.id, title="Gerücht: Schimmel im Roggenbrot",
        status="closed", severity="Orange", opened_at=opened, explanation=explanation,
        trigger={"negative": 64, "expected_negative": 2.0, "ratio": 32.0, "reasons": ["persisted", "ratio"]},
        checklist=steps, closed_at=opened + timedelta(hours=9), closed_by_id=owner.id,
        summary=("Ein Foto eines angeschimmelten Brots ging viral; es stammte nicht von uns (anderes Logo). "
                 "Holding Statement nach 40 Minuten, Richtigstellung mit Foto der Backstube am Nachmittag. "
                 "Stimmung am Abend gekippt: viele Unterstützer. Gelernt: Fotos früher prüfen lassen."))
    db.session.add(incident)
    db.session.flush()
    timeline = [
        (0, "opened", explanation, None), (1, "notification", "Alerted 4 people in the app and 4 by e-mail.", None),
        (25, "note", "Foto stammt nicht von uns – anderes Logo auf der Tüte.", owner.id),
        (40, "note", "Holding Statement gepostet (freigegeben von Petra).", owner.id),
        (540, "closed", incident.summary, owner.id),
    ]
    for minutes, kind, text, user_id in timeline:
        db.session.add(IncidentEvent(agency_id=incident.agency_id, workspace_id=incident.workspace_id,
                                     incident_id=incident.id, kind=kind, text=text, user_id=user_id,
                                     created_at=opened + timedelta(minutes=minutes)))
    db.session.flush()
