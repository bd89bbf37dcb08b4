"""Billing pages: the month overview (/billing), invoices (/billing/invoices, detail, .pdf, .xml), rates,
the agency's legal details, a client's billing settings; and the client portal's downloads."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.accounts.permissions import can
from agency.accounts.queries import visible_workspaces
from agency.accounts.tenancy import get_scoped_or_404, visible_workspace_ids, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.billing import drafting, finalising, money, rates, stripe_gateway
from agency.billing.einvoice import invoice_xml
from agency.billing.forms import (
    AgencyDetailsForm,
    ConfirmForm,
    DraftForm,
    EditLineForm,
    LineForm,
    MonthForm,
    RateForm,
    WorkspaceBillingForm,
)
from agency.billing.jobs import (
    draft_all_for_month,
    draft_all_job_id,
    draft_all_progress,
    mark_draft_all_queued,
    queue_send,
)
from agency.billing.models import Invoice, InvoiceLine, InvoiceState, Rate, SendState
from agency.billing.settings import (
    agency_details,
    billing_of_workspaces,
    missing_details,
    save_agency_details,
    save_workspace_billing,
    workspace_billing,
)
from agency.errors import ValidationError
from agency.timetracking.budgets import budget_statuses, month_end
from agency.timetracking.forms import parse_month
from agency.timetracking.models import State, TimeEntry, WorkspaceTimeSettings
from agency.timetracking.settings import activities, activity_label, today

bp = Blueprint("billing", __name__)
PAGE_SIZE = 100


@bp.app_template_filter("money")
def _money(cents, currency: str = "EUR") -> str:
    return money.format_money(cents, currency)


def _today() -> date:
    return today(current_user.agency)


def _last_month() -> date:
    return (_today().replace(day=1) - timedelta(days=1)).replace(day=1)


def _workspaces() -> list[Workspace]:
    return [w for w in visible_workspaces(current_user) if not w.is_archived]


def _invoice_or_404(invoice_id: int) -> Invoice:
    return get_scoped_or_404(Invoice, invoice_id)


# --- the month overview ------------------------------------------------------------------------------

@bp.route("/billing")
@permission_required("billing.manage")
def overview():
    return _overview(parse_month(request.args.get("month", "")[:7]) or _last_month())


def _overview(month: date, status: int = 200):
    last = month_end(month)
    workspaces = _workspaces()
    ids = [w.id for w in workspaces]
    minutes = dict(db.session.execute(
        select(TimeEntry.workspace_id, func.sum(TimeEntry.minutes)).where(
            TimeEntry.workspace_id.in_(ids), TimeEntry.work_date >= month, TimeEntry.work_date <= last,
            TimeEntry.billable.is_(True)).group_by(TimeEntry.workspace_id)).all()) if ids else {}
    open_minutes = dict(db.session.execute(
        select(TimeEntry.workspace_id, func.sum(TimeEntry.minutes)).where(
            TimeEntry.workspace_id.in_(ids), TimeEntry.work_date >= month, TimeEntry.work_date <= last,
            TimeEntry.billable.is_(True), TimeEntry.state == State.OPEN).group_by(TimeEntry.workspace_id)).all()) \
        if ids else {}
    invoices: dict[int, list[Invoice]] = {}
    for invoice in db.session.scalars(select(Invoice).where(Invoice.workspace_id.in_(ids),
                                                            Invoice.period_start == month).order_by(Invoice.id)):
        invoices.setdefault(invoice.workspace_id, []).append(invoice)
    with_budget = [w for w in workspaces if w.id in _budgeted(ids)]
    statuses = budget_statuses(with_budget, month) if with_budget else {}
    setups = billing_of_workspaces(ids)
    return render_template(
        "billing/overview.html", month=month, workspaces=workspaces, minutes=minutes, open_minutes=open_minutes,
        invoices=invoices, statuses=statuses, setups=setups, currency=current_user.agency.currency,
        previous_month=(month - timedelta(days=1)).replace(day=1), next_month=last + timedelta(days=1),
        month_form=MonthForm(formdata=None, month=month.strftime("%Y-%m")), last_month=_last_month(),
        missing=missing_details(agency_details(current_user.agency_id)), has_rate=_has_default_rate(),
        drafting=draft_all_progress(current_user.agency_id, month)), status


def _budgeted(ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(select(WorkspaceTimeSettings.workspace_id).where(
        WorkspaceTimeSettings.workspace_id.in_(ids), WorkspaceTimeSettings.budget_minutes.is_not(None))))


def _has_default_rate() -> bool:
    return db.session.scalar(select(Rate.id).where(Rate.agency_id == current_user.agency_id,
                                                   Rate.workspace_id.is_(None), Rate.activity_id.is_(None))
                             .limit(1)) is not None


@bp.route("/billing/draft", methods=["POST"])
@permission_required("billing.manage")
def draft():
    form = DraftForm()
    form.workspace.choices = [(w.slug, w.name) for w in _workspaces()]
    if not form.validate():
        flash(_("Choose a client and a month."), "error")
        return _overview(_last_month(), 422)
    workspace = workspace_or_404(form.workspace.data)
    try:
        invoice = drafting.draft_month(current_user, workspace, form.month.month)
    except ValidationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _overview(form.month.month, 422)
    if invoice is None:
        flash(_("Nothing to bill for %(client)s in this month: no approved, billable hours that are not invoiced "
                "yet.", client=workspace.name), "info")
        return redirect(url_for("billing.overview", month=form.month.data))
    return redirect(url_for("billing.invoice", invoice_id=invoice.id))


@bp.route("/billing/draft-all", methods=["POST"])
@permission_required("billing.manage")
def draft_all():
    """Queue the drafting of every client's month; the overview shows its progress until it is done."""
    form = MonthForm()
    if not form.validate():
        flash(_("Choose a month like 2026-10."), "error")
        return _overview(_last_month(), 422)
    month = form.month.month
    agency_id = current_user.agency_id
    running = draft_all_progress(agency_id, month)
    if running is not None and running["state"] in ("queued", "running"):
        flash(_("The drafts for this month are already being prepared."), "info")
    else:
        mark_draft_all_queued(agency_id, month)
        draft_all_for_month.enqueue(agency_id, month.isoformat(), current_user.id, str(get_locale()),
                                    job_id=draft_all_job_id(agency_id, month))
        flash(_("Drafting every client's invoice for %(month)s. This page shows the progress.",
                month=format_date(month, "MMMM y")), "info")
    return redirect(url_for("billing.overview", month=form.month.data))


