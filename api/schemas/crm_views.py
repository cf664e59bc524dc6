"""The CRM's answers: deals as of a date, leads, activities, the sales reports and the customer 360."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas.base import DecimalStr, DerivedDate, Out, Report


class CrmScope(Out):
    as_of: date
    known_at: datetime | None
    position: int
    start: date | None = None


class DealState(Out):
    deal_id: str
    customer_id: str
    title: str
    value: DecimalStr
    currency: str
    owner: str
    source: str
    lead_id: str | None
    opened_on: date
    stage: str
    probability: DecimalStr
    status: str
    since: date
    weighted: DecimalStr
    expected_close: DerivedDate | None = None


class Lead(Out):
    id: str
    name: str
    company: str
    email: str
    source: str
    owner: str
    status: Literal["new", "qualified", "disqualified", "converted"]
    captured_on: date
    customer_id: str | None = Field(description="The customer a conversion created or chose")
    deal_id: str | None
    reason: str | None = Field(description="Why it was disqualified")


class Activity(Out):
    id: str
    kind: str
    about_kind: str
    about_id: str
    subject: str
    body: str
    actor: str
    on: date


class Contact(Out):
    contact_id: str
    name: str
    email: str
    phone: str
    role: str
    active: bool


class Stage(Out):
    key: str
    name: str
    probability: DecimalStr
    order: int


class PipelineRow(Out):
    group: str
    currency: str
    count: int
    value: DecimalStr
    weighted: DecimalStr


class PipelineReport(Report):
    scope: CrmScope
    by: str
    rows: list[PipelineRow]
    won: int
    lost: int


class FunnelStep(Out):
    stage: str
    reached: int
    to_next: DecimalStr | None


class SourceRow(Out):
    source: str
    leads: int
    converted: int
    won: int
    lead_to_won: DecimalStr


class ConversionReport(Report):
    scope: CrmScope
    funnel: list[FunnelStep]
    sources: list[SourceRow]


class WinRateReport(Report):
    scope: CrmScope
    won: int
    lost: int
    win_rate: DecimalStr | None
    average_cycle_days: DecimalStr | None


class FollowUpItem(Out):
    followup_id: str
    owner: str
    about_kind: str
    about_id: str
    due: date
    note: str


class OwnerFollowUps(Out):
    owner: str
    overdue: int
    due_today: int
    upcoming: int


class FollowUpsReport(Report):
    scope: CrmScope
    owners: list[OwnerFollowUps]
    open_items: list[FollowUpItem]


class TimelineEntry(Out):
    on: date
    kind: str
    subject: str
    about_kind: str
    about_id: str
    actor: str


class Customer360(Report):
    scope: CrmScope
    customer_id: str
    name: str
    owner: str
    merged_ids: list[str]
    contacts: list[dict[str, str]]
    deals: list[DealState]
    timeline: list[TimelineEntry]
    invoices: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    open_balance: dict[str, DecimalStr]
    credit: dict[str, DecimalStr]
    projects: list[dict[str, Any]]
