"""People, projects and time: request and response bodies, and the delivery reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID, uuid4

from pydantic import Field, StringConstraints

from api.schemas.base import (
    Amount,
    Body,
    CurrencyCode,
    DecimalStr,
    EffectiveDate,
    Name,
    OptionalText,
    Out,
    Percent,
    Report,
)
from api.schemas.derive import derived
from api.schemas.reports import Scope  # noqa: F401  (derived first: every report holds it)
from commands import messages as m
from ledger.events import Meta
from ledger.policy import (
    FIRST_DAY,
    LAST_DAY,
)
from projections.delivery import reports

# -- people, projects, time -------------------------------------------------------------

Hours = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^-?[0-9]{1,4}(\.[0-9]{1,2})?$"), Field(examples=["7.5"])
]
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class TermsIn(Body):
    effective: Day
    role: Name
    cost_center: Name
    weekly_capacity: Hours = "40"
    cost_rate: Amount
    bill_rate: Amount

    def to_input(self) -> m.TermsInput:
        return m.TermsInput(
            effective=self.effective,
            role=self.role,
            cost_center=self.cost_center,
            weekly_capacity=self.weekly_capacity,
            cost_rate=self.cost_rate,
            bill_rate=self.bill_rate,
        )

    def to_command(self, meta: Meta, handle: str) -> m.ChangeTerms:
        return m.ChangeTerms(meta=meta, handle=handle, terms=self.to_input())


class HireBody(Body):
    handle: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{0,39}$")]
    name: Name
    terms: TermsIn

    def to_command(self, meta: Meta) -> m.HirePerson:
        return m.HirePerson(meta=meta, handle=self.handle, name=self.name, terms=self.terms.to_input())


class ProjectBody(Body):
    customer_id: UUID
    name: Name
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.DraftProject:
        return m.DraftProject(
            meta=meta, on=self.on, customer_id=self.customer_id, name=self.name, project_id=self.id or uuid4()
        )


class MilestoneIn(Body):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]
    name: Name
    amount: Amount

    def to_input(self) -> m.MilestoneInput:
        return m.MilestoneInput(key=self.key, name=self.name, amount=self.amount)


class ConfigureProjectBody(Body):
    model: Literal["fixed", "time_and_materials", "retainer"]
    start: Day
    end: Day | None = None
    currency: CurrencyCode | None = None
    tax_percent: Percent = "0"
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=100)
    rates: dict[str, Amount] = Field(default_factory=dict, description='{"person:ana": "95", "role:developer": "120"}')
    monthly_fee: Amount = "0"
    budget_hours: Amount = "0"
    budget_amount: Amount = "0"
    cost_center: OptionalText = ""
    requires_allocation: bool = False
    on: EffectiveDate = None

    def to_command(self, meta: Meta, project_id: UUID) -> m.ConfigureProject:
        return m.ConfigureProject(
            meta=meta,
            on=self.on,
            project_id=project_id,
            model=self.model,
            start=self.start,
            end=self.end,
            currency=self.currency,
            tax_percent=self.tax_percent,
            milestones=tuple(x.to_input() for x in self.milestones),
            rates=tuple(self.rates.items()),
            monthly_fee=self.monthly_fee,
            budget_hours=self.budget_hours,
            budget_amount=self.budget_amount,
            cost_center=self.cost_center,
            requires_allocation=self.requires_allocation,
        )


class RetainerFeeBody(Body):
    monthly_fee: Amount = Field(description="The new fee each month, in the project's currency, before tax")
    from_: Day = Field(alias="from", description="The first day of the first month billed at it")
    on: EffectiveDate = Field(None, description="The day it was agreed (the forecast knows it from then)")

    def to_command(self, meta: Meta, project_id: UUID) -> m.RepriceRetainer:
        return m.RepriceRetainer(
            meta=meta, on=self.on, project_id=project_id, monthly_fee=self.monthly_fee, start=self.from_
        )


class AllocationBody(Body):
    person: Name
    week: Day = Field(description="The Monday the week starts on")
    hours: Hours
    on: EffectiveDate = None

    def to_command(self, meta: Meta, project_id: UUID) -> m.PlanAllocation:
        return m.PlanAllocation(
            meta=meta, on=self.on, project_id=project_id, person=self.person, week=self.week, hours=self.hours
        )


class TimeBody(Body):
    person: Name | None = Field(None, description="The actor when omitted")
    day: Day
    project_id: UUID
    hours: Hours
    billable: bool = True
    note: OptionalText = ""
    entry_id: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None

    def to_command(self, meta: Meta) -> m.LogTime:
        return m.LogTime(
            meta=meta,
            person=self.person or meta.actor,
            day=self.day,
            project_id=self.project_id,
            hours=self.hours,
            billable=self.billable,
            note=self.note,
            entry_id=self.entry_id or str(uuid4()),
        )


class CorrectTimeBody(Body):
    hours: Hours
    billable: bool = True
    on: EffectiveDate = None

    def to_command(
        self, meta: Meta, person: str, week: date, entry_id: str, expected_version: int | None = None
    ) -> m.CorrectTime:
        return m.CorrectTime(
            meta=meta,
            on=self.on,
            person=person,
            week=week,
            entry_id=entry_id,
            hours=self.hours,
            billable=self.billable,
            expected_version=expected_version,
        )


class BillingRunBody(Body):
    as_of: Day
    on: EffectiveDate = None

    def to_command(self, meta: Meta, project_id: UUID) -> m.RunBilling:
        return m.RunBilling(meta=meta, on=self.on, project_id=project_id, as_of=self.as_of)


MarginRow = derived(reports.MarginRow)
BurnRow = derived(reports.BurnRow)
UtilisationRow = derived(reports.UtilisationRow)
WipRow = derived(reports.WipRow)
Margins = derived(reports.Margins, base=Report)
BudgetBurn = derived(reports.BudgetBurn, base=Report)
Utilisation = derived(reports.Utilisation, base=Report)
WorkInProgress = derived(reports.WorkInProgress, base=Report)


# -- delivery lists ---------------------------------------------------------------------


class Project(Out):
    id: str
    customer_id: str
    name: str
    status: Literal["draft", "active", "closed"]
    billing_model: str | None
    currency: str | None
    budget_hours: DecimalStr
    budget: DecimalStr | None
    start_date: date | None
    end_date: date | None
    cost_center: str
    deal_id: str | None = Field(description="The won deal the project came from")
    drafted_on: date


class Person(Out):
    handle: str
    name: str
    role: str
    cost_center: str
    weekly_capacity: DecimalStr
    cost_rate: DecimalStr
    bill_rate: DecimalStr
    terms_since: date = Field(description="Since when these terms apply")


class TimesheetEntry(Out):
    entry_id: str
    day: date
    project_id: str
    hours: DecimalStr
    billable: bool
    note: str


class Timesheet(Out):
    person: str
    week: date
    status: str
    total_hours: DecimalStr
    entries: list[TimesheetEntry]
    version: int
