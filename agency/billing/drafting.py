"""Invoice drafts from approved, billable, not yet invoiced time, and editing them before finalising.

A draft lists the entries it bills (per line); it does not hold them: the entries lock only when the
draft is finalised (``finalising.finalise``). Re-drafting a month rebuilds the generated lines and keeps
the manual lines and discounts someone added.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from agency import audit, db
from agency.accounts.models import Agency, User, Workspace
from agency.billing import money
from agency.billing.models import (
    BillingModel,
    Grouping,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceState,
    LineKind,
    WorkspaceBilling,
)
from agency.billing.rates import RateBook
from agency.billing.settings import workspace_billing
from agency.errors import ValidationError
from agency.timetracking.budgets import budget_statuses, month_end
from agency.timetracking.durations import format_minutes
from agency.timetracking.models import Activity
from agency.timetracking.settings import activity_label

GENERATED = (LineKind.TIME, LineKind.RETAINER, LineKind.OVERAGE, LineKind.FIXED)
MAX_DESCRIPTION = 300


@dataclass
class LineDraft:
    kind: str
    description: str
    unit_cents: int
    minutes: int | None = None
    quantity: int = 1
    activity_id: int | None = None
    user_id: int | None = None
    entry_ids: list[int] = field(default_factory=list)

    @property
    def net_cents(self) -> int:
        if self.minutes is not None:
            return money.time_amount(self.minutes, self.unit_cents)
        return self.quantity * self.unit_cents


@dataclass(frozen=True)
class EntryRow:
    """Entries of one person and activity within one rate period (no rate of the agency changes inside it),
    with their billed minutes; ``work_date`` is the period's first worked day (the day its rate is read for)."""

    ids: tuple[int, ...]
    user_id: int
    activity_id: int
    work_date: date
    billed: int  # minutes after the workspace's rounding, summed


# Rounded per entry (the rule of ``durations.billed_minutes``) and summed per person, activity and rate period
# in the database: drafting reads one row per group instead of one per entry. The periods are cut at every
# ``valid_from`` of the agency's rates inside the month (``width_bucket`` over those dates).
_OPEN_ENTRIES = text("""
SELECT e.workspace_id, e.user_id, e.activity_id, min(e.work_date),
       sum(CASE WHEN coalesce(s.rounding_minutes, 0) <= 1 THEN e.minutes
                ELSE ceil(e.minutes::numeric / s.rounding_minutes)::int * s.rounding_minutes END)::int,
       array_agg(e.id)
FROM time_entries e
LEFT JOIN time_workspace_settings s ON s.workspace_id = e.workspace_id
WHERE e.workspace_id = ANY(CAST(:ids AS bigint[])) AND e.work_date BETWEEN :first AND :last
  AND e.state = 'approved' AND e.billable AND e.invoice_id IS NULL
GROUP BY e.workspace_id, e.user_id, e.activity_id, width_bucket(e.work_date, CAST(:cuts AS date[]))
ORDER BY 1, 4, 2, 3
""")


def open_entries(workspace_ids: list[int], first: date, last: date,
                 cuts: list[date] | None = None) -> dict[int, list[EntryRow]]:
    """Approved, billable, uninvoiced entries per workspace, grouped by person, activity and rate period
    (``cuts``: the days inside ``first``..``last`` on which a rate starts; None: every day is its own period)."""
    found: dict[int, list[EntryRow]] = defaultdict(list)
    if not workspace_ids:
        return found
    if cuts is None:
        cuts = [first + timedelta(days=n) for n in range(1, (last - first).days + 1)]
    rows = db.session.execute(_OPEN_ENTRIES, {"ids": list(workspace_ids), "first": first, "last": last,
                                              "cuts": sorted(c for c in cuts if first < c <= last)})
    for ws_id, user_id, activity_id, day, billed, ids in rows:
        found[ws_id].append(EntryRow(tuple(ids), user_id, activity_id, day, billed))
    return found


def _names(agency_id: int) -> tuple[dict[int, str], dict[int, str]]:
    activities = {a.id: activity_label(a) for a in db.session.scalars(
        select(Activity).where(Activity.agency_id == agency_id))}
    people = dict(db.session.execute(select(User.id, User.name).where(User.agency_id == agency_id)).all())
    return activities, people


