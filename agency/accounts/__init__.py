"""Agencies, users, workspaces, memberships, login, 2FA, roles and permissions."""

from flask import Flask

MODEL_MODULES = ("models", "notifications")


def init_app(app: Flask) -> None:
    from agency.accounts import queries
    from agency.accounts.cli import create_agency_command
    from agency.accounts.views import bp
    from agency.extensions import login_manager

    @login_manager.user_loader
    def _load_user(session_user_id: str):
        try:
            user_id, generation = (int(part) for part in session_user_id.split(":", 1))
        except (ValueError, AttributeError):
            return None
        from agency import db

        with db.system_scope("load the signed-in user of a session"):
            return queries.load_user_for_session(user_id, generation)

    app.register_blueprint(bp)
    app.cli.add_command(create_agency_command)
