"""POST routes of the inbox, for tests/accounts/test_forms.py's classification check."""

FORMS = {
    "inbox.reply": "tests/inbox/test_inbox_views.py::test_reply_form_rejects_bad_input",
    "inbox.note": "tests/inbox/test_inbox_views.py::test_note_and_update_reject_bad_input",
    "inbox.update": "tests/inbox/test_inbox_views.py::test_note_and_update_reject_bad_input",
    "inbox.bulk": "tests/inbox/test_inbox_views.py::test_bulk_actions_and_bad_input",
    "inbox.save_view": "tests/inbox/test_inbox_views.py::test_saved_views",
    "inbox.rules": "tests/inbox/test_rules.py::test_rule_form_rejects_bad_input",
    "inbox.heartbeat": "tests/inbox/test_presence.py::test_heartbeat_reports_colleagues",
}
ACTIONS = {"inbox.retry", "inbox.delete_view", "inbox.delete_rule"}
