"""Signals channels send so that upper packages can react without being imported here."""

from blinker import Namespace

_signals = Namespace()

# sender: the Channel. The inbox queues a sync job for it (after the commit).
sync_requested = _signals.signal("channel-sync-requested")
