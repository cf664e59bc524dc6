"""Recurring invoices over HTTP: what is set up and changed, and the read side's view (derived)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID, uuid4

from pydantic import Field

from api.schemas.base import Body, CurrencyCode, EffectiveDate, Name, Percent
from api.schemas.derive import derived
from api.schemas.sales import InvoiceLineIn
from commands import messages as m
from ledger.events import Meta
from ledger.policy import FIRST_DAY, LAST_DAY
from projections.automation import recurring as views

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Lines = Annotated[list[InvoiceLineIn], Field(min_length=1, max_length=500)]


class RecurringInvoiceBody(Body):
    customer_id: UUID
    name: Name
    lines: Lines
    frequency: Literal["monthly", "quarterly", "yearly"]
    start: Day
    anchor: Day | None = Field(None, description="The first full period's first day (the start when omitted); "
                               "a start before it is a first partial period, prorated by days")  # fmt: skip
    end: Day | None = Field(None, description="The last day served; its period is billed up to it, prorated by days")
    tax_percent: Percent = Field("0", description="Default tax rate (percent) for lines that give none")
    currency: CurrencyCode | None = Field(None, description="The customer's currency when omitted")
    auto_issue: bool = Field(False, description="Issue each period's invoice, or leave it a draft")
    payment_terms_days: int | None = Field(None, ge=0, le=365, description="The customer's when omitted")
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.SetUpRecurringInvoice:
        return m.SetUpRecurringInvoice(
            meta=meta,
            on=self.on,
            customer_id=self.customer_id,
            name=self.name,
            lines=tuple(line.to_input() for line in self.lines),
            frequency=self.frequency,
            start=self.start,
            anchor=self.anchor,
            end=self.end,
            tax_percent=self.tax_percent,
            currency=self.currency,
            auto_issue=self.auto_issue,
            payment_terms_days=self.payment_terms_days,
            recurring_id=self.id or uuid4(),
        )


class RecurringLinesBody(Body):
    effective_from: Day = Field(description="The first day of the periods billed with these lines")
    lines: Lines
    tax_percent: Percent = "0"
    on: EffectiveDate = None

    def to_command(self, meta: Meta, recurring_id: UUID) -> m.ChangeRecurringLines:
        return m.ChangeRecurringLines(
            meta=meta,
            on=self.on,
            recurring_id=recurring_id,
            effective_from=self.effective_from,
            lines=tuple(line.to_input() for line in self.lines),
            tax_percent=self.tax_percent,
        )


class RecurringStateBody(Body):
    """Pause from, resume from, or end on ``day``."""

    day: Day
    on: EffectiveDate = None


RecurringLine = derived(views.RecurringLineView)
LineVersion = derived(views.LineVersionView)
RecurringInvoice = derived(views.RecurringView, narrow={"status": Literal["active", "paused", "ended"]})
