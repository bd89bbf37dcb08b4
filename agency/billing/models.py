"""Tables of billing: the agency's legal details, hourly rates with their valid-from dates, each client's
billing model, invoices with their lines, the invoice number counter and the Stripe events seen.

Money is integer cents in the agency's currency; VAT rates are basis points (1900 = 19 %); hours are
whole minutes, as time tracking stores them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency import db

VAT_RATES = (1900, 700, 0)  # basis points
MAX_CENTS = 10**11  # a billion euros: far beyond any agency invoice, safely inside bigint arithmetic


class BillingModel(enum.StrEnum):
    HOURLY = "hourly"
    RETAINER = "retainer"  # a monthly fee including the time budget's hours, overage at a rate
    FIXED = "fixed"  # a monthly fee, hours not billed


class Grouping(enum.StrEnum):
    ACTIVITY = "activity"
    STAFF = "staff"


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CANCELLATION = "cancellation"  # Stornorechnung: the negative of a finalised invoice


class InvoiceState(enum.StrEnum):
    DRAFT = "draft"
    FINAL = "final"
    CANCELLED = "cancelled"  # finalised, then cancelled by a cancellation invoice


class LineKind(enum.StrEnum):
    TIME = "time"
    RETAINER = "retainer"
    OVERAGE = "overage"
    FIXED = "fixed"
    MANUAL = "manual"
    DISCOUNT = "discount"


class SendState(enum.StrEnum):
    NOT_SENT = "not_sent"
    SENDING = "sending"  # a send is under way or was interrupted: retry looks Stripe up before creating
    SENT = "sent"
    FAILED = "failed"


class StripeState(enum.StrEnum):
    """The Stripe invoice's status, in the only order it may move (void/uncollectible are ends of the line)."""

    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    VOID = "void"


