"""Rates (precedence, history), drafts under each billing model, editing, finalising and cancelling."""

from datetime import date

import pytest
from sqlalchemy import select

from agency import db
from agency.billing import drafting, finalising, rates
from agency.billing.models import Invoice, InvoiceState, LineKind
from agency.billing.rates import RateBook
from agency.billing.settings import save_workspace_billing
from agency.errors import ValidationError
from agency.timetracking.models import State, TimeEntry, WorkspaceTimeSettings
from tests.billing.conftest import MONTH, activity_of, approved
from tests.timetracking.conftest import make_entry


def test_most_specific_rate_wins_and_history_counts(billing_world):
    w = billing_world
    activity = activity_of(w.agency_a)
    agency = w.agency_a.id
    rates.set_rate(agency, cents_per_hour=8000, valid_from=date(2020, 1, 1), activity_id=activity.id)
    rates.set_rate(agency, cents_per_hour=11000, valid_from=date(2020, 1, 1), workspace_id=w.ws_a.id)
    rates.set_rate(agency, cents_per_hour=12000, valid_from=date(2026, 10, 1), workspace_id=w.ws_a.id,
                   activity_id=activity.id)
    rates.set_rate(agency, cents_per_hour=15000, valid_from=date(2026, 10, 15), workspace_id=w.ws_a.id,
                   user_id=w.cm_a.id)
    book = RateBook.of_agency(agency)

    def rate(day, user=w.cm_a.id, ws=w.ws_a.id, act=activity.id):
        applied = book.rate_for(workspace_id=ws, activity_id=act, user_id=user, day=day)
        return applied.cents_per_hour, applied.scope

    assert rate(date(2026, 10, 20)) == (15000, "user")
    assert rate(date(2026, 10, 14)) == (12000, "workspace_activity")  # the person's rate starts later
    assert rate(date(2026, 9, 30)) == (11000, "workspace")  # September keeps September's rate
    assert rate(date(2026, 9, 30), ws=w.ws_a2.id) == (8000, "activity")
    assert rate(date(2026, 9, 30), ws=w.ws_a2.id, act=None) == (9500, "default")
    assert book.rate_for(workspace_id=w.ws_a.id, activity_id=None, user_id=None, day=date(2019, 1, 1)) is None


