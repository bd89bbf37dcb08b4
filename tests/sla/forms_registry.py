"""POST routes of the SLA settings, for tests/accounts/test_forms.py's classification check."""

FORMS = {
    "sla.agency_policy": "tests/sla/test_views.py::test_policy_editor_rejects_bad_input",
    "sla.workspace_policy": "tests/sla/test_views.py::test_policy_editor_rejects_bad_input",
    "sla.calendar_new": "tests/sla/test_views.py::test_calendar_editor_rejects_bad_input",
    "sla.calendar_edit": "tests/sla/test_views.py::test_calendar_editor_rejects_bad_input",
}
ACTIONS = {"sla.calendar_delete", "sla.workspace_policy_reset"}