# --- invoices ----------------------------------------------------------------------------------------

@bp.route("/billing/invoices")
@permission_required("billing.manage")
def invoices():
    workspaces = _workspaces()
    by_slug = {w.slug: w for w in workspaces}
    stmt = select(Invoice).where(Invoice.workspace_id.in_([w.id for w in workspaces]))
    chosen = by_slug.get(request.args.get("workspace", ""))
    if chosen:
        stmt = stmt.where(Invoice.workspace_id == chosen.id)
    state = request.args.get("state", "")
    if state in ("draft", "final", "cancelled"):
        stmt = stmt.where(Invoice.state == state)
    elif state in ("open", "paid", "void", "uncollectible"):
        stmt = stmt.where(Invoice.stripe_status == state)
    elif state == "failed":
        stmt = stmt.where(Invoice.send_state == SendState.FAILED)
    first = parse_month(request.args.get("from", "")[:7])
    last = parse_month(request.args.get("to", "")[:7])
    if first:
        stmt = stmt.where(Invoice.period_start >= first)
    if last:
        stmt = stmt.where(Invoice.period_start <= last)
    sort = request.args.get("sort", "-number")
    columns = {"number": Invoice.number, "period": Invoice.period_start, "total": Invoice.gross_cents,
               "issued": Invoice.issued_on}
    column = columns.get(sort.lstrip("-"), Invoice.number)
    order = column.desc().nulls_first() if sort.startswith("-") else column.asc().nulls_last()
    rows = list(db.session.scalars(stmt.order_by(order, Invoice.id.desc()).limit(PAGE_SIZE + 1)))
    final = [i for i in rows[:PAGE_SIZE] if i.state != InvoiceState.DRAFT]
    totals = {"net": sum(i.net_cents for i in final), "vat": sum(i.vat_cents for i in final),
              "gross": sum(i.gross_cents for i in final),
              "paid": sum(i.gross_cents for i in final if i.stripe_status == "paid"),
              "open": sum(i.gross_cents for i in final if i.stripe_status == "open")}
    names = {w.id: w.name for w in workspaces}
    return render_template("billing/invoices.html", invoices=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE,
                           totals=totals, names=names, workspaces=workspaces, chosen=chosen, state=state,
                           first=first, last=last, sort=sort, currency=current_user.agency.currency)


@bp.route("/billing/invoices/<int:invoice_id>")
@permission_required("billing.manage", hide=True)
def invoice(invoice_id: int):
    return _invoice_page(_invoice_or_404(invoice_id))


