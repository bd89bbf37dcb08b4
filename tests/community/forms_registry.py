"""POST routes of the community package, for tests/accounts/test_forms.py's classification check.

FORMS are posted with the bad payloads listed here by tests/community/test_forms.py (and with real
ones by the feature tests); ACTIONS are buttons without user input.
"""

HUGE = "x" * 200_000
BIDI = "Hallo \u202eWelt"
# NUL bytes are removed at the edge (agency.web), so NUL alone is no longer bad input: with a bidi override
# the value stays refused by the community forms' own check of control characters.
NUL = "Hallo\x00 \u202eWelt"

FORMS = {
    "community.tone_settings": ("settings/tone", [
        {}, {"address_form": "ihr", "emoji_policy": "free"},
        {"address_form": "sie", "emoji_policy": "free", "persona_name": NUL},
        {"address_form": "sie", "emoji_policy": "free", "guide_markdown": HUGE},
        {"address_form": "sie", "emoji_policy": "free", "signature_template": "^{name}", "persona_name": "Lena"},
        {"address_form": "sie", "emoji_policy": "free", "typical_length": "9" * 30},
        {"address_form": "sie", "emoji_policy": "free", "banned": " -> Anliegen"},
        {"address_form": "sie", "emoji_policy": "free", "persona_name": BIDI}]),
    "community.saved_replies_index": ("saved-replies", [
        {}, {"title": "   ", "scope": "workspace", "kind": "reply", "language": "de", "text_formal": "Hi"},
        {"title": "T", "scope": "workspace", "kind": "reply", "language": "de"},
        {"title": "T", "scope": "workspace", "kind": "reply", "language": "fr", "text_formal": "Hi"},
        {"title": "T", "scope": "workspace", "kind": "reply", "language": "de", "text_formal": "Hallo {autor}"},
        {"title": NUL, "scope": "workspace", "kind": "reply", "language": "de", "text_formal": "Hi"},
        {"title": HUGE, "scope": HUGE, "kind": HUGE, "language": HUGE, "text_formal": HUGE},
        {"title": "T", "scope": "workspace", "kind": "reply", "language": "de", "text_formal": "x" * 6000}]),
    "community.saved_reply_edit": ("saved-replies/{saved_reply_id}", [
        {}, {"title": "T", "scope": "workspace", "kind": "reply", "language": "de", "text_formal": NUL}]),
    "community.experts_index": ("experts", [
        {}, {"name": "Vera", "email": "not-an-e-mail"}, {"name": "   ", "email": "v@x.de"},
        {"name": "Vera", "email": "v@x.de", "phone": "call me maybe"}, {"name": NUL, "email": "v@x.de"},
        {"name": HUGE, "email": HUGE, "topics": HUGE}]),
    "community.expert_edit": ("experts/{expert_id}", [{}, {"name": "Vera", "email": "bad"}]),
    "community.escalation_settings": ("experts/settings", [
        {}, {"reminder_hours": "0", "link_days": "7"}, {"reminder_hours": "4", "link_days": "999"},
        {"reminder_hours": "9" * 40, "link_days": "x"}]),
    "community.escalate": ("inbox/{interaction_id}/escalate", [
        {}, {"expert": "{expert_id}", "question": "   "}, {"expert": "{expert_id}", "question": NUL},
        {"expert": "9" * 30, "question": "Frage?"}, {"expert": "{expert_id}", "question": HUGE},
        {"expert": "abc", "question": "Frage?"}]),
    "community.crisis_plan": ("crisis", [
        {"checklist": NUL}, {"contacts": "a | b | c | d | e | f"}, {"severity_levels": " | nur Beschreibung"},
        {"checklist": HUGE}, {"approval_chain": "\n".join(f"Person {i}" for i in range(30))}]),
    "community.detection_settings": ("crisis/detection", [
        {"enabled": "y", "snoozed_until": "gestern"}, {"enabled": "y", "snoozed_until": "2001-01-01T10:00",
                                                       "snooze_reason": "Launch"},
        {"enabled": "y", "snoozed_until": "2099-01-01T10:00", "snooze_reason": ""}, {"keywords": NUL},
        {"keywords": HUGE}]),
    "community.incident_open": ("crisis/incidents", [{}, {"title": "   "}, {"title": NUL}, {"title": HUGE}]),
    "community.incident_note": ("incidents/{incident_id}/note", [{}, {"text": "  "}, {"text": NUL}, {"text": HUGE}]),
    "community.incident_step": ("incidents/{incident_id}/step", [
        {}, {"step": "99", "done": "1"}, {"step": "9" * 40, "done": "1"}, {"step": "0", "done": "maybe"}]),
    "community.incident_close": ("incidents/{incident_id}/close", [{}, {"summary": "   "}, {"summary": NUL},
                                                                   {"summary": HUGE}]),
    "community.tone_check": ("inbox/{interaction_id}/tone-check", [{"text": HUGE}, {"text": NUL}]),
    "community.expert_page": ("/expert/{token}", [{}, {"answer": "   "}, {"answer": NUL}, {"answer": HUGE}]),
}
ACTIONS = {"community.saved_reply_delete", "community.saved_reply_used", "community.expert_delete",
           "community.escalation_cancel"}
