"""POST routes of time tracking, for tests/accounts/test_forms.py's classification check; each form is posted
with bad input in tests/timetracking/test_forms.py."""

FORMS = {
    "timetracking.save_grid": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.timer_start": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.timer_stop": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.entry_new": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.entry_edit": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.suggestions": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.workspace_approve": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.workspace_close": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.workspace_reopen": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.workspace_settings": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.capacity_plan": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.absence_add": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.staff_settings": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.setup": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
    "timetracking.activity_edit": "tests/timetracking/test_forms.py::test_forms_reject_bad_input",
}
ACTIONS = {"timetracking.copy_week", "timetracking.entry_delete", "timetracking.absence_delete"}
