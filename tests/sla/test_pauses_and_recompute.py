"""Pauses shift due times; policy changes recompute a workspace in bulk; inheritance of policies."""

from __future__ import annotations

from datetime import UTC, timedelta

from agency import db
from agency.inbox.models import Interaction
from agency.inbox.signals import interaction_changed
from agency.sla import services
from agency.sla.jobs import recompute_sla
from agency.sla.policy import Target, effective_policy
from agency.sla.settings import reset_workspace_policy, save_calendar, save_policy
from tests.sla.conftest import berlin, fresh

CELL = ("first_response", "comment", "normal")


def _policy(world, workspace=None, **cells):
    targets = {tuple(k.split("__")): Target(*v) for k, v in cells.items()}
    return save_policy(world.owner_a, workspace=workspace, calendar_mode=None, calendar_id=None, warn_minutes=None,
                       warn_percent=None, targets=targets)


def test_pause_shifts_the_due_time_by_the_paused_business_time(world, ingest):
    _policy(world, first_response__comment__normal=(120, True))
    it = ingest(berlin(2025, 11, 19, 10, 0))  # Wednesday, due 12:00
    assert it.first_response_due_at == berlin(2025, 11, 19, 12, 0)
    services.start_pause(it, "waiting_on_expert", at=berlin(2025, 11, 19, 11, 0).astimezone(UTC))
    assert fresh(it).first_response_due_at is None  # frozen while the expert has not answered
    assert it.sla_paused_since == berlin(2025, 11, 19, 11, 0) and it.sla_pause_reason == "waiting_on_expert"
    assert it.sla_state == "on_track"
    # The expert answers next morning at 10:00: 1 h was left, so the item is due at 11:00.
    services.end_pause(it, "waiting_on_expert", at=berlin(2025, 11, 20, 10, 0).astimezone(UTC))
    assert fresh(it).first_response_due_at == berlin(2025, 11, 20, 11, 0)
    assert it.sla_paused_since is None


def test_a_pause_after_the_due_time_changes_nothing(world, ingest):
    _policy(world, first_response__comment__normal=(60, True))
    it = ingest(berlin(2025, 11, 19, 10, 0))
    services.start_pause(it, "snoozed", at=berlin(2025, 11, 19, 12, 0), until=berlin(2025, 11, 19, 15, 0))
    assert fresh(it).first_response_due_at == berlin(2025, 11, 19, 11, 0)


def test_snooze_from_the_inbox_pauses_until_it_ends(world, ingest):
    _policy(world, first_response__comment__normal=(60, False))
    now = db.utcnow()
    it = ingest(now - timedelta(minutes=30))
    it.snoozed_until = now + timedelta(hours=2)
    interaction_changed.send(it, fields={"snoozed_until"})
    # 30 minutes were left when the snooze began; they run again when it ends.
    assert abs(fresh(it).first_response_due_at - (now + timedelta(hours=2, minutes=30))) < timedelta(seconds=5)
    assert it.sla_pause_reason == "snoozed"
    it.snoozed_until = None  # woken early
    interaction_changed.send(it, fields={"snoozed_until"})
    assert abs(fresh(it).first_response_due_at - (now + timedelta(minutes=30))) < timedelta(seconds=5)
    assert it.sla_paused_since is None


def test_priority_change_and_closing(world, ingest):
    _policy(world, first_response__comment__normal=(120, True), first_response__comment__urgent=(30, True),
            resolution__comment__urgent=(240, True))
    it = ingest(berlin(2025, 11, 19, 10, 0))
    it.priority = "urgent"
    interaction_changed.send(it, fields={"priority"})
    assert fresh(it).first_response_due_at == berlin(2025, 11, 19, 10, 30)
    assert it.resolution_due_at == berlin(2025, 11, 19, 14, 0)
    it.status = "closed"
    interaction_changed.send(it, fields={"status"})
    assert fresh(it).resolved_at is not None and it.sla_due_at is None
    assert it.sla_state == "missed"  # closed long after 10:30


def test_spam_has_no_sla(world, ingest):
    it = ingest(berlin(2025, 11, 19, 10, 0))
    assert it.sla_state is not None
    it.status = "spam"
    interaction_changed.send(it, fields={"status"})
    assert fresh(it).sla_state is None and it.sla_due_at is None


def test_workspace_override_inherits_cell_by_cell(world):
    _policy(world, first_response__comment__normal=(60, True), first_response__review__normal=(480, True))
    _policy(world, world.ws_a, first_response__comment__normal=(15, False), first_response__review__normal=(0, True))
    policy = effective_policy(world.ws_a)
    assert policy.target(*CELL) == Target(15, False)
    assert policy.target("first_response", "review", "normal") is None  # switched off
    assert effective_policy(world.ws_a2).target(*CELL) == Target(60, True)
    reset_workspace_policy(world.owner_a, world.ws_a)
    assert effective_policy(world.ws_a).target(*CELL) == Target(60, True)


def test_custom_calendar_and_warning_settings_inherit(world):
    calendar = save_calendar(world.owner_a, calendar=None, name="Support 7-19", definition={
        "tz": "Europe/Vienna", "weekly": {str(d): [["07:00", "19:00"]] for d in range(6)}, "country": "AT"})
    save_policy(world.owner_a, workspace=None, calendar_mode="custom", calendar_id=calendar.id, warn_minutes=30,
                warn_percent=10, targets={})
    save_policy(world.owner_a, workspace=world.ws_a, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=50, targets={})
    policy = effective_policy(world.ws_a)
    assert policy.calendar.tz == "Europe/Vienna" and policy.calendar_label == "Support 7-19"
    assert (policy.warn_minutes, policy.warn_percent) == (30, 50)
    assert policy.window(Target(600)) == timedelta(minutes=300)
    assert policy.window(Target(20)) == timedelta(minutes=20)  # never longer than the target


def test_recompute_job_applies_a_new_policy_to_open_interactions(world, ingest):
    _policy(world, first_response__comment__normal=(60, True))
    items = [ingest(berlin(2025, 11, 19, 10, minute)) for minute in range(0, 30, 3)]
    closed = ingest(berlin(2025, 11, 19, 10, 0))
    closed.status = "closed"
    interaction_changed.send(closed, fields={"status"})
    before = fresh(closed).first_response_due_at
    db.session.commit()
    save_policy(world.owner_a, workspace=world.ws_a, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={CELL: Target(240, True)})
    db.session.commit()
    assert recompute_sla.run_inline(world.agency_a.id, world.ws_a.id) == len(items)
    for it in items:
        it = db.session.get(Interaction, it.id)
        assert it.first_response_due_at == it.platform_created_at + timedelta(hours=4)
    assert db.session.get(Interaction, closed.id).first_response_due_at == before  # history stays as it was
    assert recompute_sla.run_inline(world.agency_a.id, world.ws_a.id) == 0  # idempotent
    assert recompute_sla.run_inline(world.agency_b.id, world.ws_a.id) == 0  # wrong agency: nothing


def test_policy_change_queues_recompute_jobs(world):
    from rq import Queue

    from agency.queue import get_redis

    _policy(world, first_response__comment__normal=(60, True))
    db.session.commit()
    ids = sorted(job.args for job in Queue("sla", connection=get_redis()).jobs)
    assert ids == sorted([(world.agency_a.id, world.ws_a.id), (world.agency_a.id, world.ws_a2.id)])
