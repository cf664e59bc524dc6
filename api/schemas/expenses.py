"""Expense claims, their policy and cost centers: request and response bodies."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import Field, StringConstraints

from api.schemas.base import (
    AccountCode,
    Amount,
    Body,
    C,
    CommandOf,
    DecimalStr,
    EffectiveDate,
    Identifier,
    OptionalText,
    Out,
    Percent,
    Text,
)
from commands import messages as m
from ledger.events import Meta

# -- expenses -------------------------------------------------------------------------


class CostCenterBody(Body):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,20}$")]
    name: Text
    manager: Text
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.DefineCostCenter:
        return m.DefineCostCenter(meta=meta, on=self.on, code=self.code, name=self.name, manager=self.manager)


class ManagerBody(Body):
    manager: Text
    on: EffectiveDate = None

    def to_command(self, meta: Meta, code: str) -> m.ChangeCostCenterManager:
        return m.ChangeCostCenterManager(meta=meta, on=self.on, code=code, manager=self.manager)


class ApprovalStepIn(Body):
    approver: Text = Field(description='A person, or "cost_center_manager"')
    above: Amount = Field("0", description="The step applies to claims above this amount")

    def to_input(self) -> m.ApprovalStepInput:
        return m.ApprovalStepInput(approver=self.approver, above=self.above)


class ExpensePolicyBody(Body):
    steps: list[ApprovalStepIn] = Field(min_length=1, max_length=10)
    fallback_approver: Text = Field(description="Who approves instead when a step would route to the claimant")
    categories: dict[str, AccountCode] = Field(
        default_factory=dict, description="Category -> account; defaults if empty"
    )
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ConfigureExpensePolicy:
        return m.ConfigureExpensePolicy(
            meta=meta,
            on=self.on,
            steps=tuple(s.to_input() for s in self.steps),
            fallback_approver=self.fallback_approver,
            categories=tuple(self.categories.items()),
        )


class ClaimIn(Body):
    category: Text
    description: Text
    amount: Amount = Field(description="Gross, as on the receipt, in the functional currency")
    tax_rate: Percent = "0"
    receipt_reference: Text
    cost_center: Identifier
    project_id: Identifier | None = None

    def to_input(self) -> m.ClaimInput:
        return m.ClaimInput(
            category=self.category,
            description=self.description,
            amount=self.amount,
            tax_rate=self.tax_rate,
            receipt_reference=self.receipt_reference,
            cost_center=self.cost_center,
            project_id=self.project_id,
        )


class SubmitClaimBody(ClaimIn):
    employee: Text | None = Field(None, description="The caller (the API key's name) when omitted")
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.SubmitExpenseClaim:
        return m.SubmitExpenseClaim(
            meta=meta, on=self.on, claim=self.to_input(), employee=self.employee, claim_id=self.id or uuid4()
        )


class ResubmitClaimBody(ClaimIn):
    on: EffectiveDate = None

    def to_command(self, meta: Meta, claim_id: UUID) -> m.ResubmitExpenseClaim:
        return m.ResubmitExpenseClaim(meta=meta, on=self.on, claim_id=claim_id, claim=self.to_input())


# Only the date: approving a claim or a timesheet, activating a project, completing a milestone.
class DateBody(Body):
    on: EffectiveDate = None

    def to_command(self, meta: Meta, command: CommandOf[C], **ids: Any) -> C:
        """``command`` (e.g. ``m.ActivateProject``) for the ids the route gives (``project_id=…``)."""
        return command(meta=meta, on=self.on, **ids)


class ReimburseBody(Body):
    reference: OptionalText = ""
    on: EffectiveDate = None

    def to_command(self, meta: Meta, claim_id: UUID) -> m.ReimburseExpenseClaim:
        return m.ReimburseExpenseClaim(meta=meta, on=self.on, claim_id=claim_id, reference=self.reference)


class Claim(Out):
    id: str
    employee: str
    category: str
    account: str
    description: str
    receipt_reference: str
    cost_center: str
    project_id: str | None
    currency: str
    amount: DecimalStr
    status: str
    route: list[str]
    approvals: list[str]
    next_approver: str | None
    rejection_reason: str | None
    submitted_on: date
    version: int


class ExpensePolicyOut(Out):
    steps: list[ApprovalStepIn]
    fallback_approver: str
    categories: dict[str, str]
    version: int


class CostCenter(Out):
    code: str
    name: str
    manager: str
    version: int