def _invoice_page(inv: Invoice, status: int = 200):
    workspace = db.session.get(Workspace, inv.workspace_id)
    people = dict(db.session.execute(select(User.id, User.name).where(User.agency_id == inv.agency_id)).all())
    entries = {line.id: len(line.entry_ids or []) for line in inv.lines}
    cancelled_by = db.session.scalar(select(Invoice).where(Invoice.cancels_id == inv.id)) if inv.state == \
        InvoiceState.CANCELLED else None
    cancels = db.session.get(Invoice, inv.cancels_id) if inv.cancels_id else None
    return render_template(
        "billing/invoice.html", invoice=inv, workspace=workspace, people=people, entries=entries,
        line_form=LineForm(formdata=None), confirm=ConfirmForm(formdata=None), cancelled_by=cancelled_by,
        cancels=cancels, edit_forms={line.id: EditLineForm(formdata=None, description=line.description,
                                                           unit_price=money.decimal_amount(line.unit_cents))
                                     for line in inv.lines},
        can_send=stripe_gateway.can_send(inv), missing=missing_details(agency_details(inv.agency_id))), status


def _back(inv: Invoice):
    return redirect(url_for("billing.invoice", invoice_id=inv.id))


def _refused(inv_id: int, message: str):
    """Show the invoice again with what was wrong (422); the failed change is rolled back."""
    db.session.rollback()
    flash(message, "error")
    return _invoice_page(_invoice_or_404(inv_id), 422)


def _form_error(form) -> str:
    for name, errors in form.errors.items():
        if errors:
            label = getattr(getattr(form, name, None), "label", None)
            return f"{label.text}: {errors[0]}" if label is not None else str(errors[0])
    return _("Please check the form.")


@bp.route("/billing/invoices/<int:invoice_id>/lines", methods=["POST"])
@permission_required("billing.manage", hide=True)
def line_add(invoice_id: int):
    inv = _invoice_or_404(invoice_id)
    form = LineForm()
    if not form.validate():
        return _refused(invoice_id, _form_error(form))
    try:
        drafting.add_line(current_user, inv, kind=form.kind.data, description=form.description.data,
                          quantity=form.quantity.data, unit_cents=form.unit_price.cents)
    except ValidationError as error:
        return _refused(invoice_id, error.message)
    return _back(inv)


@bp.route("/billing/invoices/<int:invoice_id>/lines/<int:line_id>", methods=["POST"])
@permission_required("billing.manage", hide=True)
def line_edit(invoice_id: int, line_id: int):
    inv = _invoice_or_404(invoice_id)
    line = get_scoped_or_404(InvoiceLine, line_id)
    form = EditLineForm()
    if not form.validate():
        return _refused(invoice_id, _form_error(form))
    try:
        drafting.edit_line(current_user, inv, line, description=form.description.data,
                           unit_cents=getattr(form.unit_price, "cents", None))
    except ValidationError as error:
        return _refused(invoice_id, error.message)
    return _back(inv)


@bp.route("/billing/invoices/<int:invoice_id>/lines/<int:line_id>/delete", methods=["POST"])
@permission_required("billing.manage", hide=True)
def line_delete(invoice_id: int, line_id: int):
    inv = _invoice_or_404(invoice_id)
    line = get_scoped_or_404(InvoiceLine, line_id)
    if not ConfirmForm().validate():
        return _refused(invoice_id, _("The form has expired. Please try again."))
    try:
        drafting.remove_line(current_user, inv, line)
    except ValidationError as error:
        return _refused(invoice_id, error.message)
    return _back(inv)


def _action(invoice_id: int, do, success: str):
    inv = _invoice_or_404(invoice_id)
    if not ConfirmForm().validate():
        return _refused(invoice_id, _("The form has expired. Please try again."))
    try:
        result = do(inv)
    except ValidationError as error:
        return _refused(invoice_id, error.message)
    flash(success, "success")
    return redirect(url_for("billing.invoice", invoice_id=result.id)) if isinstance(result, Invoice) else \
        redirect(url_for("billing.overview"))


@bp.route("/billing/invoices/<int:invoice_id>/finalise", methods=["POST"])
@permission_required("billing.manage", hide=True)
def finalise(invoice_id: int):
    return _action(invoice_id, lambda inv: finalising.finalise(current_user, inv),
                   _("The invoice is final. Its number is on record and its hours are locked."))


