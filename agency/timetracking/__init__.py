"""Time per client: timers, a week grid, time captured from the inbox, retainers with alerts and rollover,
month close and approval, capacity planning, reports and exports.

Everything is wired here: the blueprint, the "Time" navigation entry and workspace link, the periodic
jobs, the header timer (a template in the ``header`` slot of base.html, fed by a context processor) and
the handler of the inbox's ``interaction_worked`` signal that records inbox time.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.inbox.signals import interaction_worked
    from agency.timetracking import capacity, capture, jobs
    from agency.timetracking.views import bp
    from agency.timetracking.widget import timer_widget

    app.register_blueprint(bp)
    app.context_processor(lambda: {"timer_widget": timer_widget})
    interaction_worked.connect(capture.on_interaction_worked, weak=False)
    wiring.add_nav(app, _l("Time"), "timetracking.my_week", "time.track", order=30)
    wiring.add_workspace_link(app, _l("Time"), "timetracking.workspace_time", permission="time.track", order=40)
    wiring.add_slot(app, "header", "timetracking/_timer.html")
    wiring.add_periodic(app, jobs.scan_long_timers, cron="*/10 * * * *")
    wiring.add_periodic(app, jobs.scan_budgets, cron="*/15 * * * *")
    wiring.provide(app, "absent_user_ids", capacity.absent_user_ids)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.timetracking.models import Activity

    audit.describe(app, actions={
        "time.entry_changed_after_approval": _l("Changed an approved time entry"),
        "time.entry_deleted_after_approval": _l("Deleted an approved time entry"),
        "time.approved": _l("Approved time entries"),
        "time.month_closed": _l("Closed a month of time entries"),
        "time.month_reopened": _l("Re-opened a closed month of time entries"),
        "time.retainer_saved": _l("Changed a retainer"),
        "time.settings_saved": _l("Changed the time tracking settings"),
        "time.activity_saved": _l("Saved an activity"),
        "time.capacity_saved": _l("Changed a person's weekly capacity"),
        "time.absence_added": _l("Entered an absence"),
        "time.absence_deleted": _l("Removed an absence"),
    }, objects={
        "activity": audit.ObjectKind(_l("Activity"), audit.names_from(Activity)),
        "entry": audit.ObjectKind(_l("Time entry")),
        "absence": audit.ObjectKind(_l("Absence")),
    })
