"""The nightly retention run."""

from __future__ import annotations

import logging

from sqlalchemy import select

from agency import db
from agency.privacy.models import RetentionSetting
from agency.privacy.services import apply_retention
from agency.queue import job

log = logging.getLogger(__name__)


@job("default", timeout=1800)
def run_retention() -> int:
    """Anonymise or delete what every enabled retention setting says has aged out; returns how many."""
    with db.system_scope("privacy: list the workspaces with retention enabled"):
        targets = list(db.session.execute(select(RetentionSetting.agency_id, RetentionSetting.id)
                                          .where(RetentionSetting.enabled.is_(True))))
    total = 0
    for agency_id, setting_id in targets:
        with db.tenant(db.session(), agency_id):
            setting = db.session.get(RetentionSetting, setting_id)
            total += len(apply_retention(setting))
            db.session.flush()
        db.session.commit()  # one workspace at a time: a later failure keeps the earlier ones done
    log.info("retention: %d interactions anonymised or deleted", total)
    return total
