"""Signals of the SLA engine; upper packages (the API's webhooks) connect handlers in their init_app.

Handlers run inside the sender's transaction, so what they write commits with the alert.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the SlaAlert (level "at_risk" or "breached", target, due_at), just recorded and notified;
# kwargs: interaction (the Interaction), recipients (the ids of the users notified). Sent once per alert (the
# alert's unique key makes it happen once).
sla_alerted = _signals.signal("sla-alerted")