@bp.route("/billing/invoices/<int:invoice_id>/cancel", methods=["POST"])
@permission_required("billing.manage", hide=True)
def cancel(invoice_id: int):
    return _action(invoice_id, lambda inv: finalising.cancel(current_user, inv),
                   _("The cancellation invoice is issued. The hours can be billed again."))


@bp.route("/billing/invoices/<int:invoice_id>/discard", methods=["POST"])
@permission_required("billing.manage", hide=True)
def discard(invoice_id: int):
    return _action(invoice_id, lambda inv: drafting.discard_draft(current_user, inv), _("The draft is discarded."))


@bp.route("/billing/invoices/<int:invoice_id>/send", methods=["POST"])
@permission_required("billing.manage", hide=True)
def send(invoice_id: int):
    def start(inv: Invoice) -> Invoice:
        stripe_gateway.start_sending(current_user, inv)
        queue_send(inv.agency_id, inv.id)
        return inv

    return _action(invoice_id, start, _("The invoice is being sent through Stripe."))


@bp.route("/billing/invoices/<int:invoice_id>.pdf")
@permission_required("billing.manage", hide=True)
def invoice_pdf(invoice_id: int):
    return _pdf(_invoice_or_404(invoice_id))


@bp.route("/billing/invoices/<int:invoice_id>.xml")
@permission_required("billing.manage", hide=True)
def invoice_xml_download(invoice_id: int):
    return _xml(_invoice_or_404(invoice_id))


