"""Agencies, users, workspaces, memberships, login, 2FA, roles and permissions."""

from flask import Flask
from flask_babel import lazy_gettext as _l

MODEL_MODULES = ("models", "notifications")


def init_app(app: Flask) -> None:
    from agency.accounts import queries
    from agency.accounts.cli import create_agency_command
    from agency.accounts.views import bp
    from agency.extensions import login_manager

    @login_manager.user_loader
    def _load_user(session_user_id: str):
        try:
            parts = [int(part) for part in session_user_id.split(":")]
        except (ValueError, AttributeError):
            return None
        from agency import db

        if len(parts) == 3:
            # "user:generation:agency" (the session is ours, stored server-side): the request works for that
            # agency from its first statement, and the user is read under its row-level security.
            user_id, generation, agency_id = parts
            db.set_tenant(db.session(), agency_id)
            user = queries.load_user_for_session(user_id, generation)
            return user if user is not None and user.agency_id == agency_id else None
        if len(parts) != 2:
            return None
        with db.system_scope("load the signed-in user of a session from before the agency was in its id"):
            user = queries.load_user_for_session(*parts)
            if user is not None:
                db.set_tenant(db.session(), user.agency_id)
            return user

    app.register_blueprint(bp)
    app.cli.add_command(create_agency_command)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.accounts.models import Agency, User, Workspace

    audit.describe(app, actions={
        "auth.login": _l("Logged in"),
        "auth.login_failed": _l("Failed to log in"),
        "auth.2fa_failed": _l("Entered a wrong two-factor code"),
        "auth.logout": _l("Logged out"),
        "agency.created": _l("Created the agency"),
        "agency.updated": _l("Changed the agency settings"),
        "user.created": _l("Created a user"),
        "user.updated": _l("Changed a user"),
        "user.activated": _l("Reactivated a user"),
        "user.deactivated": _l("Deactivated a user"),
        "user.password_changed": _l("Changed a password"),
        "user.2fa_enabled": _l("Turned on two-factor authentication"),
        "user.2fa_disabled": _l("Turned off two-factor authentication"),
        "user.recovery_codes_regenerated": _l("Created new recovery codes"),
        "user.recovery_code_used": _l("Used a recovery code"),
        "workspace.created": _l("Created a workspace"),
        "workspace.updated": _l("Changed a workspace"),
        "workspace.archived": _l("Archived a workspace"),
        "workspace.restored": _l("Restored a workspace"),
    }, objects={
        "user": audit.ObjectKind(_l("User"), audit.names_from(User)),
        "workspace": audit.ObjectKind(_l("Workspace"), audit.names_from(Workspace)),
        "agency": audit.ObjectKind(_l("Agency"), audit.names_from(Agency, agency_column=Agency.id)),
    })
