"""Signals of the inbox; upper packages (sla, community) connect handlers in their init_app.

Handlers run inside the sender's transaction, so what they write commits with the ingest.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Channel; kwargs: interaction_ids (list[int]) of newly stored interactions.
interactions_received = _signals.signal("interactions-received")
