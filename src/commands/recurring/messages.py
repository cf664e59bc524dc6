"""The recurring-invoice commands. Lines travel as the invoice's ``LineInput`` (amounts as strings);
``BillRecurringPeriod`` is what the worker's ``recurring`` job issues, once per (subscription, period)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

from commands.sales.messages import LineInput
from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class SetUpRecurringInvoice(Command):
    customer_id: UUID
    name: str
    lines: tuple[LineInput, ...]
    frequency: str  # monthly, quarterly, yearly
    start: date
    anchor: date | None = None  # the first full period's first day; the start when not given
    end: date | None = None
    tax_percent: str = "0"  # default rate for lines that give none
    currency: str | None = None  # the customer's when not given
    auto_issue: bool = False  # issue each period's invoice, or leave it a draft
    payment_terms_days: int | None = None  # the customer's when not given
    recurring_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ChangeRecurringLines(Command):
    recurring_id: UUID
    effective_from: date
    lines: tuple[LineInput, ...]
    tax_percent: str = "0"


@dataclass(frozen=True, kw_only=True)
class PauseRecurringInvoice(Command):
    recurring_id: UUID
    paused_from: date


@dataclass(frozen=True, kw_only=True)
class ResumeRecurringInvoice(Command):
    recurring_id: UUID
    resumed_from: date


@dataclass(frozen=True, kw_only=True)
class EndRecurringInvoice(Command):
    recurring_id: UUID
    end: date


@dataclass(frozen=True, kw_only=True)
class BillRecurringPeriod(Command):
    """Draft (and issue, when the subscription says so) the invoice of the period beginning ``period_start``."""

    recurring_id: UUID
    period_start: date
