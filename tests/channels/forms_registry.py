"""POST routes of the channels and webhooks, for tests/accounts/test_forms.py's classification check.

FORMS are posted with bad input by the tests named here; ACTIONS are buttons without user input.
"""

FORMS = {
    "channels.add": "tests/channels/test_channels_views.py::test_connect_form_rejects_bad_input",
    "channels_oauth.callback": "tests/channels/test_channels_views.py::test_oauth_callback_rejects_forged_state",
    "webhooks.meta_receive": "tests/inbox/test_webhooks.py::test_unknown_objects_and_garbage_are_not_500",
}
ACTIONS = {
    "channels.pause", "channels.sync_now", "channels.disconnect", "channels.oauth_start",
    "accounts.notifications_read",
}
