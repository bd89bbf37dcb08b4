"""One profile per fan: a workspace's people with the platform identities that are theirs (made automatically from
interactions with a stable author id, merged and split by staff), their timeline across channels, labels and
notes; a card beside the thread; labels the inbox's rules can ask for."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from agency import wiring
    from agency.inbox.signals import interactions_received
    from agency.people import jobs, services
    from agency.people.views import bp

    app.register_blueprint(bp)
    app.add_template_global(services.card_for, "person_card")
    app.add_template_global(services.label_text, "person_label")
    app.add_template_global(services.WARN_LABELS, "person_warn_labels")
    # Authors of new items get their identity in the ingest's transaction: one statement per page.
    interactions_received.connect(services.on_interactions_received, weak=False)
    wiring.add_periodic(app, jobs.link_all_authors, interval=3600)  # catches up on authors no ingest linked
    wiring.add_slot(app, "thread.sidebar", "people/_thread_card.html")
    wiring.provide(app, "author_labels", services.author_labels)
    wiring.add_workspace_link(app, _l("People"), "people.people_list", permission="inbox.work", order=46)
    _describe_audit(app)


def _describe_audit(app: Flask) -> None:
    from agency import audit
    from agency.people.models import Person

    audit.describe(app, actions={
        "people.label_added": _l("Added a label to a person"),
        "people.label_removed": _l("Removed a label from a person"),
        "people.note_saved": _l("Changed a person's name or note"),
        "people.merged": _l("Merged two people into one profile"),
        "people.split": _l("Split an identity off a person"),
    }, objects={"person": audit.ObjectKind(_l("Person"), audit.names_from(Person, Person.display_name))})
