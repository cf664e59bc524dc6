"""Planned costs over HTTP (payroll, rent: ADR 0065): planned, revised, ended; and the list."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import Field

from api.schemas.base import Amount, Body, CurrencyCode, EffectiveDate, Identifier, Name
from api.schemas.derive import derived
from commands import messages as m
from ledger.events import Meta
from ledger.planned_costs import LATEST_PAY_DAY
from ledger.policy import FIRST_DAY, LAST_DAY
from projections.cash import planned_costs as views

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class PlanCostBody(Body):
    name: Name = Field(examples=["Designer payroll"])
    amount: Amount = Field(description="A month's payment, in the functional currency", examples=["5000.00"])
    starts: Day = Field(description="The first day a payment may fall on")
    pay_day: int = Field(28, ge=1, le=LATEST_PAY_DAY, description="The day of each month it is paid")
    ends: Day | None = Field(None, description="The last day a payment may fall on; none: until ended")
    currency: CurrencyCode | None = Field(None, description="The functional currency (another is refused)")
    cost_center: Identifier | None = None
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.PlanCost:
        return m.PlanCost(
            meta=meta,
            on=self.on,
            planned_cost_id=self.id or uuid4(),
            name=self.name,
            amount=self.amount,
            starts=self.starts,
            pay_day=self.pay_day,
            ends=self.ends,
            currency=self.currency,
            cost_center=self.cost_center,
        )


class RevisePlannedCostBody(Body):
    amount: Amount = Field(description="A month's payment from ``effective_from`` on")
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
    ends: Day = Field(description="The last day a payment may fall on")
    on: EffectiveDate = None

    def to_command(self, meta: Meta, cost_id: UUID, expected_version: int | None) -> m.EndPlannedCost:
        return m.EndPlannedCost(
            meta=meta, on=self.on, planned_cost_id=cost_id, ends=self.ends, expected_version=expected_version
        )


CostStep = derived(views.CostStep, name="PlannedCostStep")
PlannedCost = derived(
    views.PlannedCostView, name="PlannedCost", describe={"steps": "The monthly amount from each day on"}
)
