"""POST routes of the moderation package, for tests/accounts/test_forms.py's classification check."""

FORMS = {
    "moderation.moderate": "tests/moderation/test_views.py::test_moderate_refuses_bad_input",
    "moderation.bulk": "tests/moderation/test_views.py::test_bulk_hide_and_delete_from_the_list",
}
ACTIONS = {"moderation.retry"}
