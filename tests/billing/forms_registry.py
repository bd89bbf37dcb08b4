"""POST routes of billing, for tests/accounts/test_forms.py's classification check; each form is posted with
bad input in tests/billing/test_forms.py."""

_BAD_INPUT = "tests/billing/test_forms.py::test_forms_reject_bad_input"

FORMS = {
    "billing.draft": _BAD_INPUT,
    "billing.draft_all": _BAD_INPUT,
    "billing.line_add": _BAD_INPUT,
    "billing.line_edit": _BAD_INPUT,
    "billing.settings": _BAD_INPUT,
    "billing.workspace_settings": _BAD_INPUT,
    "billing.rates_page": _BAD_INPUT,
}
ACTIONS = {"billing.line_delete", "billing.finalise", "billing.cancel", "billing.discard", "billing.send",
           "billing_webhooks.stripe_receive"}