def time_lines(entries: list[EntryRow], book: RateBook, workspace_id: int, grouping: str,
               activities: dict[int, str], people: dict[int, str]) -> list[LineDraft]:
    """Hours grouped by activity or by person (and by rate, where a group's entries have different rates)."""
    groups: dict[tuple[int, int], list[EntryRow]] = defaultdict(list)
    for entry in entries:
        applied = book.rate_for(workspace_id=workspace_id, activity_id=entry.activity_id, user_id=entry.user_id,
                                day=entry.work_date)
        if applied is None:
            raise ValidationError(_("No hourly rate applies on %(day)s. Set the agency's default rate first.",
                                    day=entry.work_date.isoformat()))
        key = entry.activity_id if grouping == Grouping.ACTIVITY else entry.user_id
        groups[(key, applied.cents_per_hour)].append(entry)
    lines = []
    for (key, cents), members in sorted(groups.items(), key=lambda kv: (_label(kv[0][0], grouping, activities,
                                                                               people), -kv[0][1])):
        minutes = sum(e.billed for e in members)
        lines.append(LineDraft(
            kind=LineKind.TIME, description=_label(key, grouping, activities, people)[:MAX_DESCRIPTION],
            unit_cents=cents, minutes=minutes, entry_ids=sorted(i for e in members for i in e.ids),
            activity_id=key if grouping == Grouping.ACTIVITY else None,
            user_id=key if grouping == Grouping.STAFF else None))
    return lines


def _label(key: int, grouping: str, activities: dict[int, str], people: dict[int, str]) -> str:
    names = activities if grouping == Grouping.ACTIVITY else people
    return names.get(key) or "?"


def plan_lines(workspace: Workspace, setup: WorkspaceBilling, entries: list[EntryRow], book: RateBook,
               month: date, included_minutes: int | None, names: tuple[dict, dict]) -> list[LineDraft]:
    """The generated lines of one workspace's month under its billing model."""
    period = month.strftime("%m/%Y")
    if setup.model == BillingModel.HOURLY:
        return time_lines(entries, book, workspace.id, setup.grouping, *names)
    all_ids = sorted(i for e in entries for i in e.ids)
    if setup.model == BillingModel.FIXED:
        return [LineDraft(kind=LineKind.FIXED, description=_("Fixed monthly fee %(period)s", period=period),
                          unit_cents=setup.fee_cents, entry_ids=all_ids)]
    used = sum(e.billed for e in entries)
    included = included_minutes or 0
    lines = [LineDraft(kind=LineKind.RETAINER,
                       description=_("Monthly retainer %(period)s (includes %(hours)s h; used %(used)s h)",
                                     period=period, hours=format_minutes(included), used=format_minutes(used)),
                       unit_cents=setup.fee_cents, entry_ids=all_ids)]
    overage = max(0, used - included)
    if overage:
        rate = setup.overage_cents_per_hour
        if rate is None:
            applied = book.rate_for(workspace_id=workspace.id, activity_id=None, user_id=None, day=month_end(month))
            if applied is None:
                raise ValidationError(_("Set an overage rate or the agency's default rate first."))
            rate = applied.cents_per_hour
        lines.append(LineDraft(kind=LineKind.OVERAGE, description=_("Hours beyond the retainer"), unit_cents=rate,
                               minutes=overage))
    return lines


def draft_month(actor: User | None, workspace: Workspace, month: date) -> Invoice | None:
    """Draft (or re-draft) one workspace's invoice for a month; None when there is nothing to bill.

    The lines are written in the workspace's language. A re-draft keeps manual lines and discounts.
    """
    drafted = _draft_workspaces(actor, workspace.agency_id, [workspace], month)
    return drafted[0] if drafted else None


def draft_all(actor: User | None, agency_id: int, month: date, *, progress=None) -> list[Invoice]:
    """Draft every active workspace's month of one agency (``progress(done, total)`` after each).

    Reads everything in a few statements and writes all drafts in one flush, so a month of 300 clients costs
    a handful of round trips, not thousands.
    """
    workspaces = list(db.session.scalars(select(Workspace).where(
        Workspace.agency_id == agency_id, Workspace.archived_at.is_(None)).order_by(Workspace.name)))
    return _draft_workspaces(actor, agency_id, workspaces, month, progress=progress)


