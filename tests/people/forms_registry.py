"""POST routes of the people package, for tests/accounts/test_forms.py's classification check."""

FORMS = {
    "people.labels": "tests/people/test_profile.py::test_label_and_note_forms_refuse_bad_input",
    "people.note": "tests/people/test_profile.py::test_label_and_note_forms_refuse_bad_input",
    "people.merge": "tests/people/test_merge_split.py::test_merge_refuses_bad_input",
}
ACTIONS = {"people.split"}
