"""The accounts blueprint: login, profile, users, workspaces, agency settings, audit log."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from agency.accounts.views import admin, auth, profile  # noqa: E402,F401  (routes register on bp)