class AgencyBillingDetails(db.TenantMixin, db.Base):
    """What every invoice of the agency states about its issuer (§14 (4) UStG) and how it numbers them."""

    __tablename__ = "billing_agency_details"
    __table_args__ = (
        UniqueConstraint("agency_id", name="uq_billing_agency_details_agency"),
        CheckConstraint("last_number >= 0", name="last_number_positive"),
        CheckConstraint("payment_days BETWEEN 0 AND 120", name="payment_days_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    street: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(20), default="", server_default="")
    city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    country: Mapped[str] = mapped_column(String(2), default="DE", server_default="DE")
    tax_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="", server_default="")
    email: Mapped[str] = mapped_column(String(320), default="", server_default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    iban: Mapped[str] = mapped_column(String(34), default="", server_default="")
    bic: Mapped[str] = mapped_column(String(11), default="", server_default="")
    footer: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    number_prefix: Mapped[str] = mapped_column(String(12), default="RE-", server_default="RE-")
    payment_days: Mapped[int] = mapped_column(Integer, default=14, server_default=text("14"))
    # The last number handed out; read and raised under a row lock in the finalising transaction.
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class Rate(db.TenantMixin, db.TimestampMixin, db.Base):
    """An hourly rate from ``valid_from`` on, for the agency, an activity, a workspace, an activity in a
    workspace or a person in a workspace (the most specific valid one wins; see ``rates.resolve``)."""

    __tablename__ = "billing_rates"
    __table_args__ = (
        CheckConstraint("cents_per_hour BETWEEN 0 AND 10000000", name="cents_range"),
        CheckConstraint("user_id IS NULL OR workspace_id IS NOT NULL", name="user_within_workspace"),
        CheckConstraint("user_id IS NULL OR activity_id IS NULL", name="user_or_activity"),
        UniqueConstraint("agency_id", "workspace_id", "activity_id", "user_id", "valid_from",
                         name="uq_billing_rates_scope_from", postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True)
    activity_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("time_activities.id", ondelete="CASCADE"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    cents_per_hour: Mapped[int] = mapped_column(Integer)


class WorkspaceBilling(db.WorkspaceMixin, db.Base):
    """How one client is billed: the model and its fees, VAT, grouping of lines and the recipient's details."""

    __tablename__ = "billing_workspace_settings"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_billing_workspace_settings_workspace"),
        CheckConstraint("model in ('hourly','retainer','fixed')", name="model_known"),
        CheckConstraint("grouping in ('activity','staff')", name="grouping_known"),
        CheckConstraint("vat_rate in (1900, 700, 0)", name="vat_rate_known"),
        CheckConstraint("fee_cents BETWEEN 0 AND 100000000", name="fee_range"),
        CheckConstraint("overage_cents_per_hour IS NULL OR overage_cents_per_hour BETWEEN 0 AND 10000000",
                        name="overage_range"),
        CheckConstraint("NOT reverse_charge OR (vat_rate = 0 AND client_vat_id <> '')", name="reverse_charge_vat"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    model: Mapped[str] = mapped_column(String(10), default=BillingModel.HOURLY, server_default="hourly")
    fee_cents: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    overage_cents_per_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vat_rate: Mapped[int] = mapped_column(Integer, default=1900, server_default=text("1900"))
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    grouping: Mapped[str] = mapped_column(String(10), default=Grouping.ACTIVITY, server_default="activity")
    client_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    client_street: Mapped[str] = mapped_column(String(200), default="", server_default="")
    client_postcode: Mapped[str] = mapped_column(String(20), default="", server_default="")
    client_city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    client_country: Mapped[str] = mapped_column(String(2), default="DE", server_default="DE")
    client_vat_id: Mapped[str] = mapped_column(String(20), default="", server_default="")
    billing_email: Mapped[str] = mapped_column(String(320), default="", server_default="")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Invoice(db.WorkspaceMixin, db.TimestampMixin, db.Base):
    """A draft, or an invoice of record: once final, only its Stripe and payment fields ever change.

    ``seller`` and ``buyer`` are the parties' details as printed, frozen at finalising, so a later change
    of an address never alters an issued invoice.
    """

    __tablename__ = "billing_invoices"
    __table_args__ = (
        UniqueConstraint("agency_id", "number", name="uq_billing_invoices_agency_number"),
        CheckConstraint("kind in ('invoice','cancellation')", name="kind_known"),
        CheckConstraint("state in ('draft','final','cancelled')", name="state_known"),
        CheckConstraint("state = 'draft' OR (number IS NOT NULL AND issued_on IS NOT NULL)", name="final_numbered"),
        CheckConstraint("period_end >= period_start", name="period_valid"),
        CheckConstraint("send_state in ('not_sent','sending','sent','failed')", name="send_state_known"),
        Index("ix_billing_invoices_workspace_period", "workspace_id", "period_start"),
        Index("ix_billing_invoices_stripe", "stripe_invoice_id", unique=True,
              postgresql_where=text("stripe_invoice_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default=InvoiceKind.INVOICE, server_default="invoice")
    state: Mapped[str] = mapped_column(String(10), default=InvoiceState.DRAFT, server_default="draft")
    number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    locale: Mapped[str] = mapped_column(String(5), default="de", server_default="de")
    vat_rate: Mapped[int] = mapped_column(Integer, default=1900)
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    net_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    gross_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    cancels_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("billing_invoices.id", ondelete="RESTRICT"), nullable=True)
    seller: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buyer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    finalised_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finalised_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    send_state: Mapped[str] = mapped_column(String(10), default=SendState.NOT_SENT, server_default="not_sent")
    send_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stripe_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    stripe_hosted_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan", back_populates="invoice")

    @property
    def is_draft(self) -> bool:
        return self.state == InvoiceState.DRAFT


class InvoiceLine(db.WorkspaceMixin, db.Base):
    """One line: hours of an activity or a person, the retainer fee, overage, a manual line or a discount.

    ``net_cents`` is the line's amount rounded to the cent (EN 16931: line net amounts are rounded, totals
    are sums); ``minutes`` is the billed quantity of time lines (else NULL and ``quantity`` counts units).
    """

    __tablename__ = "billing_invoice_lines"
    __table_args__ = (
        CheckConstraint("kind in ('time','retainer','overage','fixed','manual','discount')", name="kind_known"),
        CheckConstraint("quantity BETWEEN -1000000 AND 1000000", name="quantity_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("billing_invoices.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_cents: Mapped[int] = mapped_column(BigInteger)
    net_cents: Mapped[int] = mapped_column(BigInteger)
    activity_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    entry_ids: Mapped[list[Any]] = mapped_column(default=list)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class StripeEvent(db.Base):
    """A Stripe webhook event seen (by id): a redelivery is acknowledged and changes nothing.

    Not tenant-owned: it is recorded before the invoice (and so the agency) is known.
    """

    __tablename__ = "billing_stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=db.utcnow)