def _draft_workspaces(actor: User | None, agency_id: int, workspaces: list[Workspace], month: date, *,
                      progress=None) -> list[Invoice]:
    from agency.billing.settings import billing_of_workspaces

    month = month.replace(day=1)
    last = month_end(month)
    ids = [w.id for w in workspaces]
    if not ids:
        return []
    # A double submit (or "draft all" beside a single draft) waits here, then finds the other's drafts.
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('billing.draft', w)) "
                            "FROM unnest(CAST(:ids AS bigint[])) AS w ORDER BY w"), {"ids": ids})
    setups = billing_of_workspaces(ids)
    book = RateBook.of_agency(agency_id)
    entries = open_entries(ids, month, last, book.starts_between(month, last))
    retainers = [w for w in workspaces if getattr(setups.get(w.id), "model", None) == BillingModel.RETAINER]
    statuses = budget_statuses(retainers, month) if retainers else {}
    names = _names(agency_id)
    existing = {i.workspace_id: i for i in db.session.scalars(
        select(Invoice).where(Invoice.workspace_id.in_(ids), Invoice.state == InvoiceState.DRAFT,
                              Invoice.period_start == month, Invoice.kind == InvoiceKind.INVOICE)
        .options(selectinload(Invoice.lines)))}
    billed = set(db.session.scalars(select(Invoice.workspace_id).where(
        Invoice.workspace_id.in_(ids), Invoice.period_start == month, Invoice.state == InvoiceState.FINAL,
        Invoice.kind == InvoiceKind.INVOICE)))
    agency = db.session.get(Agency, agency_id)
    drafted = []
    with db.session.no_autoflush:  # one flush below writes every draft
        for done, ws in enumerate(workspaces, start=1):
            setup = setups.get(ws.id) or workspace_billing(ws)
            status = statuses.get(ws.id)
            included = (status.available_minutes if status.has_budget else 0) if status else 0
            invoice = _build(ws, month, setup, book, entries.get(ws.id, []), included, names, existing.get(ws.id),
                             ws.id in billed, agency)
            if invoice is not None:
                drafted.append(invoice)
            if progress:
                progress(done, len(workspaces))
    db.session.flush()
    if drafted:  # one audit event per request, however many drafts it wrote
        audit.record("billing.drafted", agency_id=agency_id, actor=actor, object_type="invoice",
                     object_id=drafted[0].id if len(drafted) == 1 else "",
                     details={"month": month.isoformat(), "drafts": len(drafted),
                              "invoices": [i.id for i in drafted][:1000]})
    return drafted


def _build(workspace: Workspace, month: date, setup: WorkspaceBilling, book: RateBook, entries: list[EntryRow],
           included_minutes: int, names, invoice: Invoice | None, already_billed: bool, agency: Agency):
    """The draft of one workspace (added to the session, not flushed), or None when there is nothing to bill."""
    if invoice is None and (not entries if setup.model == BillingModel.HOURLY else already_billed):
        return None  # no hours to bill, or the month's fee is on a finalised invoice already
    with force_locale(workspace.locale or "de"):
        lines = plan_lines(workspace, setup, entries, book, month, included_minutes, names)
    if invoice is None:
        invoice = Invoice(agency_id=workspace.agency_id, workspace_id=workspace.id, period_start=month,
                          period_end=month_end(month), currency=agency.currency or "EUR",
                          locale=workspace.locale or "de", vat_rate=setup.vat_rate,
                          reverse_charge=setup.reverse_charge, seller={}, buyer={}, lines=[])
        db.session.add(invoice)
        kept: list[InvoiceLine] = []
    else:
        invoice.vat_rate, invoice.reverse_charge = setup.vat_rate, setup.reverse_charge
        kept = [line for line in invoice.lines if line.kind not in GENERATED]
        for line in [line for line in invoice.lines if line.kind in GENERATED]:
            invoice.lines.remove(line)
    for position, planned in enumerate(lines):
        invoice.lines.append(_line(invoice, planned, position))
    for offset, line in enumerate(kept):
        line.position = len(lines) + offset
    _totals(invoice)
    return invoice


def _line(invoice: Invoice, planned: LineDraft, position: int) -> InvoiceLine:
    return InvoiceLine(agency_id=invoice.agency_id, workspace_id=invoice.workspace_id, position=position,
                       kind=planned.kind, description=planned.description, minutes=planned.minutes,
                       quantity=planned.quantity, unit_cents=planned.unit_cents, net_cents=planned.net_cents,
                       activity_id=planned.activity_id, user_id=planned.user_id, entry_ids=planned.entry_ids)