def _pdf(inv: Invoice) -> Response:
    from agency.billing.pdf import invoice_pdf as render

    if inv.number is None:
        abort(404)
    return Response(render(inv), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{_file_name(inv)}.pdf"', "Cache-Control": "private, no-store"})


def _xml(inv: Invoice) -> Response:
    if inv.number is None:
        abort(404)
    return Response(invoice_xml(inv), mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{_file_name(inv)}.xml"', "Cache-Control": "private, no-store"})


def _file_name(inv: Invoice) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in inv.number or str(inv.id))


# --- the client portal's downloads ------------------------------------------------------------------

def _client_invoice_or_404(invoice_id: int) -> Invoice:
    """A client user's own workspace's finalised invoice (staff who bill see it as on their own pages)."""
    if current_user.is_staff:
        if not can(current_user, "billing.manage"):
            abort(404)
        return _invoice_or_404(invoice_id)
    client_workspaces = {m.workspace_id for m in current_user.memberships}
    inv = db.get_in_agency(Invoice, invoice_id, current_user.agency_id)
    if inv is None or inv.workspace_id not in client_workspaces or inv.state == InvoiceState.DRAFT:
        abort(404)
    return inv


@bp.route("/portal/invoices/<int:invoice_id>.pdf")
@login_required
def portal_invoice_pdf(invoice_id: int):
    return _pdf(_client_invoice_or_404(invoice_id))


@bp.route("/portal/invoices/<int:invoice_id>.xml")
@login_required
def portal_invoice_xml(invoice_id: int):
    return _xml(_client_invoice_or_404(invoice_id))


# --- settings ------------------------------------------------------------------------------------------

@bp.route("/billing/settings", methods=["GET", "POST"])
@permission_required("billing.manage")
def settings():
    details = agency_details(current_user.agency_id)
    # A POST is read alone: a field left out is empty, never silently the stored value.
    form = AgencyDetailsForm() if request.method == "POST" else AgencyDetailsForm(obj=details)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data or "" for name in (
            "legal_name", "street", "postcode", "city", "country", "tax_number", "vat_id", "email", "bank_name",
            "iban", "bic", "footer", "number_prefix")}
        values["payment_days"] = form.payment_days.data
        values["number_prefix"] = values["number_prefix"] or "RE-"
        save_agency_details(current_user, current_user.agency_id, **values)
        flash(_("The legal details are saved. New invoices show them."), "success")
        return redirect(url_for("billing.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("billing/settings.html", form=form, details=details), status


@bp.route("/w/<workspace>/billing", methods=["GET", "POST"])
@permission_required("billing.manage", hide=True)
def workspace_settings(workspace: str):
    ws = workspace_or_404(workspace)
    setup = workspace_billing(ws)
    form = WorkspaceBillingForm() if request.method == "POST" else WorkspaceBillingForm(obj=setup, formdata=None)
    if request.method == "GET":
        form.fee.data = money.decimal_amount(setup.fee_cents) if setup.fee_cents else ""
        form.overage.data = money.decimal_amount(setup.overage_cents_per_hour) \
            if setup.overage_cents_per_hour is not None else ""
        form.vat_rate.data = str(setup.vat_rate)
    if request.method == "POST" and form.validate():
        try:
            save_workspace_billing(
                current_user, ws, model=form.model.data, fee_cents=getattr(form.fee, "cents", None) or 0,
                overage_cents_per_hour=getattr(form.overage, "cents", None), vat_rate=int(form.vat_rate.data),
                reverse_charge=bool(form.reverse_charge.data), grouping=form.grouping.data,
                client_name=form.client_name.data, client_street=form.client_street.data or "",
                client_postcode=form.client_postcode.data or "", client_city=form.client_city.data or "",
                client_country=form.client_country.data, client_vat_id=form.client_vat_id.data or "",
                billing_email=form.billing_email.data or "")
        except ValidationError as error:
            db.session.rollback()
            apply_validation_error(form, error)
        else:
            flash(_("The billing settings of %(client)s are saved.", client=ws.name), "success")
            return redirect(url_for("billing.workspace_settings", workspace=ws.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("billing/workspace_settings.html", form=form, workspace=ws), status


@bp.route("/billing/rates", methods=["GET", "POST"])
@permission_required("billing.manage")
def rates_page():
    workspaces = _workspaces()
    acts = activities(current_user.agency_id)
    staff = list(db.session.scalars(select(User).where(User.agency_id == current_user.agency_id,
                                                       User.role != "client").order_by(User.name)))
    form = RateForm()
    form.workspace.choices = [("", _("— all clients —"))] + [(str(w.id), w.name) for w in workspaces]
    form.activity.choices = [("", _("— every activity —"))] + [(str(a.id), activity_label(a)) for a in acts]
    form.user.choices = [("", _("— everyone —"))] + [(str(u.id), u.name) for u in staff]
    if form.validate_on_submit():
        try:
            rate = rates.set_rate(current_user.agency_id, cents_per_hour=form.rate.cents,
                                  valid_from=form.valid_from.month,
                                  workspace_id=int(form.workspace.data) if form.workspace.data else None,
                                  activity_id=int(form.activity.data) if form.activity.data else None,
                                  user_id=int(form.user.data) if form.user.data else None)
        except ValidationError as error:
            db.session.rollback()
            apply_validation_error(form, error)
        else:
            audit.record("billing.rate_saved", agency_id=current_user.agency_id, actor=current_user,
                         details={"rate": rate.id, "cents": rate.cents_per_hour, "scope": rates.scope_of(rate),
                                  "valid_from": rate.valid_from.isoformat()})
            flash(_("The rate is saved."), "success")
            return redirect(url_for("billing.rates_page"))
    visible = {w.id for w in workspaces}
    all_rates = [r for r in db.session.scalars(select(Rate).where(Rate.agency_id == current_user.agency_id)
                                               .order_by(Rate.valid_from.desc()))
                 if r.workspace_id is None or r.workspace_id in visible]
    explain = _explanation(workspaces, acts, staff)
    status = 422 if request.method == "POST" else 200
    return render_template("billing/rates.html", form=form, rates=all_rates, scope_of=rates.scope_of,
                           labels=rates.SCOPE_LABELS, names={w.id: w.name for w in workspaces},
                           activities={a.id: activity_label(a) for a in acts}, people={u.id: u.name for u in staff},
                           explain=explain, workspaces=workspaces, acts=acts, staff=staff,
                           currency=current_user.agency.currency), status


def _explanation(workspaces, acts, staff):
    """Which rate applies for the chosen client, activity, person and day, and why (every scope listed)."""
    ws_id = request.args.get("w", type=int)
    if ws_id is None or ws_id not in visible_workspace_ids():
        return None
    activity_id = request.args.get("a", type=int)
    user_id = request.args.get("u", type=int)
    if activity_id not in {a.id for a in acts}:
        activity_id = None
    if user_id not in {u.id for u in staff}:
        user_id = None
    try:
        day = date.fromisoformat(request.args.get("d", "")[:10])
    except ValueError:
        day = _today()
    book = rates.RateBook.of_agency(current_user.agency_id)
    applied = book.rate_for(workspace_id=ws_id, activity_id=activity_id, user_id=user_id, day=day)
    return {"workspace_id": ws_id, "activity_id": activity_id, "user_id": user_id, "day": day, "applied": applied,
            "steps": book.explain(workspace_id=ws_id, activity_id=activity_id, user_id=user_id, day=day)}
