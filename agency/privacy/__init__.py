"""DSGVO tools per workspace: find a person across the channels, export what we hold about them (ZIP of
JSON and HTML), erase them (texts and names replaced, ids pseudonymised, counts kept), a record of every
request, and retention (anonymise or delete interactions older than N months, nightly, with a dry run)."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import audit, wiring
    from agency.privacy import jobs, services
    from agency.privacy.views import bp

    app.register_blueprint(bp)
    wiring.add_workspace_link(app, _l("Data protection"), "privacy.workspace_privacy", permission="privacy.manage",
                              order=80)
    wiring.add_periodic(app, jobs.run_retention, cron="30 3 * * *")
    wiring.add_slot(app, "inbox.side", "privacy/_inbox_export.html")
    wiring.provide(app, "erasure_filter", services.erasure_filter)  # ingest skips erased people
    audit.describe(app, actions={
        "privacy.exported": _l("Exported a person's data (DSGVO)"),
        "privacy.erased": _l("Erased a person (DSGVO)"),
        "privacy.retention_saved": _l("Changed the retention of interactions"),
    }, objects={"privacy_request": audit.ObjectKind(_l("Data-subject request"))})