def test_hourly_draft_groups_by_activity_and_rounds(billing_world):
    w = billing_world
    db.session.add(WorkspaceTimeSettings(agency_id=w.agency_a.id, workspace_id=w.ws_a.id, rounding_minutes=15,
                                         thresholds=[80, 100]))
    approved(w, 50)  # billed as 60
    approved(w, 20, day=date(2026, 10, 6))  # billed as 30
    make_entry(w.cm_a, w.ws_a, day=date(2026, 10, 7), minutes=60)  # open: not billed
    make_entry(w.cm_a, w.ws_a, day=date(2026, 10, 7), minutes=60, state=State.APPROVED, billable=False)
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    assert [(line.kind, line.minutes, line.unit_cents, line.net_cents) for line in invoice.lines] == \
        [(LineKind.TIME, 90, 9500, 14250)]
    assert (invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (14250, 2708, 16958)
    assert invoice.state == InvoiceState.DRAFT


def test_grouping_by_staff_and_rate_changes_split_lines(billing_world):
    w = billing_world
    save_workspace_billing(w.owner_a, w.ws_a, grouping="staff")
    rates.set_rate(w.agency_a.id, cents_per_hour=10000, valid_from=date(2026, 10, 10))
    approved(w, 60, day=date(2026, 10, 5))
    approved(w, 60, day=date(2026, 10, 12))
    approved(w, 30, day=date(2026, 10, 12), user=w.am_a)
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    rows = sorted((line.description, line.minutes, line.unit_cents) for line in invoice.lines)
    assert rows == sorted([(w.cm_a.name, 60, 10000), (w.cm_a.name, 60, 9500), (w.am_a.name, 30, 10000)])
    assert invoice.net_cents == 10000 + 9500 + 5000


def test_retainer_includes_budget_and_bills_overage(billing_world):
    w = billing_world
    db.session.add(WorkspaceTimeSettings(agency_id=w.agency_a.id, workspace_id=w.ws_a.id, budget_minutes=600,
                                         rounding_minutes=0, thresholds=[80, 100]))
    save_workspace_billing(w.owner_a, w.ws_a, model="retainer", fee_cents=150000, overage_cents_per_hour=11000)
    for day in range(1, 12):
        approved(w, 60, day=date(2026, 10, day))  # 11 hours, 10 included
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    kinds = {line.kind: line for line in invoice.lines}
    assert kinds[LineKind.RETAINER].net_cents == 150000
    assert (kinds[LineKind.OVERAGE].minutes, kinds[LineKind.OVERAGE].net_cents) == (60, 11000)
    assert len(kinds[LineKind.RETAINER].entry_ids) == 11
    assert invoice.net_cents == 161000


def test_retainer_rollover_raises_what_is_included(billing_world):
    w = billing_world
    db.session.add(WorkspaceTimeSettings(agency_id=w.agency_a.id, workspace_id=w.ws_a.id, budget_minutes=600,
                                         rollover="unused", budget_starts_on=date(2026, 9, 1), thresholds=[80]))
    save_workspace_billing(w.owner_a, w.ws_a, model="retainer", fee_cents=150000, overage_cents_per_hour=11000)
    approved(w, 300, day=date(2026, 9, 3))  # September used 5 of 10 hours: 5 roll into October
    for day in range(1, 15):
        approved(w, 60, day=date(2026, 10, day))  # 14 hours in October, 15 available
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    assert [line.kind for line in invoice.lines] == [LineKind.RETAINER]
    assert "15:00" in invoice.lines[0].description


def test_fixed_fee_is_billed_once_and_locks_the_hours(billing_world):
    w = billing_world
    save_workspace_billing(w.owner_a, w.ws_a, model="fixed", fee_cents=99900)
    entry = approved(w, 45)
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    assert [(line.kind, line.net_cents) for line in invoice.lines] == [(LineKind.FIXED, 99900)]
    finalising.finalise(w.am_a, invoice)
    assert db.session.get(TimeEntry, entry.id).state == State.INVOICED
    assert drafting.draft_month(w.am_a, w.ws_a, MONTH) is None


def test_manual_lines_and_discounts_survive_a_redraft(billing_world):
    w = billing_world
    approved(w, 60)
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    drafting.add_line(w.am_a, invoice, kind="manual", description="Shooting", quantity=2, unit_cents=25000)
    drafting.add_line(w.am_a, invoice, kind="discount", description="Treuerabatt", quantity=1, unit_cents=5000)
    approved(w, 60, day=date(2026, 10, 20))
    again = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    assert again.id == invoice.id
    assert sorted(line.net_cents for line in again.lines) == [-5000, 19000, 50000]
    assert again.net_cents == 64000
    time_line = next(line for line in again.lines if line.kind == LineKind.TIME)
    drafting.edit_line(w.am_a, again, time_line, description="Community Management Oktober", unit_cents=9000)
    assert again.net_cents == 18000 + 50000 - 5000
    with pytest.raises(ValidationError):
        drafting.add_line(w.am_a, again, kind="discount", description="zu viel", quantity=1, unit_cents=10**7)


def test_finalise_numbers_gaplessly_locks_entries_and_refuses_edits(billing_world):
    w = billing_world
    entry = approved(w, 60)
    first = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    finalising.finalise(w.am_a, first, on=date(2026, 11, 2))
    approved_other = make_entry(w.cm_a, w.ws_a2, day=date(2026, 10, 5), minutes=30, state=State.APPROVED)
    second = drafting.draft_month(w.am_a, w.ws_a2, MONTH)
    finalising.finalise(w.am_a, second, on=date(2026, 11, 2))
    assert (first.number, second.number) == ("RE-00001", "RE-00002")
    assert first.buyer["name"] == "Alpha Client GmbH" and first.seller["vat_id"] == "DE123456789"
    assert db.session.get(TimeEntry, entry.id).invoice_id == first.id
    assert db.session.get(TimeEntry, approved_other.id).state == State.INVOICED
    with pytest.raises(ValidationError):
        drafting.add_line(w.am_a, first, kind="manual", description="x", quantity=1, unit_cents=100)
    with pytest.raises(ValidationError):
        finalising.finalise(w.am_a, first)


def test_a_changed_entry_stops_finalising_and_nothing_is_written(billing_world):
    w = billing_world
    entry = approved(w, 60)
    invoice = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    db.session.get(TimeEntry, entry.id).state = State.OPEN
    db.session.flush()
    with db.session.begin_nested(), pytest.raises(ValidationError):
        finalising.finalise(w.am_a, invoice)
    assert db.session.get(Invoice, invoice.id).number is None


def test_cancellation_negates_and_frees_the_entries(billing_world):
    w = billing_world
    entry = approved(w, 60)
    invoice = finalising.finalise(w.am_a, drafting.draft_month(w.am_a, w.ws_a, MONTH))
    storno = finalising.cancel(w.owner_a, invoice)
    assert storno.number == "RE-00002" and storno.cancels_id == invoice.id
    assert (storno.net_cents, storno.gross_cents) == (-invoice.net_cents, -invoice.gross_cents)
    assert db.session.get(Invoice, invoice.id).state == InvoiceState.CANCELLED
    assert db.session.get(TimeEntry, entry.id).state == State.APPROVED
    fresh = drafting.draft_month(w.am_a, w.ws_a, MONTH)
    assert fresh.id not in (invoice.id, storno.id) and fresh.net_cents == 9500
    with pytest.raises(ValidationError):
        finalising.cancel(w.owner_a, invoice)


def test_draft_all_drafts_each_workspace_with_progress(billing_world):
    w = billing_world
    approved(w, 60)
    make_entry(w.cm_a, w.ws_a2, day=date(2026, 10, 5), minutes=30, state=State.APPROVED)
    seen = []
    drafted = drafting.draft_all(w.am_a, w.agency_a.id, MONTH, progress=lambda done, total: seen.append(done))
    assert sorted(i.workspace_id for i in drafted) == sorted([w.ws_a.id, w.ws_a2.id])
    assert seen == [1, 2]
    assert db.session.scalar(select(Invoice.id).where(Invoice.agency_id == w.agency_b.id)) is None
