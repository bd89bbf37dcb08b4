"""Signals of the reports; upper packages (the API's webhooks) connect handlers in their init_app.

Handlers run inside the sender's transaction, so what they write commits with the publication.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Report, just published (status, published_at, checksum set; its PDF stored).
report_published = _signals.signal("report-published")
