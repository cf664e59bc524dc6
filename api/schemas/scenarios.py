"""What-if scenarios over HTTP (ADR 0066): made, assumptions added, rebased, dropped; read; and a
report compared with the books or another scenario."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, model_validator

from api.schemas.base import Amount, Body, EffectiveDate, Name, Out
from api.schemas.reports import CashForecast
from ledger.payment_expectations import MAX_EXPECTED_DELAY_DAYS
from ledger.policy import FIRST_DAY, LAST_DAY
from ledger.scenarios import KINDS, Assumption

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
ScenarioName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", examples=["hire-two"])]
Kind = Literal[
    "hire", "recurring_cost", "payment_delay", "lose_deal", "win_deal", "slip_deal", "write_off", "leaver",
    "retainer_price",
]  # fmt: skip
# which body fields each kind takes (``ledger.scenarios.KINDS`` names them by their meaning)
FIELDS: dict[str, tuple[str, ...]] = {
    "hire": ("name", "monthly_cost", "from_", "until"),
    "recurring_cost": ("name", "monthly_cost", "from_", "until"),
    "payment_delay": ("customer_id", "days"),
    "lose_deal": ("deal_id",),
    "win_deal": ("deal_id", "on"),
    "slip_deal": ("deal_id", "to"),
    "write_off": ("invoice_id",),
    "leaver": ("planned_cost_id", "until"),
    "retainer_price": ("project_id", "monthly_fee", "from_"),
}
assert set(FIELDS) == set(KINDS)
OPTIONAL = {("hire", "until"), ("recurring_cost", "until")}  # (kind, field): none means "on and on"


class NewScenarioBody(Body):
    name: ScenarioName
    on: EffectiveDate = Field(None, description="The business date its assumptions are taken as decided on")


class AssumptionIn(Body):
    kind: Kind
    name: Name | None = Field(None, description="hire: the role; recurring_cost: what it is")
    monthly_cost: Amount | None = Field(None, description="hire, recurring_cost: each month, functional currency")
    from_: Day | None = Field(
        None, alias="from", description="hire, recurring_cost: the first month's day; retainer_price: a month's first"
    )
    until: Day | None = Field(None, description="hire, recurring_cost: the last day paid (none: on); leaver: the last")
    customer_id: UUID | None = Field(None, description="payment_delay: the customer")
    days: int | None = Field(
        None, ge=-MAX_EXPECTED_DELAY_DAYS, le=MAX_EXPECTED_DELAY_DAYS, description="payment_delay: after the due dates"
    )
    deal_id: UUID | None = Field(None, description="lose_deal, win_deal, slip_deal: the deal")
    on: Day | None = Field(None, description="win_deal: the day it closes, certain")
    to: Day | None = Field(None, description="slip_deal: its new expected close")
    invoice_id: UUID | None = Field(None, description="write_off: an issued invoice, never paid")
    planned_cost_id: UUID | None = Field(None, description="leaver: the person's planned cost (payroll)")
    project_id: UUID | None = Field(None, description="retainer_price: a retainer project")
    monthly_fee: Amount | None = Field(None, description="retainer_price: its new fee, in the project's currency")

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> AssumptionIn:
        takes = FIELDS[self.kind]
        for field in (
            "name", "monthly_cost", "from_", "until", "customer_id", "days", "deal_id", "on", "to", "invoice_id",
            "planned_cost_id", "project_id", "monthly_fee",
        ):  # fmt: skip
            named = "from" if field == "from_" else field
            if getattr(self, field) is None and field in takes and (self.kind, field) not in OPTIONAL:
                raise ValueError(f"{named}: a {self.kind} assumption needs it")
            if getattr(self, field) is not None and field not in takes:
                raise ValueError(f"{named}: a {self.kind} assumption takes none")
        return self

    def to_assumption(self) -> Assumption:
        from decimal import Decimal

        return Assumption(
            kind=self.kind,
            subject=self.customer_id or self.deal_id or self.invoice_id or self.planned_cost_id or self.project_id,
            name=self.name or "",
            amount=Decimal(monthly) if (monthly := self.monthly_cost or self.monthly_fee) is not None else None,
            days=self.days,
            start=self.from_ or self.on or self.to,
            end=self.until,
        )


class AddAssumptionsBody(Body):
    assumptions: list[AssumptionIn] = Field(min_length=1, max_length=1000)


class AssumptionOut(Out):
    number: int
    kind: str
    description: str
    fields: dict[str, str | int]


class ScenarioOut(Out):
    id: UUID
    name: str
    decided_on: date
    base_position: int = Field(description="The log position its branch was built on: it answers as known then")
    base_known_at: datetime
    head_position: int = Field(description="The log's head now; rebase to move the base there")
    revision: int
    created_at: datetime
    created_by: str
    assumptions: list[AssumptionOut]


class DroppedOut(Out):
    number: int
    kind: str
    description: str
    why: Literal["became real", "contradicts the books"]
    detail: str


class ScenarioChanged(Out):
    scenario: ScenarioOut
    branched: list[str] = Field(description="The read models copied into its branch")
    events: int = Field(description="Hypothetical events folded into them")
    build_seconds: float
    dropped: list[DroppedOut] = Field(default_factory=list, description="Rebase: the assumptions taken out")


class ScenarioList(Out):
    items: list[ScenarioOut]


class PeriodDifference(Out):
    start: date
    end: date
    inflow: str
    outflow: str
    net: str
    closing_balance: str


class CashForecastComparison(Out):
    scenario: str
    compared_with: str = Field(description='"base" (the books) or another scenario')
    base: CashForecast  # type: ignore[valid-type]
    with_scenario: CashForecast  # type: ignore[valid-type]
    difference: list[PeriodDifference] = Field(description="with_scenario minus base, per period")
