"""Monthly client reports: figures from every domain (SQL), server-side SVG charts, one template for the web
and a tagged PDF, a lifecycle (generating → draft → publishing → published), share links, staff analytics.

Reports reads the other domains through their queries (and billing and moderation through the providers of
``agency.wiring``) and writes only its own tables. Wired here: the blueprint (with the analytics pages), the
``agency report`` commands, the jobs and the monthly schedule, navigation, and the audit phrases.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import audit, wiring
    from agency.reports import analytics, jobs  # noqa: F401 - analytics registers its routes on bp
    from agency.reports.cli import report_cli
    from agency.reports.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(report_cli)
    wiring.add_nav(app, _l("Reports"), "reports.overview", "reports.publish", order=60)
    wiring.add_workspace_link(app, _l("Reports"), "reports.workspace_reports", order=60)
    wiring.add_periodic(app, jobs.schedule_monthly_reports, cron="*/15 * * * *")
    audit.describe(app, actions={
        "report.generated": _l("Generated a monthly report"),
        "report.commentary_saved": _l("Changed the comments of a report"),
        "report.publication_requested": _l("Asked for a monthly report to be published"),
        "report.published": _l("Published a monthly report"),
        "report.publication_failed": _l("A monthly report could not be published"),
        "report.shared": _l("Created a share link for a report"),
    }, objects={"report": audit.ObjectKind(_l("Report"))})
