"""The API's request and answer schemas (pydantic); the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from agency.api.framework import Schema

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Status = Literal["new", "open", "waiting", "replied", "closed", "ignored", "spam"]
StatusFilter = Literal["open", "new", "waiting", "replied", "closed", "ignored", "spam", "snoozed", "all"]
Priority = Literal["low", "normal", "high", "urgent"]
Kind = Literal["comment", "reply", "direct_message", "review", "mention"]


class Workspace(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    address_form: str
    country: str
    subdivision: str | None
    archived: bool


class WorkspaceList(Schema):
    items: list[Workspace]


class Channel(Schema):
    id: int
    workspace_id: int
    platform: str
    name: str
    status: str
    external_account_id: str


class ChannelList(Schema):
    items: list[Channel]


class InteractionQuery(Schema):
    workspace: list[Id] = Field(default_factory=list, max_length=100,
                                description="Workspace ids (repeat the parameter); all visible ones when left out.")
    channel: Id | None = None
    kind: Kind | None = None
    status: StatusFilter = "open"
    assignee: Annotated[str, Field(pattern=r"^(mine|unassigned|[1-9][0-9]{0,17})$")] | None = None
    priority: Priority | None = None
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    language: Literal["de", "en", "other"] | None = None
    tag: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    q: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    sla: Literal["on_track", "at_risk", "breached", "met", "missed"] | None = None
    sort: Literal["newest", "oldest", "due"] = "newest"
    cursor: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 50


class Interaction(Schema):
    id: int
    workspace_id: int
    channel_id: int | None
    platform: str
    kind: str
    external_id: str
    parent_external_id: str | None
    thread_external_id: str | None
    author_name: str
    author_external_id: str | None
    text: str
    rating: int | None
    permalink: str | None
    platform_created_at: datetime
    status: str
    priority: str
    assignee_id: int | None
    tags: list[str]
    language: str | None
    sentiment: str | None
    is_question: bool
    is_spam: bool
    is_deleted: bool
    sla_state: str | None
    sla_due_at: datetime | None
    snoozed_until: datetime | None


class InteractionPage(Schema):
    items: list[Interaction]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last page.")


Tag = Annotated[str, Field(min_length=1, max_length=40)]


class InteractionChange(Schema):
    """Only the fields given change; ``assignee_id`` null unassigns."""

    status: Status | None = None
    priority: Priority | None = None
    assignee_id: Id | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    add_tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    remove_tags: Annotated[list[Tag], Field(max_length=20)] | None = None


class Reply(Schema):
    id: int
    interaction_id: int
    text: str
    status: str
    author_id: int | None
    created_at: datetime
    sent_at: datetime | None
    error: str | None


class ReplyList(Schema):
    items: list[Reply]


class ReplyIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


class Note(Schema):
    id: int
    interaction_id: int
    text: str
    author_id: int | None
    created_at: datetime


class NoteList(Schema):
    items: list[Note]


class NoteIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


class TimeEntry(Schema):
    id: int
    workspace_id: int
    user_id: int
    activity_id: int
    work_date: date
    minutes: int
    started_at: datetime | None
    ended_at: datetime | None
    note: str
    billable: bool
    source: str
    state: str
    running: bool


class TimeEntryList(Schema):
    items: list[TimeEntry]


class TimeEntryQuery(Schema):
    workspace: Id | None = None
    user: Id | None = Field(default=None, description="Another person's entries (approvers only); yours by default.")
    start: date | None = Field(default=None, description="First work day (default: 31 days ago).")
    end: date | None = Field(default=None, description="Last work day (default: today).")


class TimeEntryIn(Schema):
    """Either ``work_date`` and ``minutes``, or ``started_at`` and ``ended_at``."""

    workspace_id: Id
    activity_id: Id
    work_date: date | None = None
    minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    note: Annotated[str, Field(max_length=2000)] = ""
    billable: bool | None = None


class TimerStart(Schema):
    workspace_id: Id
    activity_id: Id
    note: Annotated[str, Field(max_length=2000)] | None = None


class Timer(Schema):
    running: TimeEntry | None


class Budget(Schema):
    workspace_id: int
    month: date
    budget_minutes: int | None
    carried_over_minutes: int
    used_minutes: int
    remaining_minutes: int
    forecast_minutes: int
    percent_used: int | None
    rollover: str


class BudgetQuery(Schema):
    month: Annotated[str, Field(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")] | None = Field(
        default=None, description="YYYY-MM (default: this month).")


EventName = Literal["interaction.created", "interaction.updated", "reply.sent", "sla.warning", "sla.breached",
                    "incident.opened", "report.published", "invoice.paid"]


class Webhook(Schema):
    id: int
    workspace_id: int | None
    url: str
    description: str
    events: list[str]
    is_active: bool
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(description="The signing secret, shown only in this answer.")


class WebhookList(Schema):
    items: list[Webhook]


class WebhookIn(Schema):
    url: Annotated[str, Field(min_length=8, max_length=2000)]
    events: Annotated[list[EventName], Field(min_length=1, max_length=8)]
    workspace_id: Id | None = None
    description: Annotated[str, Field(max_length=200)] = ""


class WebhookChange(Schema):
    url: Annotated[str, Field(min_length=8, max_length=2000)] | None = None
    events: Annotated[list[EventName], Field(min_length=1, max_length=8)] | None = None
    description: Annotated[str, Field(max_length=200)] | None = None
    is_active: bool | None = None


class Delivery(Schema):
    id: int
    event_id: str
    event_type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryList(Schema):
    items: list[Delivery]


Month = Annotated[str, Field(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", description="A month as YYYY-MM.")]


class InvoiceQuery(Schema):
    workspace: Id | None = None
    state: Literal["draft", "final", "cancelled", "open", "paid", "void", "uncollectible", "failed"] | None = Field(
        default=None, description="Our state (draft, final, cancelled), Stripe's (open, paid, void, uncollectible), "
                                  "or failed (sending to Stripe failed).")
    period_from: Month | None = Field(default=None, description="First month of the billed period (YYYY-MM).")
    period_to: Month | None = Field(default=None, description="Last month of the billed period (YYYY-MM).")
    limit: Annotated[int, Field(ge=1, le=200)] = 100


class InvoiceLine(Schema):
    position: int
    kind: str
    description: str
    minutes: int | None
    quantity: int
    unit_cents: int
    net_cents: int


class Invoice(Schema):
    id: int
    workspace_id: int
    kind: str
    state: str
    number: str | None
    issued_on: date | None
    due_on: date | None
    period_start: date
    period_end: date
    currency: str
    vat_rate: int = Field(description="In hundredths of a percent (1900 = 19 %).")
    reverse_charge: bool
    net_cents: int
    vat_cents: int
    gross_cents: int
    cancels_id: int | None
    send_state: str
    stripe_status: str | None
    paid_at: datetime | None
    finalised_at: datetime | None


class InvoiceDetail(Invoice):
    lines: list[InvoiceLine]


class InvoiceList(Schema):
    items: list[Invoice]
    more: bool = Field(description="More invoices match than the limit; narrow the filters.")


class Report(Schema):
    id: int
    workspace_id: int
    month: Month
    status: Literal["generating", "draft", "publishing", "published", "failed"]
    generated_at: datetime | None
    published_at: datetime | None
    checksum: str | None = Field(description="SHA-256 of the published PDF.")


class ReportDetail(Report):
    commentary: str
    next_steps: str
    figures: dict


class ReportList(Schema):
    items: list[Report]
