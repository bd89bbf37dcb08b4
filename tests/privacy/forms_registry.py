"""POST routes of the DSGVO tools, each posted with bad input in tests/privacy/test_privacy.py."""

FORMS = {
    "privacy.export_person": "tests/privacy/test_privacy.py::test_erasure_through_the_page_needs_confirmation",
    "privacy.erase_person": "tests/privacy/test_privacy.py::test_erasure_through_the_page_needs_confirmation",
    "privacy.retention": "tests/privacy/test_privacy.py::test_retention_form_and_preview",
}
ACTIONS: set = set()
