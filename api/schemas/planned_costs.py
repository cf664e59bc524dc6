"""Planned costs over HTTP (payroll, rent: ADR 0065): planned, revised, ended, cancelled; the list."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID, uuid4

from pydantic import Field

from api.schemas.base import Amount, Body, CurrencyCode, EffectiveDate, Identifier, Name, Text
from api.schemas.derive import derived
from commands import messages as m
from ledger.events import Meta
from ledger.planned_costs import LAST_PAY_DAY
from ledger.policy import FIRST_DAY, LAST_DAY
from projections.cash import planned_costs as views

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class PlanCostBody(Body):
    name: Name = Field(examples=["Designer payroll"])
    amount: Amount = Field(description="Each payment, in the functional currency", examples=["5000.00"])
    start: Day = Field(description="The first day a payment may fall on")
    frequency: Literal["monthly", "quarterly", "yearly"] = Field("monthly", description="From the start's month")
    pay_day: int = Field(LAST_PAY_DAY, ge=1, le=LAST_PAY_DAY, description="The day of the month (31: its last day)")
    end: Day | None = Field(None, description="The last day a payment may fall on; none: until ended")
    currency: CurrencyCode | None = Field(None, description="The functional currency (another is refused)")
    cost_center: Identifier | None = Field(None, description="A defined cost center's code")
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.PlanCost:
        return m.PlanCost(
            meta=meta,
            on=self.on,
            planned_cost_id=self.id or uuid4(),
            name=self.name,
            amount=self.amount,
            start=self.start,
            frequency=self.frequency,
            pay_day=self.pay_day,
            end=self.end,
            currency=self.currency,
            cost_center=self.cost_center,
        )


class RevisePlannedCostBody(Body):
    amount: Amount = Field(description="Each payment from ``effective_from`` on")
    effective_from: Day
    on: EffectiveDate = None

    def to_command(self, meta: Meta, cost_id: UUID, expected_version: int | None) -> m.RevisePlannedCost:
        return m.RevisePlannedCost(
            meta=meta,
            on=self.on,
            planned_cost_id=cost_id,
            amount=self.amount,
            effective_from=self.effective_from,
            expected_version=expected_version,
        )


class EndPlannedCostBody(Body):
    end: Day = Field(description="The last day a payment may fall on")
    on: EffectiveDate = None

    def to_command(self, meta: Meta, cost_id: UUID, expected_version: int | None) -> m.EndPlannedCost:
        return m.EndPlannedCost(
            meta=meta, on=self.on, planned_cost_id=cost_id, end=self.end, expected_version=expected_version
        )


class CancelPlannedCostBody(Body):
    reason: Text = Field(examples=["planned twice"])
    on: EffectiveDate = None

    def to_command(self, meta: Meta, cost_id: UUID, expected_version: int | None) -> m.CancelPlannedCost:
        return m.CancelPlannedCost(
            meta=meta, on=self.on, planned_cost_id=cost_id, reason=self.reason, expected_version=expected_version
        )


CostStep = derived(views.CostStep, name="PlannedCostStep")
PlannedCost = derived(
    views.PlannedCostView, name="PlannedCost", describe={"steps": "The amount of the payments from each day on"}
)
