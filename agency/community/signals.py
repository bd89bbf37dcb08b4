"""Signals of community management; upper packages (the API's webhooks) connect handlers in their init_app.

Handlers run inside the sender's transaction, so what they write commits with the incident.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the CrisisIncident, just opened (by a person or the detector); kwargs: actor (the User or None).
incident_opened = _signals.signal("incident-opened")
