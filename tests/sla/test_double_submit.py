"""Two saves of one SLA policy at once (a double click) both succeed and leave one consistent policy.

Real concurrency: two threads, two connections, committed rows. The first save holds its transaction
open while the second starts, the moment at which the unique key on the target cells used to fail.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from agency import db
from agency.accounts.models import Agency, User
from agency.sla.models import SlaPolicy, SlaTarget
from agency.sla.policy import Target
from agency.sla.settings import save_policy
from tests.conftest import make_agency, make_user


@pytest.fixture
def committed_owner(_app):
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Doppelklick Agentur")
        owner = make_user(agency, "owner")
        db.session.commit()
        ids = agency.id, owner.id
    db.session.remove()
    yield ids
    with _app.app_context(), db.system_scope("test: remove committed fixtures"):
        db.session.delete(db.session.get(Agency, ids[0]))
        db.session.commit()
    db.session.remove()


def _save(app, agency_id: int, owner_id: int, minutes: int, saved: threading.Event | None,
          wait_for: threading.Event | None, errors: list) -> None:
    with app.app_context():
        try:
            session = db.session()
            db.set_tenant(session, agency_id)
            actor = session.get(User, owner_id)
            if wait_for is not None:
                wait_for.wait(10)
            save_policy(actor, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                        warn_percent=None, targets={("first_response", "comment", "normal"): Target(minutes, True)})
            if saved is not None:
                saved.set()
                time.sleep(0.5)  # the other save starts while this one is not committed yet
            session.commit()
        except Exception as exc:  # reported to the test's thread
            errors.append(exc)
            db.session.rollback()
        finally:
            db.session.remove()


@pytest.mark.parametrize("policy_exists", [False, True])
def test_concurrent_saves_of_one_policy(_app, committed_owner, policy_exists):
    agency_id, owner_id = committed_owner
    errors: list = []
    if policy_exists:
        _save(_app, agency_id, owner_id, 30, None, None, errors)
    first_saved = threading.Event()
    threads = [threading.Thread(target=_save, args=(_app, agency_id, owner_id, 60, first_saved, None, errors)),
               threading.Thread(target=_save, args=(_app, agency_id, owner_id, 90, None, first_saved, errors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with _app.app_context(), db.system_scope("test: read back"):
        policies = db.session.scalar(select(func.count(SlaPolicy.id)).where(SlaPolicy.agency_id == agency_id))
        minutes = list(db.session.scalars(select(SlaTarget.minutes).where(SlaTarget.agency_id == agency_id)))
    db.session.remove()
    assert policies == 1
    assert minutes == [90]  # the later save wins, whole