def _totals(invoice: Invoice) -> None:
    result = money.totals((line.net_cents, invoice.vat_rate) for line in invoice.lines)
    invoice.net_cents, invoice.vat_cents, invoice.gross_cents = result.net_cents, result.vat_cents, result.gross_cents


def recompute(invoice: Invoice) -> None:
    """Net, VAT and gross from the lines (EN 16931: rounded lines, VAT per rate on the base, sums)."""
    _totals(invoice)
    db.session.flush()


# --- editing a draft -------------------------------------------------------------------------------

def _editable(invoice: Invoice) -> None:
    if invoice.state != InvoiceState.DRAFT:
        raise ValidationError(_("A finalised invoice cannot be changed. Cancel it and draft a new one."))


def add_line(actor: User, invoice: Invoice, *, kind: str, description: str, quantity: int,
             unit_cents: int) -> InvoiceLine:
    """A manual line (quantity × unit price) or a discount (subtracted) on a draft."""
    _editable(invoice)
    if kind not in (LineKind.MANUAL, LineKind.DISCOUNT):
        raise ValidationError(_("Choose a manual line or a discount."), "kind")
    description = " ".join(description.split())[:MAX_DESCRIPTION]
    if not description:
        raise ValidationError(_("Describe the line."), "description")
    if not 1 <= quantity <= 10000:
        raise ValidationError(_("Enter a quantity between 1 and 10,000."), "quantity")
    if not 0 < unit_cents <= 100_000_000:
        raise ValidationError(_("Enter an amount above 0 and at most 1,000,000."), "amount")
    signed = -quantity if kind == LineKind.DISCOUNT else quantity
    if kind == LineKind.DISCOUNT and invoice.net_cents + signed * unit_cents < 0:
        raise ValidationError(_("The discount is larger than the invoice."), "amount")
    line = InvoiceLine(agency_id=invoice.agency_id, workspace_id=invoice.workspace_id,
                       position=max((ln.position for ln in invoice.lines), default=-1) + 1, kind=kind,
                       description=description, minutes=None, quantity=signed, unit_cents=unit_cents,
                       net_cents=signed * unit_cents, entry_ids=[])
    invoice.lines.append(line)
    db.session.flush()
    recompute(invoice)
    audit.record("billing.line_added", agency_id=invoice.agency_id, actor=actor, object_type="invoice",
                 object_id=invoice.id, details={"kind": kind, "net_cents": line.net_cents})
    return line


def edit_line(actor: User, invoice: Invoice, line: InvoiceLine, *, description: str,
              unit_cents: int | None = None) -> None:
    """Change a draft line's text and (for manual lines, discounts and time lines) its price."""
    _editable(invoice)
    if line.invoice_id != invoice.id:
        raise ValidationError(_("This line is not on this invoice."))
    description = " ".join(description.split())[:MAX_DESCRIPTION]
    if not description:
        raise ValidationError(_("Describe the line."), "description")
    line.description = description
    if unit_cents is not None:
        if not 0 <= unit_cents <= 100_000_000:
            raise ValidationError(_("Enter an amount between 0 and 1,000,000."), "amount")
        line.unit_cents = unit_cents
        line.net_cents = money.time_amount(line.minutes, unit_cents) if line.minutes is not None \
            else line.quantity * unit_cents
    db.session.flush()
    recompute(invoice)
    audit.record("billing.line_changed", agency_id=invoice.agency_id, actor=actor, object_type="invoice",
                 object_id=invoice.id, details={"line": line.id, "net_cents": line.net_cents})


def remove_line(actor: User, invoice: Invoice, line: InvoiceLine) -> None:
    """Take a line off a draft (its entries stay unbilled for a later invoice)."""
    _editable(invoice)
    if line.invoice_id != invoice.id:
        raise ValidationError(_("This line is not on this invoice."))
    invoice.lines.remove(line)
    db.session.flush()
    recompute(invoice)
    audit.record("billing.line_removed", agency_id=invoice.agency_id, actor=actor, object_type="invoice",
                 object_id=invoice.id, details={"line": line.id})


def discard_draft(actor: User, invoice: Invoice) -> None:
    _editable(invoice)
    db.session.delete(invoice)
    db.session.flush()
    audit.record("billing.draft_discarded", agency_id=invoice.agency_id, actor=actor, object_type="invoice",
                 object_id=invoice.id)
