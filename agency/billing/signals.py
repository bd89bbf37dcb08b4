"""Signals of billing; upper packages (the API's webhooks) connect handlers in their init_app.

Handlers run inside the sender's transaction, so what they write commits with the status change.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Invoice whose Stripe status has just become "paid" (paid_at set). Sent once: the stored
# status only moves forward, so a late or repeated webhook does not send it again.
invoice_paid = _signals.signal("invoice-paid")
