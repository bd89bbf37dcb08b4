"""POST routes of the moderation package, for tests/accounts/test_forms.py's classification check."""

FORMS = {
    "moderation.moderate": "tests/moderation/test_views.py::test_moderate_refuses_bad_input",
    "moderation.bulk": "tests/moderation/test_views.py::test_bulk_hide_and_delete_from_the_list",
    "moderation.approval_settings": "tests/moderation/test_approvals.py::test_settings_validate_and_need_the_right",
    "moderation.decide": "tests/moderation/test_approvals.py::test_reject_needs_a_comment_and_nothing_is_sent",
    "moderation.assignment_page": "tests/moderation/test_assignment.py::test_setting_validates_and_needs_the_right",
    "moderation.client_decide": "tests/moderation/test_approvals.py::test_client_approves_in_the_portal",
    "moderation.desktop_notifications":
        "tests/moderation/test_desktop_notifications.py::test_setting_refuses_bad_input_and_clients",
    "moderation.teams_page": "tests/moderation/test_teams.py::test_bad_team_names_are_refused",
    "moderation.team_rename": "tests/moderation/test_teams.py::test_bad_member_and_rename_input_is_refused",
    "moderation.team_member_add": "tests/moderation/test_teams.py::test_bad_member_and_rename_input_is_refused",
    "moderation.team_member_remove": "tests/moderation/test_teams.py::test_bad_member_and_rename_input_is_refused",
}
ACTIONS = {"moderation.retry", "moderation.accept_suggestion", "moderation.dismiss_suggestion",
           "moderation.undo_rule_run", "moderation.team_delete"}
