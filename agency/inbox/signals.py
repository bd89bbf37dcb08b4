"""Signals of the inbox; upper packages (sla, community) connect handlers in their init_app.

Handlers run inside the sender's transaction, so what they write commits with the ingest.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Channel; kwargs: interaction_ids (list[int]) of newly stored interactions; cache (dict or None):
# one dict for every page of a sync, where handlers keep what they load once per sync.
interactions_received = _signals.signal("interactions-received")

# sender: the Channel; kwargs: interaction_ids (list[int]) of stored interactions that a platform removed,
# reported back after a removal, or whose removed copy changed. The SLA engine stops (or restarts) their clocks.
# cache: as for interactions_received.
interactions_deleted_changed = _signals.signal("interactions-deleted-changed")

# sender: the Interaction; kwargs: reply (the Reply, status "sent", sent_at set). Sent after the platform
# confirmed a staff reply; notes never send it.
reply_sent = _signals.signal("reply-sent")

# sender: the Interaction; kwargs: fields (set[str]) that people changed (status, priority, snoozed_until,
# assignee_id, kind...); actor_id (int or None): who did it, when known (assignments say; a desktop notification
# of an assignment skips the person who assigned themselves). The SLA engine recomputes due times on priority and
# pause changes.
interaction_changed = _signals.signal("interaction-changed")

# sender: the Interaction; kwargs: user_id (int), action ("opened", "active", "replying", "replied", "noted",
# "changed"). Sent while a person works on an interaction in the thread view (heartbeats only while the page
# is visible and used); time tracking turns these into suggested time entries.
interaction_worked = _signals.signal("interaction-worked")

# sender: the InboxRule; kwargs: interaction_ids (list[int]) the rule matched on ingest, action ("hide" or
# "delete" on the platform), mode ("act": do it now; "suggest": offer it to people with one click). Sent by
# apply_rules inside the ingest transaction; moderation queues the action or records the suggestion.
rule_moderation = _signals.signal("rule-moderation")
