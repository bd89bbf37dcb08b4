"""POST routes of the API package, for tests/accounts/test_forms.py's classification check."""

from agency.api.framework import OPERATIONS

FORMS = {
    "api_tokens.token_create": "tests/api/test_tokens.py::test_profile_form_refuses_bad_input",
    "api_tokens.token_revoke": "tests/api/test_tokens.py::test_another_users_token_cannot_be_revoked",
    "webhook_pages.webhook_new": "tests/api/test_webhook_pages.py::test_the_forms_refuse_bad_input",
    "webhook_pages.webhook_detail": "tests/api/test_webhook_pages.py::test_the_forms_refuse_bad_input",
    **{op.endpoint: "tests/api/test_fuzz.py (negative mode) and tests/api/test_endpoints.py"
       for op in OPERATIONS},  # a path's rule is named after its first operation
}
# Buttons of the webhook pages (CSRF only); tests/api/test_webhook_pages.py posts them as outsiders too.
ACTIONS = {"webhook_pages.webhook_delete", "webhook_pages.webhook_ping", "webhook_pages.delivery_redeliver"}
