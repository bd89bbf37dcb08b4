"""Desktop notifications, optional per user: when a user turned them on (profile), ``static/js/notify.js`` listens
to the live stream on every page and shows a browser ``Notification`` when an item is newly assigned to them and
when an SLA warning goes to them (the assignee, or the workspace's staff while nobody is assigned; account managers
on a breach). The browser's permission is asked only on a click. The route is ``/profile/desktop-notifications``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.models import User
from agency.accounts.views.helpers import permission_required
from agency.moderation.forms import DesktopNotificationsForm
from agency.moderation.views import bp


def set_desktop_notifications(user: User, enabled: bool) -> bool:
    """Turn the user's desktop notifications on or off; returns whether anything changed."""
    enabled = bool(enabled)
    if user.desktop_notifications == enabled:
        return False
    user.desktop_notifications = enabled
    db.session.flush()
    return True


@bp.route("/profile/desktop-notifications", methods=["POST"])
@permission_required("inbox.work")
def desktop_notifications():
    form = DesktopNotificationsForm()
    if not form.validate():
        abort(400)
    set_desktop_notifications(current_user, form.enabled.data)
    flash(_("Desktop notifications are on. Allow them in this browser with the button.") if form.enabled.data
          else _("Desktop notifications are off."), "success")
    return redirect(url_for("accounts.profile") + "#desktop-notifications", 303)
