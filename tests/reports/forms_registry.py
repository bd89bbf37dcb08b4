"""POST routes of the reports and the portal, for tests/accounts/test_forms.py's classification check; each form
is posted with bad input in tests/reports/test_forms.py."""

FORMS = {
    "reports.generate": "tests/reports/test_forms.py::test_forms_reject_bad_input",
    "reports.commentary": "tests/reports/test_forms.py::test_forms_reject_bad_input",
    "reports.publish": "tests/reports/test_forms.py::test_forms_reject_bad_input",
    "reports.share": "tests/reports/test_forms.py::test_forms_reject_bad_input",
    "reports.generate_all": "tests/reports/test_forms.py::test_forms_reject_bad_input",
    "portal.share": "tests/reports/test_forms.py::test_client_share_rejects_bad_input",
}
ACTIONS = {"reports.regenerate", "reports.revoke"}
